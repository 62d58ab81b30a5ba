#include "postgres_server.hpp"

#include "crawl_runner.hpp"
#include "free_port.hpp"
#include "program_runner.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <pwd.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>

namespace orbweaver::testing {
namespace {

namespace fs = std::filesystem;

// The newest Debian layout's bin folder (/usr/lib/postgresql/15/bin), or ORBWEAVER_POSTGRES_BINDIR.
fs::path find_bin_folder() {
  if (const char* given = std::getenv("ORBWEAVER_POSTGRES_BINDIR")) return given;
  fs::path best;
  int best_version = -1;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    int version = std::atoi(entry.path().filename().c_str());
    if (version > best_version && fs::exists(entry.path() / "bin" / "initdb")) {
      best_version = version;
      best = entry.path() / "bin";
    }
  }
  return best;
}

}  // namespace

postgres_server::postgres_server() {
  bin_ = find_bin_folder();
  if (bin_.empty() || !fs::exists(bin_ / "initdb") || !fs::exists(bin_ / "pg_ctl")) {
    unavailable_ = "PostgreSQL's initdb and pg_ctl were not found (apt-get install postgresql, or set "
                   "ORBWEAVER_POSTGRES_BINDIR)";
    return;
  }
  static std::atomic<int> count{0};
  dir_ = fs::temp_directory_path() / fmt::format("orbweaver-postgres-{}-{}", ::getpid(), count++);
  fs::remove_all(dir_);
  fs::create_directories(dir_);
  fs::permissions(dir_, fs::perms::owner_all);
  std::ofstream(dir_ / "password") << password << '\n';
  as_postgres_user_ = ::geteuid() == 0;
  if (as_postgres_user_) {
    const passwd* account = ::getpwnam("postgres");
    if (!account) {
      unavailable_ = "running as root, and there is no 'postgres' user to run the server as";
      return;
    }
    for (const auto& path : {dir_, dir_ / "password"})
      if (::chown(path.c_str(), account->pw_uid, account->pw_gid) != 0) {
        unavailable_ = fmt::format("cannot hand {} to the postgres user", path.string());
        return;
      }
  }
  if (!run((bin_ / "initdb").string(), {"-D", (dir_ / "data").string(), "-U", std::string(user), "--pwfile",
                                         (dir_ / "password").string(), "-A", "scram-sha-256", "-E", "UTF8",
                                         "--locale=C", "--no-sync"})) {
    unavailable_ = "initdb failed: " + last_output_;
    return;
  }
  port_ = free_port();
  if (!start()) {
    unavailable_ = fmt::format("the server did not start: {} {}", last_output_,
                               read_file(dir_ / "log"));
    return;
  }
}

postgres_server::~postgres_server() {
  // Also after a start that timed out: whatever runs there must not outlive the test.
  if (started_ || fs::exists(dir_ / "data" / "postmaster.pid")) pg_ctl({"stop", "-m", "immediate", "-w"});
  if (!dir_.empty()) fs::remove_all(dir_);
}

bool postgres_server::run(const std::string& program, std::vector<std::string> args) {
  if (as_postgres_user_) {
    args.insert(args.begin(), {"-u", "postgres", "--", program});
    auto result = run_program("runuser", std::move(args), dir_);
    last_output_ = result.out + result.err;
    return result.status == 0;
  }
  auto result = run_program(program, std::move(args), dir_);
  last_output_ = result.out + result.err;
  return result.status == 0;
}

bool postgres_server::pg_ctl(std::vector<std::string> args) {
  args.insert(args.begin(), {"-D", (dir_ / "data").string()});
  return run((bin_ / "pg_ctl").string(), std::move(args));
}

bool postgres_server::start() {
  // fsync off: the tests stop the server cleanly, they never crash the machine.
  started_ = pg_ctl({"start", "-w", "-t", "60", "-l", (dir_ / "log").string(), "-o",
                     fmt::format("-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} -c fsync=off",
                                 port_, dir_.string())});
  return started_;
}

bool postgres_server::stop() {
  started_ = !pg_ctl({"stop", "-m", "fast", "-w", "-t", "60"});
  return !started_;
}

bool postgres_server::restart() {
  return pg_ctl({"restart", "-m", "fast", "-w", "-t", "60", "-l", (dir_ / "log").string()});
}

std::string postgres_server::uri(std::string_view database, std::string_view with_password) const {
  return fmt::format("postgresql://{}:{}@127.0.0.1:{}/{}", user, with_password, port_, database);
}

std::vector<std::vector<std::string>> postgres_server::query(std::string_view database, const std::string& sql) const {
  std::vector<std::vector<std::string>> rows;
  PGconn* conn = PQconnectdb(uri(database).c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    ADD_FAILURE() << "cannot connect to " << database << ": " << PQerrorMessage(conn);
    PQfinish(conn);
    return rows;
  }
  PGresult* result = PQexec(conn, sql.c_str());
  auto status = PQresultStatus(result);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) ADD_FAILURE() << sql << ": " << PQerrorMessage(conn);
  for (int row = 0; row < PQntuples(result); ++row) {
    auto& values = rows.emplace_back();
    for (int column = 0; column < PQnfields(result); ++column)
      values.emplace_back(PQgetisnull(result, row, column) ? "NULL" : PQgetvalue(result, row, column));
  }
  PQclear(result);
  PQfinish(conn);
  return rows;
}

void postgres_server::create_database(std::string_view name) const {
  query("postgres", fmt::format("CREATE DATABASE {}", name));
}

}  // namespace orbweaver::testing
