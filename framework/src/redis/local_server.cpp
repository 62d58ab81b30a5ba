#include "redis/local_server.hpp"

#include "core/child_process.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace orbweaver::redis {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view socket_name = "redis.sock";

// A blocking connection to the Unix socket, or -1.
int connect_socket(const fs::path& socket, std::chrono::milliseconds timeout) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string path = socket.string();
  if (path.size() >= sizeof address.sun_path) return -1;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  timeval limit{.tv_sec = seconds.count(),
                .tv_usec = std::chrono::duration_cast<std::chrono::microseconds>(timeout - seconds).count()};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  return fd;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

fs::path find_redis_server() { return find_program("redis-server", {"/usr/bin"}); }

std::string generated_password() {
  std::random_device random;
  return fmt::format("{:08x}{:08x}{:08x}{:08x}", random(), random(), random(), random());
}

std::vector<reply> exchange_over_socket(const fs::path& socket, const std::vector<command>& commands,
                                        std::chrono::milliseconds timeout) {
  const int fd = connect_socket(socket, timeout);
  if (fd < 0) return {};
  std::string wire;
  for (const auto& c : commands) wire += encode(c);
  std::vector<reply> replies;
  if (::send(fd, wire.data(), wire.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(wire.size())) {
    reply_reader reader;
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

local_server::local_server() {
  const fs::path server = find_redis_server();
  if (server.empty()) throw std::runtime_error(std::string(missing_redis_server_advice));
  std::string pattern = (fs::temp_directory_path() / "orbweaver-redis-XXXXXX").string();
  if (!::mkdtemp(pattern.data()))
    throw std::runtime_error(fmt::format("cannot create a folder for redis-server in {}: {}",
                                         fs::temp_directory_path().string(), std::strerror(errno)));
  dir_ = pattern;
  password_ = generated_password();
  const fs::path socket = dir_ / socket_name;
  try {
    std::ofstream conf(dir_ / "redis.conf");
    conf << "port 0\n"
         << "unixsocket " << socket.string() << "\n"
         << "unixsocketperm 700\n"
         << "requirepass " << password_ << "\n"
         << "dir " << dir_.string() << "\n"
         << "save \"\"\n"
         << "appendonly yes\n"
         << "appendfsync everysec\n"
         << "daemonize no\n"
         << "logfile \"\"\n";
    conf.close();
    if (!conf) throw std::runtime_error(fmt::format("cannot write {}", (dir_ / "redis.conf").string()));
    const fs::path log = dir_ / "redis.log";
    pid_ = spawn_child(server, {(dir_ / "redis.conf").string()}, {.output = log});

    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    for (;;) {
      if (!running())
        throw std::runtime_error(fmt::format("redis-server stopped at its start: {}", read_text(log)));
      // LOADING while the append-only file is read back: not yet.
      const auto replies = exchange_over_socket(socket, {{"AUTH", password_}, {"PING"}});
      if (replies.size() == 2 && replies[1] == reply::make_status("PONG")) break;
      if (std::chrono::steady_clock::now() > give_up)
        throw std::runtime_error(fmt::format("redis-server did not answer within 15 s: {}", read_text(log)));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  } catch (...) {
    stop();
    std::error_code ec;
    fs::remove_all(dir_, ec);
    throw;
  }
}

local_server::~local_server() {
  stop();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string local_server::url() const {
  return fmt::format("unix://{}?password={}", (dir_ / socket_name).string(), password_);
}

bool local_server::running() {
  if (pid_ > 0 && poll_child(pid_)) pid_ = -1;
  return pid_ > 0;
}

void local_server::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  wait_child(pid_, std::chrono::seconds(10));
  pid_ = -1;
}

}  // namespace orbweaver::redis
