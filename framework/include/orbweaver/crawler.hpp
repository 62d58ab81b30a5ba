#pragma once
// A crawler runs one spider with its settings to the end. Middlewares and pipelines receive it in
// open() to read settings and reach the stats.
#include <orbweaver/response.hpp>
#include <orbweaver/settings.hpp>
#include <orbweaver/spider.hpp>
#include <orbweaver/stats.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace orbweaver {

class engine;

// What crawler::download gives back: a response, or the error that ended the download.
struct download_result {
  response_ptr resp;
  std::error_code error;
  std::string detail;
};

// The finish reason of a crawl closed because its storage failed (disk full, a damaged file).
inline constexpr std::string_view storage_failure = "storage_error";

class crawler {
 public:
  // Applies the spider's custom_settings at spider priority over `base`.
  crawler(std::unique_ptr<orbweaver::spider> s, orbweaver::settings base);
  ~crawler();

  // Runs the crawl on the calling thread (the reactor) until it closes. Returns the finish reason:
  // "finished", "shutdown" (a signal), "closespider_*", storage_failure (the disk of the
  // frontier or of the duplicate filter failed; logged at ERROR), or the reason given to close().
  // SIGINT/SIGTERM stop scheduling, and a second one abandons the requests in flight.
  std::string run();
  // As run(), with `start` in place of the spider's start_requests(): `orbweaver check` crawls the
  // requests of its contracts this way, as Scrapy's check replaces a spider's start.
  std::string run(std::vector<request> start);

  // Ends the crawl with a reason; callable from the reactor thread (middlewares, pipelines).
  void close(std::string reason);

  // Download a request outside the scheduler (no duplicate filter, no callback) through the
  // downloader middlewares and slots, following up to 5 redirects: for middlewares that need a
  // resource before a request may go (robots.txt). Reactor thread only.
  boost::asio::awaitable<download_result> download(request r);
  // Downloads a request as download() does, without a crawl: the components open on first use,
  // start_requests() is never called, and the calling thread runs the reactor until the download
  // ends. For tools that look at pages one at a time (orbweaver fetch, parse, shell); a crawler
  // used so cannot run() too.
  download_result download_now(request r);
  // Runs `task` on the crawler's reactor as download_now runs its download: the components open
  // on first use, start_requests() is never called, and the calling thread runs the reactor until
  // the task ends (an exception it throws is rethrown here). What fetch_all() runs on.
  void run_now(boost::asio::awaitable<void> task);

  // True once the crawl has begun to close, whatever the reason (finished, a signal, a
  // CLOSESPIDER_* limit, close()). Reactor thread only.
  bool closing() const;
  // Waits on the reactor for `duration`, or less when the crawl begins to close: a close waits for
  // the requests in flight, so a middleware that waits on its own (a retry's backoff) must not hold
  // it up. True when the whole duration passed; false when the crawl is closing.
  boost::asio::awaitable<bool> wait_unless_closing(std::chrono::steady_clock::duration duration);

  // Keeps the starts of two requests to `host` at least `delay` apart, however DOWNLOAD_DELAY, its
  // randomisation or AutoThrottle would space them (robots.txt's Crawl-delay). It only raises: a
  // shorter delay than one given before changes nothing. Reactor thread only.
  void raise_minimum_delay(const std::string& host, std::chrono::duration<double> delay);

  const orbweaver::settings& config() const { return settings_; }
  stats_collector& stats() { return stats_; }
  orbweaver::spider& target() { return *spider_; }
  boost::asio::any_io_executor executor() const;

 private:
  orbweaver::settings settings_;
  stats_collector stats_;
  std::unique_ptr<orbweaver::spider> spider_;
  std::unique_ptr<engine> engine_;
};

}  // namespace orbweaver
