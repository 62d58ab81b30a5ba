#pragma once
// Follows HTTP redirects as Scrapy's RedirectMiddleware: 301/302/303/307/308 with a Location,
// POST becomes GET on 301/302/303 (the body and its headers dropped) while 307/308 keep method and
// body; at most REDIRECT_MAX_TIMES hops, the chain kept in meta["redirect_urls"]; a hop back to a
// URL of its own chain fails with errc::redirect_loop. The new request goes back to the scheduler,
// so offsite and duplicate filtering apply to it. meta dont_redirect, handle_httpstatus_list and
// handle_httpstatus_all leave the response to the spider. The meta refresh middleware follows its
// redirects through the same redirect_follower.
#include <orbweaver/middleware.hpp>
#include <orbweaver/stats.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace orbweaver::middlewares {

// The copy of `original` that goes to `target` (absolute). With use_get it becomes a GET without
// the body and the headers describing it. Credentials and cookies do not follow it to another
// origin, nor the Referer from HTTPS to plain HTTP.
request redirected_request(const request& original, std::string target, bool use_get);

// The request a redirect leads to, or nullopt when the response is not a followable redirect.
// Pure logic; the hop count and loop checks are applied by redirect_follower.
std::optional<request> redirect_request(const request& original, const response& resp);

// What every kind of redirect shares, as Scrapy's BaseRedirectMiddleware: the hop count against
// REDIRECT_MAX_TIMES, the chain in meta redirect_times and redirect_urls, loop detection, the
// REDIRECT_PRIORITY_ADJUST, the redirect/* stats and the "Redirecting (...)" log line.
class redirect_follower {
 public:
  void open(crawler& c);
  // `next` ready for the scheduler, or errc::redirect_loop / errc::too_many_redirects (counted and
  // logged). `reason` names the redirect in the log line: "301", "meta refresh".
  response_action follow(const request& from, request next, std::string_view reason);

 private:
  long long max_times_ = 20;
  int priority_adjust_ = 2;
  stats_collector* stats_ = nullptr;
};

class redirect_middleware : public downloader_middleware {
 public:
  bool open(crawler& c) override;
  awaitable<response_action> process_response(const request& r, response_ptr resp, spider&) override;

 private:
  redirect_follower follower_;
};

}  // namespace orbweaver::middlewares
