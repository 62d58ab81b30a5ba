// Retry middleware decisions without a crawl: what is retryable, how long to wait, the retry copy.
#include "core/backoff.hpp"
#include "downloader/retry.hpp"

#include <orbweaver/error.hpp>

#include <gtest/gtest.h>

using namespace orbweaver;
using namespace orbweaver::middlewares;
using namespace std::chrono_literals;

TEST(Retry, TransientTransportErrorsAreRetryable) {
  for (auto e : {errc::download_timeout, errc::connection_closed, errc::connect_failed, errc::dns_failed,
                 errc::protocol_error})
    EXPECT_TRUE(is_retryable_error(make_error_code(e))) << error_name(make_error_code(e));
}

TEST(Retry, PermanentAndPolicyErrorsAreNot) {
  for (auto e : {errc::tls_failed, errc::body_too_large, errc::cancelled, errc::decode_failed, errc::offsite,
                 errc::bad_url, errc::robots_blocked, errc::redirect_loop})
    EXPECT_FALSE(is_retryable_error(make_error_code(e))) << error_name(make_error_code(e));
  EXPECT_FALSE(is_retryable_error(std::make_error_code(std::errc::timed_out))) << "only our own category";
}

TEST(Retry, StatusReasonAsScrapyWritesIt) {
  EXPECT_EQ(status_reason(503), "503 Service Unavailable");
  EXPECT_EQ(status_reason(429), "429 Too Many Requests");
  EXPECT_EQ(status_reason(500), "500 Internal Server Error");
  EXPECT_EQ(status_reason(522), "522 Unknown Status");
}

TEST(Retry, RetryAfterInSeconds) {
  auto now = std::chrono::system_clock::now();
  EXPECT_EQ(parse_retry_after("120", now), seconds_d(120));
  EXPECT_EQ(parse_retry_after(" 0 ", now), seconds_d(0));
  EXPECT_GT(parse_retry_after("99999999999999999999999", now)->count(), 1e9) << "saturates, not wraps";
  EXPECT_FALSE(parse_retry_after("", now));
  EXPECT_FALSE(parse_retry_after("-5", now));
  EXPECT_FALSE(parse_retry_after("1.5", now));
  EXPECT_FALSE(parse_retry_after("soon", now));
}

TEST(Retry, RetryAfterAsHttpDate) {
  // Sun, 06 Nov 1994 08:49:37 GMT is 784111777 seconds after the epoch.
  auto now = std::chrono::system_clock::from_time_t(784111777 - 30);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), seconds_d(30));
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now + 60s), seconds_d(0)) << "a past date: no wait";
  EXPECT_FALSE(parse_retry_after("Sun, 06 Nov 1994 08:49:37", now));
  EXPECT_FALSE(parse_retry_after("Sunday, 06-Nov-94", now));
  // RFC 9110: a recipient accepts the two obsolete forms as well.
  EXPECT_EQ(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now), seconds_d(30));
  EXPECT_EQ(parse_retry_after("Sun Nov  6 08:49:37 1994", now), seconds_d(30));
}

TEST(Retry, BackoffDoublesUpToTheCapWithJitterInTheUpperHalf) {
  const seconds_d base(0.5), cap(3);
  EXPECT_EQ(backoff_delay(1, base, cap, 1.0), seconds_d(0.5));
  EXPECT_EQ(backoff_delay(2, base, cap, 1.0), seconds_d(1.0));
  EXPECT_EQ(backoff_delay(3, base, cap, 1.0), seconds_d(2.0));
  EXPECT_EQ(backoff_delay(4, base, cap, 1.0), seconds_d(3.0)) << "capped";
  EXPECT_EQ(backoff_delay(1000, base, cap, 1.0), seconds_d(3.0)) << "no overflow";
  EXPECT_EQ(backoff_delay(3, base, cap, 0.0), seconds_d(1.0)) << "jitter keeps at least half";
  EXPECT_EQ(backoff_delay(3, base, cap, 0.5), seconds_d(1.5));
  EXPECT_EQ(backoff_delay(3, seconds_d(0), cap, 1.0), seconds_d(0)) << "no base, no wait";
}

TEST(Retry, BackoffWithASeededGeneratorIsReproducibleAndBounded) {
  std::mt19937 a(42), b(42);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (long long n = 1; n <= 6; ++n) {
    auto first = backoff_delay(n, seconds_d(0.25), seconds_d(4), unit(a));
    auto second = backoff_delay(n, seconds_d(0.25), seconds_d(4), unit(b));
    EXPECT_EQ(first, second);
    double full = std::min(0.25 * (1 << (n - 1)), 4.0);
    EXPECT_GE(first.count(), full / 2);
    EXPECT_LE(first.count(), full);
  }
}

TEST(Retry, RetryRequestCountsSkipsTheFilterAndAdjustsPriority) {
  request original("http://example.com/a");
  original.priority = 5;
  original.meta["depth"] = 2;
  auto next = retry_request(original, 1, -1);
  EXPECT_EQ(next.url, original.url);
  EXPECT_TRUE(next.dont_filter);
  EXPECT_EQ(next.priority, 4);
  EXPECT_EQ(next.meta.at("retry_times").as_int64(), 1);
  EXPECT_EQ(next.meta.at("depth").as_int64(), 2) << "other meta kept";
  EXPECT_FALSE(original.dont_filter) << "the original is untouched";
}
