#pragma once
// The Redis client's errors: a category of its own ("redis"), so that std::error_code carries them
// beside the downloader's (orbweaver::errc) and error_name() reports them as "redis:N". A failure
// travels as redis::error, whose message names the server (host:port or socket, and db) and the
// cause, never the password.
#include <stdexcept>
#include <string>
#include <system_error>

namespace orbweaver::redis {

enum class errc {
  bad_url = 1,      // REDIS_URL does not parse, or names an unknown scheme, a bad port or db
  connect_failed,   // the server is unreachable (refused, no route, DNS, TLS handshake)
  auth_failed,      // AUTH refused (wrong password or user), or the server wants a password
  connection_lost,  // the connection closed with commands in flight: their outcome is unknown
  timeout,          // connecting or a command took longer than its timeout
  protocol_error,   // bytes from the server that are not RESP
  server_error,     // the server answered a step of the handshake (SELECT) with an error
  no_script,        // EVALSHA found no script and SCRIPT LOAD did not help
  unavailable,      // the server stayed unreachable longer than commands may wait for it
};

const std::error_category& error_category() noexcept;
std::error_code make_error_code(errc e) noexcept;

// A failure with the sentence that explains it ("Redis at 127.0.0.1:6379 db 0: AUTH failed: ...").
class error : public std::system_error {
 public:
  error(errc code, const std::string& message) : std::system_error(make_error_code(code), message) {}
  errc value() const noexcept { return static_cast<errc>(code().value()); }
};

}  // namespace orbweaver::redis

template <>
struct std::is_error_code_enum<orbweaver::redis::errc> : std::true_type {};
