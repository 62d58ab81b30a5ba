#include "redis/config.hpp"

#include "redis/error.hpp"

#include <orbweaver/settings.hpp>

#include <boost/url/parse.hpp>
#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <optional>

namespace orbweaver::redis {
namespace {

[[noreturn]] void bad_url(const std::string& why) { throw error(errc::bad_url, "REDIS_URL: " + why); }

// A decimal number in [low, high], or nullopt.
std::optional<long> number_in(std::string_view text, long low, long high) {
  long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < low || value > high)
    return std::nullopt;
  return value;
}

int parse_db(std::string_view text) {
  const auto db = number_in(text, 0, 1'000'000);
  if (!db) bad_url(fmt::format("the database must be a number from 0 (got \"{}\")", text));
  return static_cast<int>(*db);
}

bool parse_flag(std::string_view name, std::string_view text) {
  if (text == "true" || text == "yes" || text == "1") return true;
  if (text == "false" || text == "no" || text == "0") return false;
  bad_url(fmt::format("{} must be true or false (got \"{}\")", name, text));
}

std::chrono::milliseconds seconds_setting(const settings& s, std::string_view name) {
  const double seconds = s.get_double(name);
  if (!(seconds > 0) || !std::isfinite(seconds))
    throw error(errc::bad_url, fmt::format("{} must be a positive number of seconds", name));
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

}  // namespace

std::string config::describe() const {
  std::string where;
  if (via == transport::unix_socket) {
    where = "unix:" + socket_path;
  } else if (host.find(':') != std::string::npos) {
    where = fmt::format("[{}]:{}", host, port);
  } else {
    where = fmt::format("{}:{}", host, port);
  }
  return fmt::format("{} db {}{}", where, db, tls ? " (TLS)" : "");
}

config parse_url(std::string_view url) {
  const auto parsed = boost::urls::parse_uri(url);
  if (!parsed) bad_url("not a URL (expected redis://[[user]:password@]host[:port][/db], rediss://... or unix:///path)");
  const auto& u = *parsed;
  config c;
  const std::string scheme = u.scheme();
  if (scheme == "unix") {
    c.via = config::transport::unix_socket;
    c.socket_path = u.path();
    if (u.has_authority() && !u.encoded_host().empty())
      bad_url("a unix URL has no host: write unix:///path/to/socket");
    if (c.socket_path.empty() || c.socket_path.front() != '/')
      bad_url("a unix URL needs the socket's absolute path: unix:///path/to/socket");
  } else if (scheme == "redis" || scheme == "rediss") {
    c.tls = scheme == "rediss";
    if (u.encoded_host().empty()) bad_url("no host (expected " + scheme + "://host[:port][/db])");
    c.host = u.host_type() == boost::urls::host_type::ipv6 ? u.host_ipv6_address().to_string()
                                                           : std::string(u.host_address());
    if (u.has_port()) {
      const auto port = number_in(u.port(), 1, 65535);
      if (!port) bad_url(fmt::format("the port must be a number from 1 to 65535 (got \"{}\")", u.port()));
      c.port = static_cast<std::uint16_t>(*port);
    }
    const std::string path = u.path();
    if (!path.empty() && path != "/") c.db = parse_db(std::string_view(path).substr(1));
    if (u.has_userinfo()) {
      if (!u.has_password())
        bad_url("a user without a password (write " + scheme + "://:PASSWORD@host for a password alone)");
      c.user = u.user();
      c.password = u.password();
    }
  } else {
    bad_url(fmt::format("unknown scheme \"{}\" (expected redis, rediss or unix)", scheme));
  }
  for (const auto& param : u.params()) {
    const std::string& key = param.key;
    if (key == "db") {
      c.db = parse_db(param.value);
    } else if (key == "password") {
      c.password = param.value;
    } else if (key == "user") {
      c.user = param.value;
    } else if (key == "verify" && c.tls) {
      c.tls_verify = parse_flag(key, param.value);
    } else if (key == "ca_file" && c.tls) {
      c.ca_file = param.value;
    } else {
      bad_url(fmt::format("unknown parameter \"{}\" (known: db, user, password{})", key,
                          c.tls ? ", verify, ca_file" : ""));
    }
  }
  if (!c.user.empty() && c.password.empty()) bad_url("a user without a password");
  return c;
}

config config_from_settings(const settings& s) {
  const std::string& url = s.get_string("REDIS_URL");
  if (url.empty()) throw error(errc::bad_url, "REDIS_URL is not set");
  config c = parse_url(url);
  c.connect_timeout = seconds_setting(s, "REDIS_CONNECT_TIMEOUT");
  c.command_timeout = seconds_setting(s, "REDIS_COMMAND_TIMEOUT");
  c.retry_timeout = seconds_setting(s, "REDIS_RETRY_TIMEOUT");
  return c;
}

}  // namespace orbweaver::redis
