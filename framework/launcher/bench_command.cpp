// orbweaver bench: Scrapy's bench. A loopback server of generated pages, each linking to `show`
// random pages out of `total` (scrapy/utils/benchserver.py), crawled by a spider that follows
// every link, for CLOSESPIDER_TIMEOUT seconds (10), with LOGSTATS lines every second; then the
// pages per minute.
#include "command_line.hpp"
#include "commands.hpp"
#include "crawl_options.hpp"
#include "project.hpp"

#include <orbweaver/crawler.hpp>
#include <orbweaver/settings.hpp>
#include <orbweaver/spider.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <fmt/format.h>

#include <array>
#include <charconv>
#include <random>
#include <thread>

namespace orbweaver::launcher {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

constexpr std::string_view bench_help =
    "Usage\n"
    "=====\n"
    "  orbweaver bench [options]\n"
    "\n"
    "Run quick benchmark test: crawl generated pages from a loopback server for\n"
    "CLOSESPIDER_TIMEOUT seconds (default 10) and report the pages per minute\n"
    "\n"
    "Options\n"
    "=======\n"
    "  -h, --help            show this help message and exit\n"
    "  -s NAME=VALUE, --set NAME=VALUE\n"
    "                        set/override setting (may be repeated)\n"
    "  -L LEVEL, --loglevel LEVEL\n"
    "                        log level (default INFO)\n";

constexpr std::array bench_options{
    option_spec{'s', "set", true},
    option_spec{'L', "loglevel", true},
};
constexpr const option_spec* set_setting = &bench_options[0];
constexpr const option_spec* log_level = &bench_options[1];

// The value of `name` in the query of `target`, or `fallback`.
int query_number(std::string_view target, std::string_view name, int fallback) {
  auto query = target.substr(std::min(target.find('?'), target.size()));
  for (std::size_t at = 0; at < query.size();) {
    auto end = std::min(query.find('&', at + 1), query.size());
    auto pair = query.substr(at + 1, end - at - 1);
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name && pair[name.size()] == '=') {
      int value = 0;
      auto digits = pair.substr(name.size() + 1);
      auto [last, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
      if (ec == std::errc{} && last == digits.data() + digits.size() && value > 0) return value;
    }
    at = end;
  }
  return fallback;
}

// Scrapy's bench server on 127.0.0.1 (a free port), on its own thread: every path is a page of
// `show` links to /follow?total=T&show=S&n=N with N random in 1..total.
class bench_server {
 public:
  bench_server() : acceptor_(context_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    asio::co_spawn(context_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { context_.run(); });
  }
  // Stopping the loop abandons the connections where they stand; destroying it closes them.
  ~bench_server() {
    context_.stop();
    thread_.join();
  }
  bench_server(const bench_server&) = delete;
  bench_server& operator=(const bench_server&) = delete;

  std::string url(int total, int show) const {
    return fmt::format("http://127.0.0.1:{}/?total={}&show={}", acceptor_.local_endpoint().port(), total, show);
  }

 private:
  asio::awaitable<void> accept_loop() {
    while (true) {
      auto [ec, socket] = co_await acceptor_.async_accept(nothrow);
      if (ec == asio::error::operation_aborted) co_return;
      if (!ec) asio::co_spawn(context_, serve(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> serve(tcp::socket socket) {
    boost::beast::flat_buffer buffer;
    while (true) {
      http::request<http::empty_body> req;
      if (auto [ec, n] = co_await http::async_read(socket, buffer, req, nothrow); ec) co_return;
      http::response<http::string_body> res{http::status::ok, req.version()};
      res.set(http::field::content_type, "text/html");
      res.body() = page(req.target());
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      if (auto [ec, n] = co_await http::async_write(socket, res, nothrow); ec || !res.keep_alive()) co_return;
    }
  }

  std::string page(std::string_view target) {
    const int total = query_number(target, "total", 100), show = query_number(target, "show", 10);
    std::uniform_int_distribution<int> pick(1, total);
    std::string html = "<html><head></head><body>";
    for (int i = 0; i < show; ++i) {
      const int n = pick(random_);
      html += fmt::format("<a href='/follow?total={}&show={}&n={}'>follow {}</a><br>", total, show, n, n);
    }
    return html + "</body></html>";
  }

  asio::io_context context_{1};
  tcp::acceptor acceptor_;
  std::mt19937 random_{std::random_device{}()};
  std::thread thread_;
};

// Scrapy's _BenchSpider: follows every link.
class follow_spider : public spider {
 public:
  explicit follow_spider(std::string start) {
    name = "follow";
    start_urls = {std::move(start)};
  }
  void parse(const response& r, output& out) override { out.follow_all(r.css("a::attr(href)")); }
};

settings bench_settings(const parsed_args& parsed) {
  settings config;
  apply_project_settings(config);
  // Scrapy's bench defaults, below the project's settings and the command line.
  apply_setting(config, "LOG_LEVEL", "INFO", setting_priority::defaults);
  apply_setting(config, "LOGSTATS_INTERVAL", "1", setting_priority::defaults);
  apply_setting(config, "CLOSESPIDER_TIMEOUT", "10", setting_priority::defaults);
  for (const auto& [spec, value] : parsed.options) {
    if (spec == set_setting) apply_setting_option(config, value);
    if (spec == log_level) apply_setting(config, "LOG_LEVEL", value);
  }
  require_log_level(config);
  return config;
}

}  // namespace

int bench_command(std::span<const std::string> args) {
  auto parsed = parse_args(args, bench_options);
  if (parsed.help) {
    fmt::print("{}", bench_help);
    return 0;
  }
  if (!parsed.positionals.empty()) throw usage_error(fmt::format("unexpected argument: {}", parsed.positionals[0]));
  auto config = bench_settings(parsed);

  bench_server server;
  return run_with_spider("bench", "the crawl could not start: ", [&] {
    crawler c(std::make_unique<follow_spider>(server.url(100000, 20)), std::move(config));
    log_configuration(c.config());
    c.run();
    const auto pages = c.stats().get("downloader/response_count");
    const auto* elapsed = c.stats().all().if_contains("elapsed_time_seconds");
    const double seconds = elapsed ? elapsed->to_number<double>() : 0.0;
    fmt::print("Crawled {} pages in {:.1f} s: {:.0f} pages/min\n", pages, seconds,
               seconds > 0 ? static_cast<double>(pages) * 60.0 / seconds : 0.0);
    return 0;
  });
}

}  // namespace orbweaver::launcher
