#pragma once
// Follows HTTP redirects as Scrapy's RedirectMiddleware: 301/302/303/307/308 with a Location,
// POST becomes GET on 301/302/303 (the body and its headers dropped) while 307/308 keep method and
// body; at most REDIRECT_MAX_TIMES hops, the chain kept in meta["redirect_urls"]; a hop back to a
// URL of its own chain fails with errc::redirect_loop. The new request goes back to the scheduler,
// so offsite and duplicate filtering apply to it. meta dont_redirect, handle_httpstatus_list and
// handle_httpstatus_all leave the response to the spider.
#include <orbweaver/middleware.hpp>
#include <orbweaver/stats.hpp>

#include <optional>

namespace orbweaver::middlewares {

// The request a redirect leads to, or nullopt when the response is not a followable redirect.
// Pure logic; the hop count and loop checks are applied by the middleware.
std::optional<request> redirect_request(const request& original, const response& resp);

class redirect_middleware : public downloader_middleware {
 public:
  bool open(crawler& c) override;
  awaitable<response_action> process_response(const request& r, response_ptr resp, spider&) override;

 private:
  long long max_times_ = 20;
  int priority_adjust_ = 2;
  stats_collector* stats_ = nullptr;
};

}  // namespace orbweaver::middlewares
