#include "redis_server.hpp"

#include "crawl_runner.hpp"
#include "free_port.hpp"
#include "program_runner.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace orbweaver::testing {
namespace {

namespace fs = std::filesystem;

fs::path find_redis_server() {
  if (const char* path = std::getenv("PATH")) {
    std::stringstream folders(path);
    for (std::string folder; std::getline(folders, folder, ':');)
      if (!folder.empty() && ::access((fs::path(folder) / "redis-server").c_str(), X_OK) == 0)
        return fs::path(folder) / "redis-server";
  }
  if (::access("/usr/bin/redis-server", X_OK) == 0) return "/usr/bin/redis-server";
  return {};
}

std::string generated_password() {
  std::random_device random;
  return fmt::format("pw-{:08x}{:08x}", random(), random());
}

// A blocking connection to 127.0.0.1:port, or -1.
int connect_loopback(unsigned short port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  timeval limit{.tv_sec = 10, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  return fd;
}

// Sends the commands and reads their replies; empty when the connection fails.
std::vector<redis::reply> exchange(unsigned short port, const std::vector<redis::command>& commands) {
  const int fd = connect_loopback(port);
  if (fd < 0) return {};
  std::string wire;
  for (const auto& c : commands) wire += redis::encode(c);
  std::vector<redis::reply> replies;
  if (::send(fd, wire.data(), wire.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(wire.size())) {
    redis::reply_reader reader;
    char buffer[16384];
    while (replies.size() < commands.size()) {
      const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      reader.feed(std::string_view(buffer, static_cast<std::size_t>(n)));
      while (auto r = reader.next()) replies.push_back(std::move(*r));
    }
  }
  ::close(fd);
  if (replies.size() < commands.size()) replies.clear();
  return replies;
}

}  // namespace

redis_server::redis_server(options o) {
  server_ = find_redis_server();
  if (server_.empty()) {
    unavailable_ = "redis-server was not found in PATH or /usr/bin (apt-get install redis-server)";
    return;
  }
  static std::atomic<int> count{0};
  dir_ = fs::temp_directory_path() / fmt::format("orbweaver-redis-{}-{}", ::getpid(), count++);
  fs::remove_all(dir_);
  fs::create_directories(dir_);
  password_ = generated_password();
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
    const auto replies = exchange(port_, {{"AUTH", password_}, {"PING"}});
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
  const auto replies = exchange(port_, {{"AUTH", password_}, c});
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
