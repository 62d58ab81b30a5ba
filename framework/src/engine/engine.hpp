#pragma once
// The engine coordinates: it feeds start requests to the scheduler, pulls requests while neither
// downloader nor scraper asks it to back off, passes downloads to the scraper and new requests
// back to the scheduler, and closes the crawl when nothing is pending or in flight.
#include "dashboard/monitor.hpp"
#include "download/downloader.hpp"
#include "engine/close_conditions.hpp"
#include "engine/job_journal.hpp"
#include "engine/scheduler.hpp"
#include "engine/scraper.hpp"
#include "engine/shared_frontier.hpp"

#include <orbweaver/crawler.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace orbweaver {

class crawler;

class engine {
 public:
  // Builds scheduler, downloader, scraper and every middleware and pipeline; throws on bad
  // configuration (settings_error) or a pipeline that cannot open.
  explicit engine(crawler& c);
  ~engine();

  // Run the crawl on this thread until it closes; returns the finish reason. `start`, when given,
  // replaces the spider's start_requests().
  std::string run(std::optional<std::vector<request>> start = std::nullopt);
  // Stop scheduling and finish once the requests in flight are done.
  void close(std::string reason);
  // See crawler::download.
  boost::asio::awaitable<download_result> download(request r);
  // See crawler::run_now.
  void run_now(boost::asio::awaitable<void> task);
  boost::asio::any_io_executor executor() { return context_.get_executor(); }
  bool closing() const { return closing_; }
  // See crawler::wait_unless_closing.
  boost::asio::awaitable<bool> wait_unless_closing(std::chrono::steady_clock::duration duration);
  // See crawler::raise_minimum_delay.
  void raise_minimum_delay(const std::string& host, std::chrono::duration<double> delay) {
    downloader_->raise_minimum_delay(host, delay);
    if (shared_) shared_->raise_slot_delay(host, delay);
  }

 private:
  boost::asio::awaitable<void> start(std::optional<std::vector<request>> given);
  boost::asio::awaitable<void> handle(leased_request leased);
  boost::asio::awaitable<void> finish();
  boost::asio::awaitable<void> log_stats_periodically();
  boost::asio::awaitable<void> show_progress_periodically();  // the status line, on a terminal
  // New requests: normalized, admitted by the duplicate filter, recorded in the JOBDIR, routed
  // (or, with SCHEDULER=redis, sent to Redis with the next commit).
  void schedule(std::vector<request> requests);
  // Normalizes the URL (an unusable one is counted and logged) and asks the duplicate filter.
  bool admit(request& r);
  // Into the frontier under its slot (after a DNS lookup with CONCURRENT_REQUESTS_PER_IP).
  void route(request r);
  // With a JOBDIR: a checkpoint every JOBDIR_CHECKPOINT_INTERVAL, at a moment when no item is
  // between pipelines. A failure closes the crawl (storage_error).
  boost::asio::awaitable<void> checkpoint_periodically();
  bool checkpoint();
  // With CONCURRENT_REQUESTS_PER_IP: the requests of a host whose address is not known yet wait
  // for one lookup, then enter the frontier under their address's slot.
  boost::asio::awaitable<void> schedule_after_lookup(std::string host);
  std::size_t pending() const { return scheduler_->pending() + awaiting_lookup_count_; }
  // Hands out every request whose slot can start now, then arms the wake-up for the next one.
  void pump();
  void pump_soon();  // one pump, posted: slot changes arrive from inside the downloader
  void wake_when_ready();
  void check_idle();
  void wait_for_signals();
  // With SCHEDULER=redis: the worker's side of the shared frontier, and its hooks into this engine.
  void open_shared_frontier(std::vector<std::pair<std::string, checkpointed_sink*>>& sinks);
  shared_frontier::engine_hooks shared_frontier_hooks();
  // The slot a request waits in on Redis: the host (or meta download_slot), known without a lookup.
  std::string shared_slot(const request& r) const;
  // What the dashboard shows of the engine: the stats, the slots, the frontier.
  dashboard::crawl_numbers dashboard_numbers() const;
  // Runs a step to its end before the crawl starts (the reactor is not running yet).
  void run_before_start(boost::asio::awaitable<void> step);

  crawler& crawler_;
  boost::asio::io_context context_{1};
  std::unique_ptr<job_journal> journal_;  // with a JOBDIR; before the scheduler, whose filter writes through it
  std::unique_ptr<shared_frontier> shared_;  // with SCHEDULER=redis
  std::unique_ptr<scheduler> scheduler_;
  std::unique_ptr<downloader> downloader_;
  std::unique_ptr<scraper> scraper_;
  std::unique_ptr<dashboard::monitor> dashboard_;  // with DASHBOARD_PORT or REPORT_FILE
  boost::asio::signal_set signals_;
  boost::asio::steady_timer drained_;    // woken when the last request in flight ends during close
  boost::asio::steady_timer stats_timer_;
  boost::asio::steady_timer close_timer_;  // CLOSESPIDER_TIMEOUT
  boost::asio::steady_timer ready_timer_;  // the earliest time a slot with pending requests may start
  boost::asio::steady_timer checkpoint_timer_;
  bool journal_failed_ = false;
  std::chrono::steady_clock::time_point ready_timer_at_ = std::chrono::steady_clock::time_point::max();
  bool pump_posted_ = false;
  std::unordered_map<std::string, std::vector<request>> awaiting_lookup_;  // by host
  std::size_t awaiting_lookup_count_ = 0;
  std::unordered_set<boost::asio::steady_timer*> waits_cut_by_close_;  // see wait_unless_closing
  close_conditions close_when_;
  std::size_t in_flight_ = 0;
  bool started_ = false;
  bool closing_ = false;
  bool abandoning_ = false;
  int signals_received_ = 0;
  std::string finish_reason_;
  std::chrono::steady_clock::time_point start_time_;
};

}  // namespace orbweaver
