#pragma once
// A private redis-server for `orbweaver crawl NAME --workers N` without REDIS_URL: on a Unix
// socket only (port 0) in a fresh temporary folder (mode 0700, the socket 0700: no other user
// reaches it), with a generated password, the append-only file (appendfsync everysec) and no RDB
// snapshots. Stopped, and its folder removed, when the object goes. The tests' redis_server
// (tests/support) shares its pieces: finding redis-server, the password, the blocking exchange.
#include "redis/protocol.hpp"

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace orbweaver::redis {

// redis-server in PATH, then /usr/bin (Debian's redis-server package); empty when neither.
std::filesystem::path find_redis_server();
// What to tell a user who has no redis-server.
inline constexpr std::string_view missing_redis_server_advice =
    "redis-server was not found in PATH or /usr/bin (install the redis-server package: apt-get install redis-server)";

// 128 random bits in hex.
std::string generated_password();

// Sends `commands` over a blocking connection to the Unix socket and reads one reply each; empty
// when the connection fails or the replies do not all come within `timeout`.
std::vector<reply> exchange_over_socket(const std::filesystem::path& socket, const std::vector<command>& commands,
                                        std::chrono::milliseconds timeout = std::chrono::seconds(10));

class local_server {
 public:
  // Starts redis-server and waits until it answers PING with the password. Throws
  // std::runtime_error: missing_redis_server_advice when there is none, what it logged when it
  // does not start.
  local_server();
  ~local_server();  // stop(), then removes the folder
  local_server(const local_server&) = delete;
  local_server& operator=(const local_server&) = delete;

  // unix:///TMP/orbweaver-redis-XXXXXX/redis.sock?password=P
  std::string url() const;
  int pid() const { return pid_; }
  const std::filesystem::path& folder() const { return dir_; }
  // Whether it still runs (reaps it when it has ended).
  bool running();
  // SIGTERM and wait (SIGKILL after 10 s); nothing when it has stopped.
  void stop();

 private:
  std::filesystem::path dir_;
  std::string password_;
  int pid_ = -1;
};

}  // namespace orbweaver::redis
