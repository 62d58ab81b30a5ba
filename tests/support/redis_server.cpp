#include "redis_server.hpp"

#include "crawl_runner.hpp"
#include "free_port.hpp"
#include "program_runner.hpp"
#include "redis/local_server.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

namespace orbweaver::testing {
namespace fs = std::filesystem;

redis_server::redis_server(options o) {
  server_ = redis::find_redis_server();
  if (server_.empty()) {
    unavailable_ = redis::missing_redis_server_advice;
    return;
  }
  static std::atomic<int> count{0};
  dir_ = fs::temp_directory_path() / fmt::format("orbweaver-redis-{}-{}", ::getpid(), count++);
  fs::remove_all(dir_);
  fs::create_directories(dir_);
  password_ = redis::generated_password();
  port_ = free_port();
  std::ofstream conf(dir_ / "redis.conf");
  conf << "bind 127.0.0.1\n"
       << "port " << port_ << "\n"
       << "unixsocket " << socket_path().string() << "\n"
       << "unixsocketperm 700\n"
       << "requirepass " << password_ << "\n"
       << "dir " << dir_.string() << "\n"
       << "save \"\"\n"
       << "appendonly " << (o.append_only ? "yes" : "no") << "\n"
       << "appendfsync " << (o.fsync_every_write ? "always" : "everysec") << "\n"
       << "daemonize no\n"
       << "logfile \"\"\n";
  if (o.tls) {
    const auto made = run_program("openssl", {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                                              "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                                              "-keyout", (dir_ / "key.pem").string(), "-out", ca_file().string()},
                                  dir_);
    if (made.status != 0) {
      unavailable_ = "the openssl command could not make a test certificate: " + made.err;
      return;
    }
    tls_port_ = free_port();
    conf << "tls-port " << tls_port_ << "\n"
         << "tls-cert-file " << ca_file().string() << "\n"
         << "tls-key-file " << (dir_ / "key.pem").string() << "\n"
         << "tls-auth-clients no\n";
  }
  conf.close();
  if (start()) return;
  const std::string log = read_file(dir_ / ".test-stdout");
  // Redis built without TLS (BUILD_TLS=no) stops at the tls-* lines of the configuration.
  if (o.tls && log.find("tls") != std::string::npos && log.find("Bad directive") != std::string::npos) {
    unavailable_ = "this redis-server was built without TLS support";
    return;
  }
  unavailable_ = "redis-server did not start: " + log;
  ADD_FAILURE() << unavailable_;
}

redis_server::~redis_server() {
  kill();
  if (!dir_.empty()) fs::remove_all(dir_);
}

bool redis_server::start() {
  pid_ = start_program(server_, {(dir_ / "redis.conf").string()}, dir_);
  return pid_ > 0 && wait_until_answering();
}

bool redis_server::wait_until_answering() {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < give_up) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    // LOADING while the append-only file is read back: not yet.
    const auto replies = redis::exchange_over_socket(socket_path(), {{"AUTH", password_}, {"PING"}});
    if (replies.size() == 2 && replies[1] == redis::reply::make_status("PONG")) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

bool redis_server::stop() {
  if (pid_ <= 0) return false;
  ::kill(pid_, SIGTERM);
  wait_for_exit(pid_);
  pid_ = -1;
  return true;
}

void redis_server::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  wait_for_exit(pid_);
  pid_ = -1;
}

redis::reply redis_server::command(const redis::command& c) const {
  const auto replies = redis::exchange_over_socket(socket_path(), {{"AUTH", password_}, c});
  if (replies.size() != 2) {
    ADD_FAILURE() << "redis-server on port " << port_ << " did not answer " << c.front();
    return {};
  }
  return replies[1];
}

std::string redis_server::url(int db) const { return fmt::format("redis://:{}@127.0.0.1:{}/{}", password_, port_, db); }

std::string redis_server::url_with_password(std::string_view password) const {
  return fmt::format("redis://:{}@127.0.0.1:{}/0", password, port_);
}

std::string redis_server::unix_url(int db) const {
  return fmt::format("unix://{}?db={}&password={}", socket_path().string(), db, password_);
}

std::string redis_server::tls_url(int db) const {
  return fmt::format("rediss://:{}@127.0.0.1:{}/{}?ca_file={}", password_, tls_port_, db, ca_file().string());
}

}  // namespace orbweaver::testing
