#pragma once
// A crawler runs one spider with its settings to the end. Middlewares and pipelines receive it in
// open() to read settings and reach the stats.
#include <orbweaver/settings.hpp>
#include <orbweaver/spider.hpp>
#include <orbweaver/stats.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <string>

namespace orbweaver {

class engine;

class crawler {
 public:
  // Applies the spider's custom_settings at spider priority over `base`.
  crawler(std::unique_ptr<orbweaver::spider> s, orbweaver::settings base);
  ~crawler();

  // Runs the crawl on the calling thread (the reactor) until it closes. Returns the finish reason:
  // "finished", "shutdown" (a signal), "closespider_*", or the reason given to close().
  // SIGINT/SIGTERM stop scheduling, and a second one abandons the requests in flight.
  std::string run();

  // Ends the crawl with a reason; callable from the reactor thread (middlewares, pipelines).
  void close(std::string reason);

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
