#pragma once
// A redis-server of the test's own, in a temporary folder: 127.0.0.1 on a free port and a Unix
// socket, a generated password (requirepass), no RDB snapshots (save ""), the append-only file
// when asked (for tests that restart it and expect their data back; synced at every write when
// asked too, for tests that crash it), and a TLS port with a
// self-signed certificate for 127.0.0.1 when asked. redis-server is looked up in PATH, then
// /usr/bin (Debian's redis-server package); unavailable() says why a server does not run: the
// test skips then. Only a missing redis-server (or TLS support, or the openssl command) is a
// reason to skip: a server that is there and does not start fails the test.
#include "redis/protocol.hpp"

#include <filesystem>
#include <string>

// A test's first line: it skips, saying why, when the server does not run.
#define SKIP_WITHOUT(server) \
  if (!(server).unavailable().empty()) GTEST_SKIP() << (server).unavailable()

namespace orbweaver::testing {

class redis_server {
 public:
  struct options {
    bool append_only = false;
    // With append_only: every write reaches the disk before its reply (appendfsync always), so
    // even a crash of the server loses nothing it acknowledged.
    bool fsync_every_write = false;
    bool tls = false;  // a TLS port too (tls_port(), ca_file())
  };
  redis_server() : redis_server(options{}) {}
  explicit redis_server(options o);  // starts it and waits until it answers; check unavailable()
  ~redis_server();                   // kills it and removes its folder
  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;

  // Empty when the server runs; otherwise why it does not.
  const std::string& unavailable() const { return unavailable_; }

  const std::string& password() const { return password_; }
  unsigned short port() const { return port_; }
  unsigned short tls_port() const { return tls_port_; }
  std::filesystem::path socket_path() const { return dir_ / "redis.sock"; }
  std::filesystem::path ca_file() const { return dir_ / "cert.pem"; }  // the self-signed certificate

  // redis://:PASSWORD@127.0.0.1:PORT/DB (another password if given), unix:///...?password=P&db=N,
  // rediss://:PASSWORD@127.0.0.1:TLS_PORT/DB?ca_file=...
  std::string url(int db = 0) const;
  std::string url_with_password(std::string_view password) const;
  std::string unix_url(int db = 0) const;
  std::string tls_url(int db = 0) const;

  // SIGTERM and wait (the append-only file is flushed); start() again on the same port and folder.
  bool stop();
  bool start();
  bool restart() { return stop() && start(); }
  // SIGKILL and wait: a crash.
  void kill();

  // One command on a blocking connection of the test's own (authenticated); a failure fails the
  // test and returns a nil reply.
  redis::reply command(const redis::command& c) const;

 private:
  bool wait_until_answering();

  std::filesystem::path server_, dir_;
  std::string password_;
  unsigned short port_ = 0, tls_port_ = 0;
  int pid_ = -1;
  std::string unavailable_;
};

}  // namespace orbweaver::testing
