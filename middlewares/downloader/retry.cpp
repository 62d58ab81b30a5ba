#include "downloader/retry.hpp"
#include "engine/builtin_components.hpp"
#include "core/backoff.hpp"
#include "core/http_date.hpp"
#include "core/text.hpp"

#include <orbweaver/crawler.hpp>
#include <orbweaver/error.hpp>
#include <orbweaver/log.hpp>
#include <orbweaver/meta.hpp>

#include <boost/beast/http/status.hpp>

#include <algorithm>
#include <charconv>
#include <ctime>

namespace orbweaver::middlewares {

bool is_retryable_error(std::error_code ec) {
  if (ec.category() != error_category()) return false;
  switch (static_cast<errc>(ec.value())) {
    case errc::download_timeout:
    case errc::connection_closed:
    case errc::connect_failed:
    case errc::dns_failed:
    case errc::protocol_error:
      return true;
    default:
      return false;
  }
}

std::string status_reason(int status) {
  auto phrase = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  // Beast knows the IANA registry only; Scrapy says "Unknown Status" for the rest (522, 524).
  if (phrase.starts_with("<")) phrase = "Unknown Status";
  return fmt::format("{} {}", status, std::string_view(phrase.data(), phrase.size()));
}

std::optional<seconds_d> parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now) {
  value = text::trim_ows(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    long long seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    // An absurdly long number saturates: the caller caps the wait anyway.
    if (ec == std::errc::result_out_of_range) return seconds_d(1e18);
    return seconds_d(static_cast<double>(seconds));
  }
  auto at = http_date::parse(value);
  if (!at) return std::nullopt;
  auto wait = std::chrono::system_clock::from_time_t(static_cast<std::time_t>(*at)) - now;
  if (wait <= wait.zero()) return seconds_d(0);
  return std::chrono::duration_cast<seconds_d>(wait);
}

request retry_request(const request& original, long long retry_number, int priority_adjust) {
  request next = original;
  next.meta["retry_times"] = retry_number;
  next.dont_filter = true;  // the first attempt's fingerprint is already in the duplicate filter
  next.priority = original.priority + priority_adjust;
  return next;
}

bool retry_middleware::open(crawler& c) {
  const auto& s = c.config();
  crawler_ = &c;
  stats_ = &c.stats();
  max_times_ = s.get_int("RETRY_TIMES");
  for (const auto& code : s.get_list("RETRY_HTTP_CODES")) {
    int value = 0;
    auto [end, ec] = std::from_chars(code.data(), code.data() + code.size(), value);
    if (ec != std::errc{} || end != code.data() + code.size())
      throw settings_error(fmt::format("RETRY_HTTP_CODES: '{}' is not a status code", code));
    http_codes_.push_back(value);
  }
  priority_adjust_ = static_cast<int>(s.get_int("RETRY_PRIORITY_ADJUST"));
  backoff_base_ = seconds_d(std::max(0.0, s.get_double("RETRY_BACKOFF_BASE")));
  // A day bounds the wait so that converting it to the timer's nanoseconds cannot overflow.
  backoff_max_ = seconds_d(std::clamp(s.get_double("RETRY_BACKOFF_MAX"), 0.0, 86400.0));
  return s.get_bool("RETRY_ENABLED");
}

awaitable<retry_middleware::retry_decision> retry_middleware::retry(const request& r, const std::string& reason,
                                                                     seconds_d server_wait, bool failure_logged_later) {
  long long attempts = meta_int(r.meta, "retry_times").value_or(0) + 1;
  long long max_times = meta_int(r.meta, "max_retry_times").value_or(max_times_);
  if (attempts > max_times) {
    stats_->inc("retry/max_reached");
    // A failed download gets its one line from the scraper ("Error downloading ..., gave up after
    // 3 attempts"); a response given up on goes on as a response, so the line is here.
    const auto level = failure_logged_later ? log::level::debug : log::level::error;
    if (log::current_level() <= level)
      log::write(level, "retry", fmt::format("Gave up retrying <{} {}> (failed {} times): {}", r.method, r.url,
                                             attempts, reason));
    co_return retry_decision{};
  }
  // A retry decided while the crawl closes would never be sent.
  if (crawler_->closing()) co_return cancelled(r, reason);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  seconds_d wait = std::min(std::max(backoff_delay(attempts, backoff_base_, backoff_max_, unit(rng_)), server_wait),
                            backoff_max_);
  log::debug("retry", "Retrying <{} {}> (failed {} times): {}{}", r.method, r.url, attempts, reason,
             wait.count() > 0 ? fmt::format(" in {:.2f} s", wait.count()) : std::string());
  if (wait.count() > 0) {
    auto timer_wait = std::chrono::duration_cast<std::chrono::steady_clock::duration>(wait);
    if (!co_await crawler_->wait_unless_closing(timer_wait)) co_return cancelled(r, reason);
  }
  stats_->inc("retry/count");
  stats_->inc("retry/reason_count/" + reason);
  co_return retry_decision{.next = retry_request(r, attempts, priority_adjust_), .error = {}};
}

retry_middleware::retry_decision retry_middleware::cancelled(const request& r, const std::string& reason) {
  stats_->inc("retry/cancelled");
  log::debug("retry", "Not retrying <{} {}> ({}): the crawl is closing", r.method, r.url, reason);
  return retry_decision{.next = std::nullopt, .error = make_error_code(errc::cancelled)};
}

awaitable<response_action> retry_middleware::process_response(const request& r, response_ptr resp, spider&) {
  if (meta_flag(r.meta, "dont_retry")) co_return resp;
  if (std::find(http_codes_.begin(), http_codes_.end(), resp->status()) == http_codes_.end()) co_return resp;
  seconds_d server_wait{0};
  if (resp->status() == 429 || resp->status() == 503)
    if (auto header = resp->headers().get("Retry-After"))
      server_wait = parse_retry_after(*header, std::chrono::system_clock::now()).value_or(seconds_d(0));
  std::string reason = status_reason(resp->status());
  auto decision = co_await retry(r, reason, server_wait, false);
  if (decision.next) co_return std::move(*decision.next);
  if (decision.error) co_return decision.error;
  co_return resp;
}

awaitable<exception_action> retry_middleware::process_exception(const request& r, std::error_code ec, spider&) {
  if (meta_flag(r.meta, "dont_retry") || !is_retryable_error(ec)) co_return pass;
  std::string reason = error_name(ec);
  auto decision = co_await retry(r, reason, seconds_d(0), true);
  if (decision.next) co_return std::move(*decision.next);
  if (decision.error) co_return decision.error;
  co_return pass;
}

ORBWEAVER_BUILTIN_DOWNLOADER_MIDDLEWARE(retry_middleware, "retry", 550);

}  // namespace orbweaver::middlewares
