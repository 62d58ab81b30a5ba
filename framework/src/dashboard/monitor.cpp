#include "dashboard/monitor.hpp"

#include "core/terminal_log.hpp"

#include <orbweaver/log.hpp>
#include <orbweaver/settings.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>
#include <boost/system/system_error.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace orbweaver::dashboard {

namespace asio = boost::asio;

namespace {

server::options server_options(const settings& s) {
  server::options opts;
  const auto port = s.get_int("DASHBOARD_PORT");
  if (port < 0 || port > 65535)
    throw settings_error(fmt::format("DASHBOARD_PORT must be a TCP port from 1 to 65535 (0 = off), not {}", port));
  opts.port = static_cast<unsigned short>(port);
  opts.host = s.get_string("DASHBOARD_HOST");
  boost::system::error_code bad;
  const auto address = asio::ip::make_address(opts.host, bad);
  if (bad) throw settings_error(fmt::format("DASHBOARD_HOST must be an IP address such as 127.0.0.1, not '{}'", opts.host));
  // Anyone who can reach a dashboard off loopback could read the crawl: it asks for a token.
  if (!address.is_loopback()) opts.token = new_token();
  return opts;
}

std::string url_host(const std::string& host) {
  return asio::ip::make_address(host).is_v6() ? "[" + host + "]" : host;
}

}  // namespace

bool monitor::wanted(const settings& s) { return s.get_int("DASHBOARD_PORT") != 0 || !s.get_string("REPORT_FILE").empty(); }

monitor::monitor(asio::any_io_executor executor, const settings& s, std::function<crawl_numbers()> numbers)
    : numbers_(std::move(numbers)), report_file_(s.get_string("REPORT_FILE")), sample_timer_(executor) {
  if (s.get_int("DASHBOARD_PORT") == 0) return;
  auto opts = server_options(s);
  const auto host = opts.host;
  const auto token = opts.token;
  try {
    server_ = std::make_unique<server>(
        executor, std::move(opts), [this] { return boost::json::serialize(current(finished_)); },
        [] { return live_page(); });
  } catch (const boost::system::system_error& e) {
    throw settings_error(fmt::format("Cannot serve the dashboard on {}:{} (DASHBOARD_HOST, DASHBOARD_PORT): {}", host,
                                     s.get_int("DASHBOARD_PORT"), e.code().message()));
  }
  url_ = fmt::format("http://{}:{}/{}", url_host(host), server_->port(), token.empty() ? "" : "?token=" + token);
}

void monitor::start() {
  started_ = std::chrono::steady_clock::now();
  errors_before_ = log::error_lines_logged();
  if (server_) {
    server_->start();
    log::info("dashboard", "Dashboard at {} (JSON at /stats, live at /events)", url_);
  }
  asio::co_spawn(sample_timer_.get_executor(), sample_every_second(), asio::detached);
}

asio::awaitable<void> monitor::sample_every_second() {
  while (!finished_) {
    sample_timer_.expires_after(std::chrono::seconds(1));
    boost::system::error_code ec;
    co_await sample_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec || finished_) co_return;
    sample();
  }
}

void monitor::sample() {
  const auto n = numbers_();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  auto count = [&n](const char* key) {
    const auto* v = n.stats.if_contains(key);
    return v && v->is_int64() ? v->get_int64() : std::int64_t{0};
  };
  series_.sample(elapsed, count("downloader/response_count"), count("item_scraped_count"));
}

boost::json::object monitor::current(bool finished) {
  auto n = numbers_();
  n.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  n.finished = finished;
  auto lines = log::recent_error_lines();
  const auto ours = log::error_lines_logged() - errors_before_;
  if (lines.size() > ours) lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(ours));
  n.last_errors = std::move(lines);
  return stats_json(n, series_, resident_bytes());
}

asio::awaitable<void> monitor::finish() {
  if (finished_) co_return;
  sample();
  finished_ = true;
  sample_timer_.cancel();
  if (!report_file_.empty()) write_report();
  if (server_) co_await server_->stop();
}

void monitor::write_report() {
  std::ofstream out(report_file_, std::ios::binary | std::ios::trunc);
  out << report_page(current(true));
  out.close();
  if (!out) {
    log::error("dashboard", "Cannot write the report to REPORT_FILE '{}': {}", report_file_, std::strerror(errno));
    return;
  }
  log::info("dashboard", "Report written to {}", report_file_);
}

}  // namespace orbweaver::dashboard
