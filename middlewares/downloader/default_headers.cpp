#include "downloader/default_headers.hpp"

#include <orbweaver/crawler.hpp>

namespace orbweaver::middlewares {

bool default_headers_middleware::open(crawler& c) {
  headers_ = c.config().get_dict("DEFAULT_REQUEST_HEADERS");
  return !headers_.empty();
}

awaitable<request_action> default_headers_middleware::process_request(request& r, spider&) {
  for (const auto& [name, value] : headers_) r.headers.set_default(name, value);
  co_return pass;
}

bool user_agent_middleware::open(crawler& c) {
  user_agent_ = c.config().get_string("USER_AGENT");
  return !user_agent_.empty();
}

awaitable<request_action> user_agent_middleware::process_request(request& r, spider&) {
  r.headers.set_default("User-Agent", user_agent_);
  co_return pass;
}

ORBWEAVER_DOWNLOADER_MIDDLEWARE(default_headers_middleware, "default_headers", 400);
ORBWEAVER_DOWNLOADER_MIDDLEWARE(user_agent_middleware, "user_agent", 500);

}  // namespace orbweaver::middlewares
