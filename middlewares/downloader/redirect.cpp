#include "downloader/redirect.hpp"
#include "engine/builtin_components.hpp"

#include <orbweaver/crawler.hpp>
#include <orbweaver/error.hpp>
#include <orbweaver/log.hpp>
#include <orbweaver/meta.hpp>
#include <orbweaver/url.hpp>

namespace orbweaver::middlewares {
namespace {

bool is_redirect_status(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::string scheme_and_host(const std::string& u) {
  return u.substr(0, u.find(':')) + "://" + url::host(u);
}

}  // namespace

request redirected_request(const request& original, std::string target, bool use_get) {
  request next = original;
  next.url = std::move(target);
  if (use_get) {
    next.method = "GET";
    next.body.clear();
    next.headers.remove("Content-Type");
    next.headers.remove("Content-Length");
  }
  // Credentials and cookies meant for one origin must not follow the request to another.
  if (scheme_and_host(original.url) != scheme_and_host(next.url)) {
    next.headers.remove("Authorization");
    next.headers.remove("Cookie");
  }
  // A secure page's address must not leak to a plain-HTTP hop (no-referrer-when-downgrade).
  if (original.url.starts_with("https:") && next.url.starts_with("http:")) next.headers.remove("Referer");
  return next;
}

std::optional<request> redirect_request(const request& original, const response& resp) {
  if (!is_redirect_status(resp.status())) return std::nullopt;
  auto location = resp.headers().get("Location");
  if (!location) return std::nullopt;
  auto target = url::join(original.url, *location);
  if (!target) return std::nullopt;
  bool becomes_get = (resp.status() == 303 && original.method != "HEAD") ||
                     ((resp.status() == 301 || resp.status() == 302) && original.method == "POST");
  return redirected_request(original, std::move(*target), becomes_get);
}

void redirect_follower::open(crawler& c) {
  stats_ = &c.stats();
  max_times_ = c.config().get_int("REDIRECT_MAX_TIMES");
  priority_adjust_ = static_cast<int>(c.config().get_int("REDIRECT_PRIORITY_ADJUST"));
}

response_action redirect_follower::follow(const request& from, request next, std::string_view reason) {
  json::array chain;
  if (auto* urls = from.meta.if_contains("redirect_urls"); urls && urls->is_array()) chain = urls->get_array();
  chain.emplace_back(from.url);
  for (const auto& seen : chain) {
    if (seen.is_string() && seen.get_string() == next.url) {
      stats_->inc("redirect/loop_count");
      log::warning("redirect", "Redirect loop: <{} {}> leads back to {}", from.method, from.url, next.url);
      return make_error_code(errc::redirect_loop);
    }
  }
  auto times = static_cast<long long>(chain.size());
  if (times > max_times_) {
    stats_->inc("redirect/max_reached");
    log::warning("redirect", "Discarding <{} {}>: max redirections ({}) reached", from.method, from.url, max_times_);
    return make_error_code(errc::too_many_redirects);
  }
  next.meta["redirect_times"] = times;
  next.meta["redirect_urls"] = std::move(chain);
  next.priority = from.priority + priority_adjust_;
  stats_->inc("redirect/count");
  log::debug("redirect", "Redirecting ({}) to <{} {}> from <{} {}>", reason, next.method, next.url, from.method,
             from.url);
  return next;
}

bool redirect_middleware::open(crawler& c) {
  follower_.open(c);
  return c.config().get_bool("REDIRECT_ENABLED");
}

awaitable<response_action> redirect_middleware::process_response(const request& r, response_ptr resp, spider&) {
  if (meta_flag(r.meta, "dont_redirect") || meta_handles_status(r.meta, resp->status())) co_return resp;
  auto next = redirect_request(r, *resp);
  if (!next) co_return resp;
  std::string status = std::to_string(resp->status());
  co_return follower_.follow(r, std::move(*next), status);
}

ORBWEAVER_BUILTIN_DOWNLOADER_MIDDLEWARE(redirect_middleware, "redirect", 600);

}  // namespace orbweaver::middlewares
