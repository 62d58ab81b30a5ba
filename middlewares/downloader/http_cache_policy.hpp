#pragma once
// The HTTP cache's policies, with Scrapy's behaviour (scrapy/extensions/httpcache.py): which
// requests and responses are cached, whether a cached response may be used without asking the
// server, and whether the server's answer to a revalidation keeps it. Pure logic over requests and
// responses, with the time given: no files, no sockets.
//   dummy:   every response is cached (except HTTPCACHE_IGNORE_HTTP_CODES) and always fresh.
//   rfc2616: Cache-Control (no-store, no-cache, max-age, max-stale, must-revalidate), Expires,
//            Date, Age, and a Last-Modified heuristic decide freshness; a stale entry goes out
//            with If-None-Match / If-Modified-Since, and a 304 (or a 5xx, unless must-revalidate)
//            keeps it.
#include <orbweaver/request.hpp>
#include <orbweaver/response.hpp>
#include <orbweaver/settings.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orbweaver::middlewares::http_cache {

// Seconds since 1970-01-01 UTC.
using epoch_seconds = double;

// Cache-Control directives by lowercased name; a directive without "=" has no value. Values are
// kept as written (quotes included), as Scrapy's parse_cachecontrol.
using cache_control = std::map<std::string, std::optional<std::string>, std::less<>>;
cache_control parse_cache_control(std::string_view header);

class cache_policy {
 public:
  virtual ~cache_policy() = default;
  virtual bool should_cache_request(const request& r) const = 0;
  virtual bool should_cache_response(const response& resp, const request& r) const = 0;
  // Whether `cached` may answer `r` at `now` without asking the server. When it may not, a policy
  // that revalidates adds the conditional headers to `r`.
  virtual bool is_cached_response_fresh(const response& cached, request& r, epoch_seconds now) const = 0;
  // Whether `cached` still stands after the server answered the revalidation with `fresh`.
  virtual bool is_cached_response_valid(const response& cached, const response& fresh, const request& r) const = 0;
};

class dummy_policy : public cache_policy {
 public:
  dummy_policy(std::vector<std::string> ignore_schemes, std::vector<int> ignore_http_codes);
  bool should_cache_request(const request& r) const override;
  bool should_cache_response(const response& resp, const request& r) const override;
  bool is_cached_response_fresh(const response&, request&, epoch_seconds) const override { return true; }
  bool is_cached_response_valid(const response&, const response&, const request&) const override { return true; }

 private:
  std::vector<std::string> ignore_schemes_;
  std::vector<int> ignore_http_codes_;
};

class rfc2616_policy : public cache_policy {
 public:
  // Responses without any expiration hint: 300, 301 and 308 live this long, as in Firefox.
  static constexpr double max_age = 365.0 * 24 * 3600;

  // ignore_response_cache_controls: directives of responses' Cache-Control to act as if absent.
  rfc2616_policy(std::vector<std::string> ignore_schemes, bool always_store,
                 std::vector<std::string> ignore_response_cache_controls);
  bool should_cache_request(const request& r) const override;
  bool should_cache_response(const response& resp, const request& r) const override;
  bool is_cached_response_fresh(const response& cached, request& r, epoch_seconds now) const override;
  bool is_cached_response_valid(const response& cached, const response& fresh, const request& r) const override;

  // How long `resp` stays fresh, and how old it is at `now`, in seconds.
  double freshness_lifetime(const response& resp, epoch_seconds now) const;
  static double current_age(const response& resp, epoch_seconds now);

 private:
  cache_control response_directives(const response& resp) const;

  std::vector<std::string> ignore_schemes_;
  bool always_store_;
  std::vector<std::string> ignore_response_cache_controls_;
};

// The policy HTTPCACHE_POLICY names, configured from the HTTPCACHE_* settings; settings_error for
// a name that is not one.
std::unique_ptr<cache_policy> make_policy(const settings& s);

}  // namespace orbweaver::middlewares::http_cache
