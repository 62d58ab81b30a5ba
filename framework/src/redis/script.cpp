#include "redis/script.hpp"

#include "redis/error.hpp"

#include "core/digest.hpp"

#include <fmt/format.h>

namespace orbweaver::redis {

script::script(std::string source) : source_(std::move(source)), sha1_(sha1_hex(source_)) {}

command script::evalsha(const std::vector<std::string>& keys, const std::vector<std::string>& args) const {
  command c{"EVALSHA", sha1_, std::to_string(keys.size())};
  c.insert(c.end(), keys.begin(), keys.end());
  c.insert(c.end(), args.begin(), args.end());
  return c;
}

boost::asio::awaitable<reply> script::run(client& c, std::vector<std::string> keys,
                                          std::vector<std::string> args) const {
  const command call = evalsha(keys, args);
  reply answer = co_await c.exec(call);
  if (!answer.is_error("NOSCRIPT")) co_return answer;
  command load{"SCRIPT", "LOAD", source_};
  const reply loaded = co_await c.exec(std::move(load));
  if (loaded.is_error())
    throw error(errc::no_script, fmt::format("Redis at {}: SCRIPT LOAD failed: {}", c.settings().describe(), loaded.text));
  answer = co_await c.exec(call);
  if (answer.is_error("NOSCRIPT"))
    throw error(errc::no_script, fmt::format("Redis at {}: script {} is gone right after SCRIPT LOAD",
                                             c.settings().describe(), sha1_));
  co_return answer;
}

}  // namespace orbweaver::redis
