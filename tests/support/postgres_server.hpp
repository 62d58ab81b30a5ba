#pragma once
// A PostgreSQL server of the test's own: initdb and pg_ctl in a temporary folder, listening on
// 127.0.0.1 on a free port with password (SCRAM) authentication for one user it creates. As root
// (CI), the server runs as the `postgres` system user, since PostgreSQL refuses to run as root.
// Without the binaries (Debian's postgresql package: /usr/lib/postgresql/N/bin, or
// ORBWEAVER_POSTGRES_BINDIR) or when the server cannot start, unavailable() says why.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace orbweaver::testing {

class postgres_server {
 public:
  postgres_server();  // initdb and start; check unavailable()
  ~postgres_server();  // stops the server and removes its folder
  postgres_server(const postgres_server&) = delete;
  postgres_server& operator=(const postgres_server&) = delete;

  // Empty when the server runs; otherwise why it does not.
  const std::string& unavailable() const { return unavailable_; }

  static constexpr std::string_view user = "orbweaver_test";
  static constexpr std::string_view password = "s3cret-Pass";
  unsigned short port() const { return port_; }
  // postgresql://orbweaver_test:PASSWORD@127.0.0.1:PORT/DATABASE (another password if given).
  std::string uri(std::string_view database, std::string_view with_password = password) const;

  // Runs SQL as the test user in `database` and returns the rows as text (NULL as "NULL"); a
  // failure fails the test and returns no rows.
  std::vector<std::vector<std::string>> query(std::string_view database, const std::string& sql) const;
  void create_database(std::string_view name) const;  // CREATE DATABASE (a failure fails the test)

  // pg_ctl restart -m fast: every connection is closed, the server comes back on the same port.
  bool restart();
  // pg_ctl stop -m fast, and start again on the same port.
  bool stop();
  bool start();

 private:
  bool pg_ctl(std::vector<std::string> args);
  bool run(const std::string& program, std::vector<std::string> args);

  std::filesystem::path bin_, dir_;
  unsigned short port_ = 0;
  bool as_postgres_user_ = false;
  bool started_ = false;
  std::string unavailable_;
  std::string last_output_;
};

}  // namespace orbweaver::testing
