#pragma once
// The downloader: runs a request through the downloader middlewares, waits for a free transfer in
// its host's (or IP's) slot, fetches it with the HTTP client, and runs the response or the error
// back through the middlewares. It counts as busy from the first middleware to the last, and the
// engine backs off while CONCURRENT_REQUESTS requests are inside.
#include "download/autothrottle.hpp"
#include "download/http_client.hpp"
#include "download/slot.hpp"
#include "engine/components.hpp"

#include <orbweaver/middleware.hpp>
#include <orbweaver/response.hpp>

#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <variant>

namespace orbweaver {

class crawler;

struct download_failure {
  std::error_code error;
  std::string detail;
};

// A response for the scraper, a request for the scheduler, or a failure for the errback.
using download_outcome = std::variant<response_ptr, request, download_failure>;

class downloader {
 public:
  downloader(boost::asio::any_io_executor executor, crawler& c, component_list<downloader_middleware> middlewares);
  ~downloader();

  // The request may be changed by middlewares on the way; the caller keeps it for errbacks.
  boost::asio::awaitable<download_outcome> fetch(request& r);

  std::size_t active() const { return active_; }
  bool needs_backout() const { return active_ >= total_concurrency_; }
  // Fail every request still waiting for a slot (never sent) with errc::cancelled.
  void cancel_queued();
  // Abort the transfers in progress and close pooled connections.
  void abort_transfers() { client_.close_all(); }
  std::uint64_t connections_opened() const { return client_.connections_opened(); }
  // See crawler::raise_minimum_delay.
  void raise_minimum_delay(const std::string& host, std::chrono::duration<double> delay);

 private:
  struct waiter;
  struct slot_state;

  boost::asio::awaitable<download_outcome> through_middlewares(request& r);
  boost::asio::awaitable<download_outcome> on_response(const request& r, response_ptr resp);
  boost::asio::awaitable<download_outcome> on_exception(const request& r, download_failure failure);
  boost::asio::awaitable<download_outcome> transfer(const request& r);
  boost::asio::awaitable<std::string> slot_key(const request& r, const std::string& host);
  // Wait for a transfer in the slot; false when cancelled.
  boost::asio::awaitable<bool> acquire(const std::string& key, slot_state& s);
  void release(const std::string& key);
  void process_queue(const std::string& key);
  void count_failure(const download_failure& f);

  boost::asio::any_io_executor executor_;
  crawler& crawler_;
  component_list<downloader_middleware> middlewares_;
  download::http_client client_;
  download::slot_policy domain_policy_;
  std::size_t per_ip_concurrency_;
  std::size_t total_concurrency_;
  download::fetch_limits default_limits_;
  std::uint64_t warnsize_;
  std::chrono::milliseconds dns_timeout_;
  std::optional<download::autothrottle_params> autothrottle_;  // set when AUTOTHROTTLE_ENABLED
  bool autothrottle_debug_ = false;
  std::unordered_map<std::string, std::unique_ptr<slot_state>> slots_;
  // By host, not slot key: a slot per IP takes the largest of its hosts' minimums.
  std::unordered_map<std::string, std::chrono::duration<double>> minimum_delays_;
  std::mt19937 rng_{std::random_device{}()};
  std::size_t active_ = 0;
};

}  // namespace orbweaver
