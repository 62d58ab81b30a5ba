#pragma once
// Downloader and spider middlewares. Hooks are coroutines on the reactor thread with pass-through
// defaults; they must not block. Ordering follows Scrapy: process_request and spider input run in
// ascending priority number, process_response / process_exception / spider output in descending.
// A hook that waits on its own (a backoff) waits through crawler::wait_unless_closing, so that a
// closing crawl is not held up by it.
#include <orbweaver/item.hpp>
#include <orbweaver/request.hpp>
#include <orbweaver/response.hpp>

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

namespace orbweaver {

class crawler;
class spider;
template <class T>
using awaitable = boost::asio::awaitable<T>;

// "Carry on with the next middleware / the download."
struct pass_t {};
inline constexpr pass_t pass{};

// process_request may pass, answer with a response (skipping the download), replace the request
// with a new one (it goes back to the scheduler), or fail it with an error.
using request_action = std::variant<pass_t, response_ptr, request, std::error_code>;
// process_response may hand on a response (the same or another), reschedule a request, or fail.
using response_action = std::variant<response_ptr, request, std::error_code>;
// process_exception may pass the error on, recover with a response, reschedule a request, or end
// the request with another error (the middlewares after it do not see it).
using exception_action = std::variant<pass_t, response_ptr, request, std::error_code>;

class downloader_middleware {
 public:
  virtual ~downloader_middleware() = default;
  // Read settings, keep references to stats. Return false to stay out of the chain
  // (Scrapy's NotConfigured).
  virtual bool open(crawler&) { return true; }
  virtual awaitable<request_action> process_request(request&, spider&) { co_return pass; }
  virtual awaitable<response_action> process_response(const request&, response_ptr r, spider&) {
    co_return r;
  }
  virtual awaitable<exception_action> process_exception(const request&, std::error_code, spider&) {
    co_return pass;
  }
};

class spider_middleware {
 public:
  virtual ~spider_middleware() = default;
  virtual bool open(crawler&) { return true; }
  // Before the callback: an error keeps the response from the callback and goes to the errback.
  virtual awaitable<std::error_code> process_spider_input(const response&, spider&) { co_return std::error_code{}; }
  // What a callback yielded (source is null for start requests): filter or change in place.
  virtual awaitable<void> process_spider_output(const response* /*source*/, std::vector<request>& /*requests*/,
                                                std::vector<item>& /*items*/, spider&) {
    co_return;
  }
};

using downloader_middleware_factory = std::function<std::unique_ptr<downloader_middleware>()>;
using spider_middleware_factory = std::function<std::unique_ptr<spider_middleware>()>;

// A middleware registered here is off until the DOWNLOADER_MIDDLEWARES / SPIDER_MIDDLEWARES
// setting gives it a priority (orbweaver.toml, a spider's custom_settings or -s), as in Scrapy:
//   DOWNLOADER_MIDDLEWARES = { my_proxy_rotation = 740 }
// so one project's components run only for the spiders that ask for them. The same setting moves or
// disables ("name=off") the built-ins, which are on at their default priorities.
void register_downloader_middleware(std::string name, downloader_middleware_factory f);
void register_spider_middleware(std::string name, spider_middleware_factory f);

namespace detail {
struct downloader_middleware_registration {
  downloader_middleware_registration(std::string name, downloader_middleware_factory f) {
    register_downloader_middleware(std::move(name), std::move(f));
  }
};
struct spider_middleware_registration {
  spider_middleware_registration(std::string name, spider_middleware_factory f) {
    register_spider_middleware(std::move(name), std::move(f));
  }
};
}  // namespace detail

}  // namespace orbweaver

// At namespace scope: ORBWEAVER_DOWNLOADER_MIDDLEWARE(my_middleware, "my_middleware");
#define ORBWEAVER_DOWNLOADER_MIDDLEWARE(cls, name)                                        \
  static const ::orbweaver::detail::downloader_middleware_registration ORBWEAVER_CONCAT(  \
      orbweaver_dmw_registration_, __LINE__) {                                            \
    name, [] { return std::unique_ptr<::orbweaver::downloader_middleware>(std::make_unique<cls>()); } \
  }
#define ORBWEAVER_SPIDER_MIDDLEWARE(cls, name)                                            \
  static const ::orbweaver::detail::spider_middleware_registration ORBWEAVER_CONCAT(      \
      orbweaver_smw_registration_, __LINE__) {                                            \
    name, [] { return std::unique_ptr<::orbweaver::spider_middleware>(std::make_unique<cls>()); } \
  }
