#pragma once
// DEFAULT_REQUEST_HEADERS and USER_AGENT: headers a request gets unless it sets its own.
// USER_AGENT_LIST, when set, replaces USER_AGENT with agents taken in turn (round-robin).
#include <orbweaver/middleware.hpp>

#include <string>
#include <string_view>
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

// USER_AGENT_LIST's value: a JSON array of strings (agents contain commas, so not a plain list).
// Throws settings_error when it is anything else; empty text is an empty list.
std::vector<std::string> parse_user_agent_list(std::string_view json_text);

class user_agent_middleware : public downloader_middleware {
 public:
  bool open(crawler& c) override;
  awaitable<request_action> process_request(request& r, spider&) override;

 private:
  std::vector<std::string> agents_;
  std::size_t next_ = 0;
};

}  // namespace orbweaver::middlewares
