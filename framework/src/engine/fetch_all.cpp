#include <orbweaver/fetch_all.hpp>

#include <orbweaver/error.hpp>
#include <orbweaver/spider.hpp>
#include <orbweaver/url.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <algorithm>

namespace orbweaver {
namespace {

namespace asio = boost::asio;

// The crawler of the synchronous fetch_all has no spider of the user's: this one names the HTTP
// cache's folder and the log lines, and never parses.
class fetch_all_spider : public spider {
 public:
  fetch_all_spider() { name = "fetch_all"; }
  void parse(const response&, output&) override {}
};

asio::awaitable<fetch_result> fetch_one(crawler& c, const std::string& given) {
  fetch_result result{.url = given, .resp = nullptr, .error = {}, .message = {}};
  std::error_code why;
  auto normalized = url::normalize(given, &why);
  if (!normalized) {
    result.error = why;
    result.message = fmt::format("cannot request '{}': {}", given, why.message());
    co_return result;
  }
  auto download = c.download(request(std::move(*normalized)));
  download_result got = co_await std::move(download);
  result.resp = std::move(got.resp);
  result.error = got.error;
  if (got.error) result.message = got.detail.empty() ? got.error.message() : std::move(got.detail);
  co_return result;
}

// What the workers of one fetch_all share; it lives in fetch_all's frame until the last one ends.
struct batch {
  const std::vector<std::string>& urls;
  std::vector<fetch_result> results;
  std::size_t next = 0;
  std::size_t workers_running = 0;
  std::exception_ptr failed;
  asio::steady_timer all_done;
};

// Takes the next URL until none is left: CONCURRENT_REQUESTS workers keep that many downloads
// going, as the engine does for a crawl (the slots hold each host to its own limit).
asio::awaitable<void> work_through(crawler& c, batch& b) {
  while (b.next < b.urls.size()) {
    const std::size_t i = b.next++;
    b.results[i] = co_await fetch_one(c, b.urls[i]);
  }
}

}  // namespace

asio::awaitable<std::vector<fetch_result>> fetch_all(crawler& c, std::vector<std::string> urls) {
  auto executor = co_await asio::this_coro::executor;
  batch b{urls, std::vector<fetch_result>(urls.size()), 0, 0, nullptr,
          asio::steady_timer(executor, asio::steady_timer::time_point::max())};
  const auto concurrency = static_cast<std::size_t>(std::max<long long>(1, c.config().get_int("CONCURRENT_REQUESTS")));
  b.workers_running = std::min(concurrency, urls.size());
  for (std::size_t i = 0; i < b.workers_running; ++i) {
    auto worker = work_through(c, b);
    asio::co_spawn(executor, std::move(worker), [&b](std::exception_ptr e) {
      if (e && !b.failed) b.failed = e;
      if (--b.workers_running == 0) b.all_done.cancel();
    });
  }
  if (b.workers_running > 0) {
    boost::system::error_code woken;
    co_await b.all_done.async_wait(asio::redirect_error(asio::use_awaitable, woken));
  }
  if (b.failed) std::rethrow_exception(b.failed);
  co_return std::move(b.results);
}

namespace {
asio::awaitable<void> fetch_all_into(crawler& c, const std::vector<std::string>& urls, std::vector<fetch_result>& out) {
  auto fetch = fetch_all(c, urls);
  out = co_await std::move(fetch);
}
}  // namespace

std::vector<fetch_result> fetch_all(const std::vector<std::string>& urls, settings s) {
  crawler c(std::make_unique<fetch_all_spider>(), std::move(s));
  std::vector<fetch_result> results;
  c.run_now(fetch_all_into(c, urls, results));
  return results;
}

}  // namespace orbweaver
