#include "downloader/default_headers.hpp"
#include "engine/builtin_components.hpp"

#include <orbweaver/crawler.hpp>
#include <orbweaver/settings.hpp>

namespace orbweaver::middlewares {

bool default_headers_middleware::open(crawler& c) {
  headers_ = c.config().get_dict("DEFAULT_REQUEST_HEADERS");
  return !headers_.empty();
}

awaitable<request_action> default_headers_middleware::process_request(request& r, spider&) {
  for (const auto& [name, value] : headers_) r.headers.set_default(name, value);
  co_return pass;
}

std::vector<std::string> parse_user_agent_list(std::string_view json_text) {
  std::vector<std::string> agents;
  if (json_text.find_first_not_of(" \t\r\n") == std::string_view::npos) return agents;
  boost::system::error_code ec;
  auto parsed = json::parse(json_text, ec);
  if (ec || !parsed.is_array())
    throw settings_error("USER_AGENT_LIST must be a JSON array of strings, like [\"agent one\", \"agent two\"]");
  for (const auto& agent : parsed.get_array()) {
    if (!agent.is_string() || agent.get_string().empty())
      throw settings_error("USER_AGENT_LIST must hold only non-empty strings");
    agents.emplace_back(agent.get_string());
  }
  return agents;
}

bool user_agent_middleware::open(crawler& c) {
  agents_ = parse_user_agent_list(c.config().get_string("USER_AGENT_LIST"));
  if (agents_.empty() && !c.config().get_string("USER_AGENT").empty())
    agents_.push_back(c.config().get_string("USER_AGENT"));
  return !agents_.empty();
}

awaitable<request_action> user_agent_middleware::process_request(request& r, spider&) {
  if (r.headers.contains("User-Agent")) co_return pass;
  r.headers.set("User-Agent", agents_[next_]);
  next_ = (next_ + 1) % agents_.size();
  co_return pass;
}

ORBWEAVER_BUILTIN_DOWNLOADER_MIDDLEWARE(default_headers_middleware, "default_headers", 400);
ORBWEAVER_BUILTIN_DOWNLOADER_MIDDLEWARE(user_agent_middleware, "user_agent", 500);

}  // namespace orbweaver::middlewares
