#pragma once
// Where the Redis server is and how to talk to it: one struct, every default written in place.
// parse_url reads REDIS_URL; config_from_settings adds the timeouts of the settings table.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace orbweaver {
class settings;
}

namespace orbweaver::redis {

struct config {
  enum class transport { tcp, unix_socket };
  transport via = transport::tcp;
  std::string host = "127.0.0.1";  // tcp: a name or an address (IPv6 without brackets)
  std::uint16_t port = 6379;       // Redis's own default
  std::string socket_path;         // unix_socket: the socket file
  int db = 0;                      // SELECT after connecting (0 is Redis's default database)
  std::string user;                // ACL user (Redis 6+); empty: AUTH with the password alone
  std::string password;            // empty: no AUTH
  bool tls = false;                // rediss://
  bool tls_verify = true;          // certificate and host name; ?verify=false for self-signed test servers
  std::string ca_file;             // ?ca_file=PATH: a PEM of authorities trusted beside the system's
  std::chrono::milliseconds connect_timeout{5'000};   // resolve, connect, TLS and AUTH together
  std::chrono::milliseconds command_timeout{10'000};  // a reply later than this closes the connection
  std::chrono::milliseconds reconnect_min{100};       // first wait after a failed reconnect...
  std::chrono::milliseconds reconnect_max{5'000};     // ...doubled up to this, with jitter
  std::chrono::milliseconds retry_timeout{60'000};    // how long a command waits for a server that is down

  // "127.0.0.1:6379 db 0", "[::1]:6380 db 2 (TLS)", "unix:/run/redis.sock db 0": for messages,
  // never with the password.
  std::string describe() const;
};

// redis://[[user]:password@]host[:port][/db][?verify=false&ca_file=PATH], rediss://... for TLS,
// unix:///path/to/socket[?db=N&user=U&password=P]. User and password are percent-decoded.
// Throws redis::error (errc::bad_url) naming what is wrong: an unknown scheme, a bad port or db,
// an unknown parameter. The message never contains the password.
config parse_url(std::string_view url);

// REDIS_URL with REDIS_CONNECT_TIMEOUT, REDIS_COMMAND_TIMEOUT and REDIS_RETRY_TIMEOUT. Throws as
// parse_url; REDIS_URL must not be empty.
config config_from_settings(const settings& s);

}  // namespace orbweaver::redis
