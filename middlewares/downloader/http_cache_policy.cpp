#include "downloader/http_cache_policy.hpp"

#include "core/http_date.hpp"
#include "core/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace orbweaver::middlewares::http_cache {
namespace {

std::string request_scheme(const request& r) {
  auto colon = r.url.find(':');
  return colon == std::string::npos ? std::string() : text::ascii_lowered(std::string_view(r.url).substr(0, colon));
}

bool scheme_ignored(const std::vector<std::string>& ignored, const request& r) {
  return std::find(ignored.begin(), ignored.end(), request_scheme(r)) != ignored.end();
}

// A whole number as Python's int() reads one (surrounding spaces, a sign); nullopt otherwise.
std::optional<long long> parse_integer(std::string_view text) {
  text = text::trim_ows(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  long long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// max-age as a number of seconds, at least 0; nullopt when absent or not a number.
std::optional<double> max_age_of(const cache_control& directives) {
  auto found = directives.find("max-age");
  if (found == directives.end() || !found->second) return std::nullopt;
  auto seconds = parse_integer(*found->second);
  if (!seconds) return std::nullopt;
  return static_cast<double>(std::max(0LL, *seconds));
}

std::optional<double> header_date(const response& resp, std::string_view name) {
  auto value = resp.headers().get(name);
  if (!value) return std::nullopt;
  auto epoch = http_date::parse(*value);
  // Scrapy takes a date at the epoch itself as no date (its parse result is falsy).
  if (!epoch || *epoch == 0) return std::nullopt;
  return static_cast<double>(*epoch);
}

}  // namespace

cache_control parse_cache_control(std::string_view header) {
  cache_control directives;
  while (!header.empty()) {
    auto comma = header.find(',');
    auto directive = text::trim_ows(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    auto equals = directive.find('=');
    auto name = text::ascii_lowered(directive.substr(0, equals));
    if (name.empty()) continue;
    std::optional<std::string> value;
    if (equals != std::string_view::npos) value = std::string(directive.substr(equals + 1));
    directives[name] = std::move(value);
  }
  return directives;
}

dummy_policy::dummy_policy(std::vector<std::string> ignore_schemes, std::vector<int> ignore_http_codes)
    : ignore_schemes_(std::move(ignore_schemes)), ignore_http_codes_(std::move(ignore_http_codes)) {}

bool dummy_policy::should_cache_request(const request& r) const { return !scheme_ignored(ignore_schemes_, r); }

bool dummy_policy::should_cache_response(const response& resp, const request&) const {
  return std::find(ignore_http_codes_.begin(), ignore_http_codes_.end(), resp.status()) == ignore_http_codes_.end();
}

rfc2616_policy::rfc2616_policy(std::vector<std::string> ignore_schemes, bool always_store,
                               std::vector<std::string> ignore_response_cache_controls)
    : ignore_schemes_(std::move(ignore_schemes)), always_store_(always_store) {
  for (const auto& directive : ignore_response_cache_controls)
    ignore_response_cache_controls_.push_back(text::ascii_lowered(directive));
}

cache_control rfc2616_policy::response_directives(const response& resp) const {
  auto directives = parse_cache_control(resp.headers().get("Cache-Control").value_or(""));
  for (const auto& ignored : ignore_response_cache_controls_) directives.erase(ignored);
  return directives;
}

bool rfc2616_policy::should_cache_request(const request& r) const {
  if (scheme_ignored(ignore_schemes_, r)) return false;
  // The client's own "Cache-Control: no-store" is obeyed.
  return !parse_cache_control(r.headers.get("Cache-Control").value_or("")).contains("no-store");
}

bool rfc2616_policy::should_cache_response(const response& resp, const request&) const {
  auto directives = response_directives(resp);
  if (directives.contains("no-store")) return false;
  if (resp.status() == 304) return false;  // a 304 has nothing to cache
  if (always_store_) return true;
  // Any hint of expiration will do.
  if (directives.contains("max-age") || resp.headers().contains("Expires")) return true;
  // Firefox gives these a year without any hint.
  if (resp.status() == 300 || resp.status() == 301 || resp.status() == 308) return true;
  // Other statuses need a validator to be worth keeping; 206 and the rest are never cached.
  if (resp.status() == 200 || resp.status() == 203 || resp.status() == 401)
    return resp.headers().contains("Last-Modified") || resp.headers().contains("ETag");
  return false;
}

bool rfc2616_policy::is_cached_response_fresh(const response& cached, request& r, epoch_seconds now) const {
  auto directives = response_directives(cached);
  auto request_directives = parse_cache_control(r.headers.get("Cache-Control").value_or(""));
  if (directives.contains("no-cache") || request_directives.contains("no-cache")) return false;

  double lifetime = freshness_lifetime(cached, now);
  double age = current_age(cached, now);
  if (auto request_max_age = max_age_of(request_directives)) lifetime = std::min(lifetime, *request_max_age);
  if (age < lifetime) return true;

  // A client willing to take a stale response (max-stale), unless the server said must-revalidate.
  if (auto stale = request_directives.find("max-stale");
      stale != request_directives.end() && !directives.contains("must-revalidate")) {
    if (!stale->second) return true;
    if (auto seconds = parse_integer(*stale->second); seconds && age < lifetime + static_cast<double>(std::max(0LL, *seconds)))
      return true;
  }

  // Stale: ask the server whether it changed.
  if (auto modified = cached.headers().get("Last-Modified")) r.headers.set("If-Modified-Since", *modified);
  if (auto etag = cached.headers().get("ETag")) r.headers.set("If-None-Match", *etag);
  return false;
}

bool rfc2616_policy::is_cached_response_valid(const response& cached, const response& fresh, const request&) const {
  // A server error keeps the cached response, unless it was to be revalidated without fail.
  if (fresh.status() >= 500 && !response_directives(cached).contains("must-revalidate")) return true;
  return fresh.status() == 304;
}

double rfc2616_policy::freshness_lifetime(const response& resp, epoch_seconds now) const {
  // As Firefox's nsHttpResponseHead::ComputeFreshnessLifetime.
  if (auto seconds = max_age_of(response_directives(resp))) return *seconds;
  double date = header_date(resp, "Date").value_or(now);
  if (resp.headers().contains("Expires")) {
    // An Expires that does not parse is a time in the past (RFC 2616 section 14.21).
    auto expires = header_date(resp, "Expires");
    return expires ? std::max(0.0, *expires - date) : 0.0;
  }
  // Not in the RFC: a tenth of the time since the last modification, as Firefox.
  if (auto modified = header_date(resp, "Last-Modified"); modified && *modified <= date) return (date - *modified) / 10;
  if (resp.status() == 300 || resp.status() == 301 || resp.status() == 308) return max_age;
  return 0;
}

double rfc2616_policy::current_age(const response& resp, epoch_seconds now) {
  // Without a Date, the server's clock is taken to be ours and the response new.
  double date = header_date(resp, "Date").value_or(now);
  double age = now > date ? now - date : 0.0;
  if (auto header = resp.headers().get("Age"))
    if (auto seconds = parse_integer(*header)) age = std::max(age, static_cast<double>(*seconds));
  return age;
}

std::unique_ptr<cache_policy> make_policy(const settings& s) {
  const auto& name = s.get_string("HTTPCACHE_POLICY");
  auto schemes = s.get_list("HTTPCACHE_IGNORE_SCHEMES");
  for (auto& scheme : schemes) scheme = text::ascii_lowered(scheme);
  if (name == "dummy" || name == "scrapy.extensions.httpcache.DummyPolicy") {
    std::vector<int> codes;
    for (const auto& code : s.get_list("HTTPCACHE_IGNORE_HTTP_CODES")) {
      auto value = parse_integer(code);
      if (!value || *value < 100 || *value > 999)
        throw settings_error(fmt::format("HTTPCACHE_IGNORE_HTTP_CODES: '{}' is not a status code", code));
      codes.push_back(static_cast<int>(*value));
    }
    return std::make_unique<dummy_policy>(std::move(schemes), std::move(codes));
  }
  if (name == "rfc2616" || name == "scrapy.extensions.httpcache.RFC2616Policy")
    return std::make_unique<rfc2616_policy>(std::move(schemes), s.get_bool("HTTPCACHE_ALWAYS_STORE"),
                                            s.get_list("HTTPCACHE_IGNORE_RESPONSE_CACHE_CONTROLS"));
  throw settings_error(fmt::format("HTTPCACHE_POLICY: '{}' is not a policy (dummy or rfc2616)", name));
}

}  // namespace orbweaver::middlewares::http_cache
