#pragma once
// The downloader: runs a request through the downloader middlewares, starts its transfer in its
// slot (host, IP or meta "download_slot"; the frontier reserved it, so it rarely waits), fetches it
// with the HTTP client, and runs the response or the error back through the middlewares. It owns
// the slots the frontier asks before handing a request out. It counts as busy from the first
// middleware to the last, and the engine backs off while CONCURRENT_REQUESTS requests are inside.
#include "download/autothrottle.hpp"
#include "download/http_client.hpp"
#include "download/render_pool.hpp"
#include "download/slot.hpp"
#include "engine/components.hpp"

#include <orbweaver/middleware.hpp>
#include <orbweaver/response.hpp>

#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <variant>

namespace orbweaver {

class crawler;
class settings;

struct download_failure {
  std::error_code error;
  std::string detail;
};

// A response for the scraper, a request for the scheduler, or a failure for the errback.
using download_outcome = std::variant<response_ptr, request, download_failure>;

// Every slot's policy unless DOWNLOAD_SLOTS names the slot: CONCURRENT_REQUESTS_PER_DOMAIN (or
// _PER_IP), DOWNLOAD_DELAY (at least AUTOTHROTTLE_START_DELAY with AutoThrottle) and
// RANDOMIZE_DOWNLOAD_DELAY.
download::slot_policy default_slot_policy(const settings& s);

class downloader {
 public:
  // `delays_granted_by_scheduler`: the scheduler hands a request out only when its slot's delay
  // allows (SCHEDULER=redis grants it across every worker), so the slots here keep only their
  // concurrency (and AutoThrottle's delays).
  downloader(boost::asio::any_io_executor executor, crawler& c, component_list<downloader_middleware> middlewares,
             bool delays_granted_by_scheduler = false);
  ~downloader();

  // The request may be changed by middlewares on the way; the caller keeps it for errbacks.
  // `reserved_slot`: the slot in which the frontier reserved a transfer for it (the reservation
  // ends when the transfer starts or the request ends without one); none for requests that
  // bypass the scheduler (robots.txt, crawler::download), which wait for a free transfer.
  boost::asio::awaitable<download_outcome> fetch(request& r, const std::string* reserved_slot = nullptr);

  std::size_t active() const { return active_; }
  bool needs_backout() const { return active_ >= total_concurrency_; }
  // Fail every request still waiting for a slot (never sent) with errc::cancelled.
  void cancel_queued();
  // Abort the transfers and renders in progress and close pooled connections.
  void abort_transfers() {
    client_.close_all();
    renders_.abort();
  }
  // Stops the browser, if a rendered request started one.
  boost::asio::awaitable<void> close_browser() { return renders_.close(); }
  std::uint64_t connections_opened() const { return client_.connections_opened(); }
  // See crawler::raise_minimum_delay.
  void raise_minimum_delay(const std::string& host, std::chrono::duration<double> delay);

  // The request's slot: meta "download_slot", else its host, else with CONCURRENT_REQUESTS_PER_IP
  // the address its host resolved to. slot_key_now is empty only when that address is not known
  // yet; slot_key looks it up then.
  std::optional<std::string> slot_key_now(const request& r) const;
  boost::asio::awaitable<std::string> slot_key(const request& r);
  // What the frontier asks before it hands a request out.
  download::slot_gate& slots() { return slots_; }
  const download::slot_table& slot_states() const { return slots_; }
  // Called when a slot may take a request earlier than before (a transfer ended or started, a
  // reservation was given back), for the frontier's order and the engine's wake-up.
  void on_slot_ready_earlier(std::function<void(const std::string&)> listener) {
    on_slot_ready_earlier_ = std::move(listener);
  }

 private:
  struct waiter;
  struct waiting_room;
  struct reservation;

  boost::asio::awaitable<download_outcome> through_middlewares(request& r, reservation& held);
  boost::asio::awaitable<download_outcome> on_response(const request& r, response_ptr resp);
  boost::asio::awaitable<download_outcome> on_exception(const request& r, download_failure failure);
  boost::asio::awaitable<download_outcome> transfer(const request& r, reservation& held);
  // The transfer of a request with meta "render", in the slot `key` already acquired.
  boost::asio::awaitable<download_outcome> render_transfer(const request& r, const std::string& key);
  // Wait for a transfer in the slot; false when cancelled.
  boost::asio::awaitable<bool> acquire(const std::string& key, bool reserved);
  void release(const std::string& key);
  void end_unused_reservation(const std::string& key);
  void process_queue(const std::string& key);
  // Tells the listener when a change to the slot moved its readiness earlier than `before`.
  void report_if_earlier(const std::string& key, download::clock::time_point before);
  void count_failure(const download_failure& f);

  boost::asio::any_io_executor executor_;
  crawler& crawler_;
  component_list<downloader_middleware> middlewares_;
  download::http_client client_;
  std::size_t per_ip_concurrency_;
  std::size_t total_concurrency_;
  download::fetch_limits default_limits_;
  std::uint64_t warnsize_;
  std::chrono::milliseconds dns_timeout_;
  std::optional<download::autothrottle_params> autothrottle_;  // set when AUTOTHROTTLE_ENABLED
  bool autothrottle_debug_ = false;
  download::slot_table slots_;
  download::render_pool renders_;
  std::unordered_map<std::string, std::unique_ptr<waiting_room>> waiting_;  // by slot key
  std::function<void(const std::string&)> on_slot_ready_earlier_;
  // With CONCURRENT_REQUESTS_PER_IP: the address each host resolved to, for slot_key_now.
  std::unordered_map<std::string, std::string> addresses_;
  // By host, not slot key: a slot per IP takes the largest of its hosts' minimums.
  std::unordered_map<std::string, std::chrono::duration<double>> minimum_delays_;
  std::mt19937 rng_{std::random_device{}()};
  std::size_t active_ = 0;
};

}  // namespace orbweaver
