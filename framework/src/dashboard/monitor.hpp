#pragma once
// The dashboard of one crawl, as the engine sees it: with DASHBOARD_PORT, the server (its URL,
// with the token when not on loopback, logged at start); with DASHBOARD_PORT or REPORT_FILE, the
// rates sampled every second; at the end, the report file and the server closed.
#include "dashboard/numbers.hpp"
#include "dashboard/server.hpp"

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace orbweaver {

class settings;

namespace dashboard {

class monitor {
 public:
  // Nothing to do without DASHBOARD_PORT and REPORT_FILE.
  static bool wanted(const settings& s);
  // Validates the settings and binds the port; throws settings_error (a bad port or host, a
  // port that cannot be listened on).
  monitor(boost::asio::any_io_executor executor, const settings& s, std::function<crawl_numbers()> numbers);

  // Logs the URL and starts serving and sampling.
  void start();
  // The final numbers: sampled once more, written to REPORT_FILE, sent to the open pages, and the
  // server closed.
  boost::asio::awaitable<void> finish();

 private:
  boost::asio::awaitable<void> sample_every_second();
  void sample();
  boost::json::object current(bool finished);
  void write_report();

  std::function<crawl_numbers()> numbers_;
  std::string report_file_;
  std::unique_ptr<server> server_;
  std::string url_;
  rate_series series_;
  boost::asio::steady_timer sample_timer_;
  std::chrono::steady_clock::time_point started_;
  std::uint64_t errors_before_ = 0;  // error lines of earlier crawls in this process are not this one's
  bool finished_ = false;
};

}  // namespace dashboard
}  // namespace orbweaver
