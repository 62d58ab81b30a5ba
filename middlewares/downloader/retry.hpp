#pragma once
// Retries failed downloads as Scrapy's RetryMiddleware: responses whose status is in
// RETRY_HTTP_CODES and transient transport errors (timeouts, refused or dropped connections, DNS
// failures, malformed HTTP) are rescheduled up to RETRY_TIMES times (meta "max_retry_times"
// overrides; meta "dont_retry" opts out). The retry skips the duplicate filter and gets
// RETRY_PRIORITY_ADJUST. Beyond Scrapy, a retry may wait first: exponential backoff with jitter
// from RETRY_BACKOFF_BASE (0, Scrapy's immediate retry, by default), and a 429/503's Retry-After,
// both capped by RETRY_BACKOFF_MAX. The wait is a timer on the reactor, never a blocking sleep,
// and a closing crawl cuts it short: the request then ends with errc::cancelled (counted in
// retry/cancelled), as does a retry decided while the crawl is closing, which would never be sent.
#include <orbweaver/middleware.hpp>
#include <orbweaver/stats.hpp>

#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace orbweaver::middlewares {

using seconds_d = std::chrono::duration<double>;

// Transport errors worth another attempt; TLS, size, decoding and policy failures are not.
bool is_retryable_error(std::error_code ec);

// "503 Service Unavailable", as Scrapy names a status in logs and stats keys.
std::string status_reason(int status);

// Retry-After as delay-seconds or an HTTP-date (relative to now; a past date is zero).
// nullopt when the value is neither.
std::optional<seconds_d> parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now);

// The copy of `original` that makes attempt `retry_number` + 1.
request retry_request(const request& original, long long retry_number, int priority_adjust);

class retry_middleware : public downloader_middleware {
 public:
  bool open(crawler& c) override;
  awaitable<response_action> process_response(const request& r, response_ptr resp, spider&) override;
  awaitable<exception_action> process_exception(const request& r, std::error_code ec, spider&) override;

 private:
  // What became of a failed attempt: the request to send again after its wait; errc::cancelled
  // when the crawl is closing; neither when retries are exhausted (counted and logged).
  struct retry_decision {
    std::optional<request> next;
    std::error_code error;
  };
  // failure_logged_later: a download error, whose final line the scraper writes.
  awaitable<retry_decision> retry(const request& r, const std::string& reason, seconds_d server_wait,
                                  bool failure_logged_later);
  retry_decision cancelled(const request& r, const std::string& reason);

  crawler* crawler_ = nullptr;
  long long max_times_ = 2;
  std::vector<int> http_codes_;
  int priority_adjust_ = -1;
  seconds_d backoff_base_{0};
  seconds_d backoff_max_{60};
  std::mt19937 rng_{std::random_device{}()};
  stats_collector* stats_ = nullptr;
};

}  // namespace orbweaver::middlewares
