#pragma once
// DEFAULT_REQUEST_HEADERS and USER_AGENT: headers a request gets unless it sets its own.
#include <orbweaver/middleware.hpp>

#include <string>
#include <utility>
#include <vector>

namespace orbweaver::middlewares {

class default_headers_middleware : public downloader_middleware {
 public:
  bool open(crawler& c) override;
  awaitable<request_action> process_request(request& r, spider&) override;

 private:
  std::vector<std::pair<std::string, std::string>> headers_;
};

class user_agent_middleware : public downloader_middleware {
 public:
  bool open(crawler& c) override;
  awaitable<request_action> process_request(request& r, spider&) override;

 private:
  std::string user_agent_;
};

}  // namespace orbweaver::middlewares
