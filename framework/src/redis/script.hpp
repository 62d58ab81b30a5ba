#pragma once
// A Lua script run by its SHA1 (EVALSHA), loaded again when the server has forgotten it: a
// restarted Redis, or SCRIPT FLUSH, answers NOSCRIPT, and the script is sent once with SCRIPT
// LOAD before EVALSHA is retried. Every atomic step of a protocol on Redis is one such script.
#include "redis/client.hpp"
#include "redis/protocol.hpp"

#include <boost/asio/awaitable.hpp>

#include <string>
#include <vector>

namespace orbweaver::redis {

class script {
 public:
  explicit script(std::string source);

  const std::string& source() const { return source_; }
  const std::string& sha1() const { return sha1_; }  // 40 lower-case hex digits, as Redis names it

  // EVALSHA sha1 numkeys keys... args...
  command evalsha(const std::vector<std::string>& keys, const std::vector<std::string>& args) const;

  // The script's reply; an error the script raised is an error reply. Throws redis::error as
  // client::exec, and errc::no_script when SCRIPT LOAD fails (a Lua syntax error) or the script
  // is gone again right after it was loaded.
  boost::asio::awaitable<reply> run(client& c, std::vector<std::string> keys, std::vector<std::string> args) const;

 private:
  std::string source_;
  std::string sha1_;
};

}  // namespace orbweaver::redis
