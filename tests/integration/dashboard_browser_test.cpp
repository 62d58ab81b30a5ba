// The dashboard as people see it: its page opened in headless Chromium (framework/src/browser)
// during a real crawl of a slow local site. The numbers the page shows equal /stats at the same
// moment and, at the end, the crawl's final stats; the charts are drawn; a screenshot is saved as
// a test artefact; the REPORT_FILE page shows the same final numbers offline; off loopback the
// page and its data need the token. Skipped when chromium is not installed.
//
// Equal "at the same moment" without racing the page's one-second updates: the site holds one
// listing page for seconds while nothing else is left to fetch, and a pipeline takes seconds to
// close at the end, so the numbers stand still; the test reads /stats once they do, then waits
// for the page to show an update sent after that read.
#include "browser/cdp_session.hpp"
#include "browser/process.hpp"
#include "dashboard/numbers.hpp"

#include "browser_session.hpp"
#include "crawl_runner.hpp"
#include "free_port.hpp"
#include "run_coroutine.hpp"
#include "test_server.hpp"

#include <orbweaver/orbweaver.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

namespace orbweaver {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;
using testing::sleep_for;
using testing::test_reply;
using testing::test_request;
using testing::test_server;

// 20 listing pages of 15 links each, the last of which answers 404: 300 item pages, 280 items.
constexpr int list_count = 20;
constexpr int links_per_list = 15;
constexpr int items_per_list = links_per_list - 1;
constexpr int held_list = 12;  // answered after `hold`: the crawl stands still meanwhile
constexpr auto page_delay = 30ms;
constexpr int viewport_width = 1200;
constexpr int viewport_height = 900;

void route_listing_site(test_server& server, std::chrono::milliseconds hold) {
  for (int l = 0; l < list_count; ++l) {
    server.route(fmt::format("/list/{}", l), [l, hold](const test_request&) {
      std::string body;
      for (int j = 0; j < links_per_list; ++j) body += fmt::format("<a href='/item/{}/{}'>item</a>", l, j);
      if (l + 1 < list_count) body += fmt::format("<a href='/list/{}'>next</a>", l + 1);
      return test_reply{.body = body, .delay = l == held_list ? hold : page_delay};
    });
    for (int j = 0; j < links_per_list; ++j)
      server.route(fmt::format("/item/{}/{}", l, j), [j](const test_request&) {
        return test_reply{.status = j + 1 == links_per_list ? 404 : 200, .body = "<p>item</p>", .delay = page_delay};
      });
  }
}

class item_spider : public spider {
 public:
  item_spider() { name = "dashboard_items"; }
  void parse(const response& r, output& out) override {
    out.follow_all(r.css("a::attr(href)"));
    if (r.url().find("/item/") != std::string::npos) out.emit(item{{"url", r.url()}});
  }
};

// Closes slowly, as a store flushing its last batch would: the final numbers stand on the
// dashboard for a few updates before it closes.
class slow_closing_pipeline : public item_pipeline {
 public:
  asio::awaitable<void> close(spider&) override { co_await sleep_for(4000ms); }
};
ORBWEAVER_PIPELINE(slow_closing_pipeline, "dashboard_browser_slow_close");

// The crawl runs on a thread of its own while the test drives the browser on its reactor.
class crawl_in_background {
 public:
  crawl_in_background(settings config, std::string start_url) {
    auto s = std::make_unique<item_spider>();
    s->start_urls = {std::move(start_url)};
    crawler_ = std::make_unique<crawler>(std::move(s), std::move(config));
    thread_ = std::thread([this] {
      reason_ = crawler_->run();
      done_ = true;
    });
  }
  ~crawl_in_background() { thread_.join(); }
  bool done() const { return done_; }
  const std::string& reason() const { return reason_; }
  stats_collector& stats() { return crawler_->stats(); }

 private:
  std::unique_ptr<crawler> crawler_;
  std::string reason_;
  std::atomic<bool> done_ = false;
  std::thread thread_;
};

struct crawl_files {
  std::filesystem::path log;
  std::filesystem::path report;
  explicit crawl_files(const std::string& name) {
    const auto base = std::filesystem::temp_directory_path() / fmt::format("orbweaver-dashboard-browser-{}-{}", ::getpid(), name);
    log = base.string() + ".log";
    report = base.string() + ".html";
    std::filesystem::remove(log);
    std::filesystem::remove(report);
  }
  ~crawl_files() {
    std::filesystem::remove(log);
    std::filesystem::remove(report);
  }
};

settings crawl_settings(const crawl_files& files, const std::string& host) {
  settings config;
  auto set = [&config](const char* name, const std::string& value) { config.set(name, value, setting_priority::command_line); };
  set("LOG_LEVEL", "INFO");
  set("LOG_FILE", files.log.string());
  set("LOGSTATS_INTERVAL", "0");
  set("STATS_DUMP", "false");
  set("CONCURRENT_REQUESTS_PER_DOMAIN", "4");
  set("DASHBOARD_PORT", std::to_string(testing::free_port()));
  set("DASHBOARD_HOST", host);
  return config;
}

asio::awaitable<void> wait_for_end(const crawl_in_background& crawl) {
  for (int i = 0; i < 1200 && !crawl.done(); ++i) co_await sleep_for(50ms);
}

// The dashboard's URL as the crawl logs it at start.
asio::awaitable<std::string> logged_dashboard_url(const std::filesystem::path& log) {
  static const std::regex line(R"(Dashboard at (http://\S+))");
  for (int attempt = 0; attempt < 500; ++attempt) {
    std::smatch m;
    const auto text = testing::read_file(log);
    if (std::regex_search(text, m, line)) co_return m[1];
    co_await sleep_for(20ms);
  }
  co_return std::string();
}

// An IPv4 address of this machine other than loopback; empty when it has none.
std::string non_loopback_address() {
  ifaddrs* interfaces = nullptr;
  if (::getifaddrs(&interfaces) != 0) return {};
  std::string found;
  for (auto* i = interfaces; i && found.empty(); i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK))
      continue;
    char text[INET_ADDRSTRLEN];
    if (::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, text, sizeof text)) found = text;
  }
  ::freeifaddrs(interfaces);
  return found;
}

// Before the page's own scripts: every Server-Sent Event it receives is kept as the last one, so
// that the test knows which update the page shows (the page's own handler runs after this one).
constexpr std::string_view record_events = R"(
(() => {
  const Native = window.EventSource;
  window.EventSource = function (url, init) {
    const source = new Native(url, init);
    source.addEventListener("message", e => { window.lastEvent = e.data; });
    return source;
  };
})();)";

// What the page shows, as text, in the shape of shown_form(); the last event it received; its
// charts' canvases and data.
constexpr std::string_view read_page = R"(
(() => {
  const text = id => document.getElementById(id).textContent;
  const table = id => Array.from(document.getElementById(id).rows).slice(1).map(r => Array.from(r.cells, c => c.textContent));
  return {
    numbers: { pages: text("pages"), items: text("items"), frontier: text("frontier"), in_flight: text("in_flight"),
               status_codes: table("status_codes"), errors_by_kind: table("errors_by_kind"), slots: table("slots") },
    state: text("state"),
    event: window.lastEvent === undefined ? null : JSON.parse(window.lastEvent),
    canvases: Array.from(document.querySelectorAll(".uplot canvas"), c => [c.width, c.height]),
    chart_data: typeof charts === "undefined" ? [] : charts.filter(c => c).map(c => c.data),
  };
})())";

// The numbers of /stats (or an event, or the report) as the page writes them.
json::object shown_form(const json::object& n) {
  auto text = [](const json::value& v) { return v.is_string() ? std::string(v.as_string()) : json::serialize(v); };
  auto table = [&text](const json::object& o) {
    json::array rows;
    for (const auto& [key, value] : o) rows.push_back(json::array{json::string(key), json::string(text(value))});
    return rows;
  };
  json::array slots;
  for (const auto& s : n.at("slots").as_array())
    slots.push_back(json::array{json::string(s.at("slot").as_string()), json::string(text(s.at("queued"))),
                                json::string(text(s.at("in_flight"))),
                                json::string(fmt::format("{:.2f}", s.at("delay_seconds").to_number<double>()))});
  return {{"pages", text(n.at("pages"))},
          {"items", text(n.at("items"))},
          {"frontier", text(n.at("frontier"))},
          {"in_flight", text(n.at("in_flight"))},
          {"status_codes", table(n.at("status_codes").as_object())},
          {"errors_by_kind", table(n.at("errors_by_kind").as_object())},
          {"slots", std::move(slots)}};
}

// What /stats would give for the crawl's final stats, nothing waiting or in flight: the numbers
// the page must end with. Slots are the downloader's, not in the stats: left out on both sides.
json::object final_shown_form(const stats_collector& stats) {
  dashboard::crawl_numbers final_numbers;
  final_numbers.stats = stats.all();
  auto form = shown_form(dashboard::stats_json(final_numbers, dashboard::rate_series(), 0));
  form.erase("slots");
  return form;
}

json::object without_slots(json::object numbers) {
  numbers.erase("slots");
  return numbers;
}

::testing::AssertionResult same_numbers(const json::value& shown, const json::value& expected) {
  if (shown == expected) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "the page shows " << json::serialize(shown) << "\n  where it should show "
                                       << json::serialize(expected);
}

double elapsed_of(const json::value& numbers) { return numbers.at("elapsed_seconds").to_number<double>(); }

// True when the PNG's header says it is width x height pixels.
::testing::AssertionResult png_of_size(const std::string& png, int width, int height) {
  constexpr std::string_view signature = "\x89PNG\r\n\x1a\n";
  if (png.size() < 24 || std::string_view(png).substr(0, 8) != signature || png.substr(12, 4) != "IHDR")
    return ::testing::AssertionFailure() << "not a PNG (" << png.size() << " bytes)";
  auto big_endian = [&png](std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) v = v << 8 | static_cast<unsigned char>(png[at + i]);
    return static_cast<int>(v);
  };
  if (big_endian(16) != width || big_endian(20) != height)
    return ::testing::AssertionFailure() << "a PNG of " << big_endian(16) << "x" << big_endian(20) << ", not " << width
                                         << "x" << height;
  return ::testing::AssertionSuccess();
}

// One tab of the browser, of the viewport's size, with the events it receives recorded.
class tab {
 public:
  static asio::awaitable<tab> open(std::shared_ptr<browser::cdp_session> browser) {
    json::object blank{{"url", "about:blank"}};
    const auto target = co_await browser->call("Target.createTarget", blank);
    json::object attach{{"targetId", target.at("targetId")}, {"flatten", true}};
    const auto attached = co_await browser->call("Target.attachToTarget", attach);
    tab t(browser, std::string(attached.at("sessionId").as_string()));
    const json::object no_params;
    co_await t.call("Page.enable", no_params);
    json::object viewport{{"width", viewport_width}, {"height", viewport_height}, {"deviceScaleFactor", 1}, {"mobile", false}};
    co_await t.call("Emulation.setDeviceMetricsOverride", viewport);
    json::object recorder{{"source", record_events}};
    co_await t.call("Page.addScriptToEvaluateOnNewDocument", recorder);
    co_return t;
  }

  asio::awaitable<json::value> call(std::string method, json::object params) {
    co_return co_await browser_->call(std::move(method), std::move(params), session_);
  }

  // The value of a JavaScript expression (a promise's, once settled); a script error fails.
  asio::awaitable<json::value> evaluate(std::string_view expression) {
    json::object params{{"expression", expression}, {"returnByValue", true}, {"awaitPromise", true}};
    const auto reply = co_await call("Runtime.evaluate", params);
    if (const auto* thrown = reply.as_object().if_contains("exceptionDetails"))
      throw std::runtime_error(fmt::format("{} threw: {}", expression, json::serialize(*thrown)));
    const auto* value = reply.at("result").as_object().if_contains("value");
    co_return value ? *value : json::value();
  }

  // Navigates and waits until the new document has loaded.
  asio::awaitable<void> go(std::string url) {
    json::object params{{"url", url}};
    const auto navigated = co_await call("Page.navigate", params);
    if (const auto* failed = navigated.as_object().if_contains("errorText"))
      throw std::runtime_error(fmt::format("{}: {}", url, json::serialize(*failed)));
    for (int i = 0; i < 200; ++i) {
      const auto loaded = co_await evaluate("document.readyState === 'complete' && location.href");
      if (loaded.is_string() && loaded.as_string() == url) co_return;
      co_await sleep_for(50ms);
    }
    throw std::runtime_error(url + " did not load within 10 s");
  }

  asio::awaitable<json::object> shown() { co_return (co_await evaluate(read_page)).as_object(); }

  // /stats now, as the page's own origin and token reach it.
  asio::awaitable<json::object> stats() {
    const auto text = co_await evaluate("fetch('/stats' + location.search).then(r => r.text())");
    co_return json::parse(text.as_string()).as_object();
  }

  // The HTTP status of `target` fetched from the page's origin.
  asio::awaitable<int> status_of(std::string target) {
    const auto expression = fmt::format("fetch('{}').then(r => r.status)", target);
    const auto status = co_await evaluate(expression);
    co_return status.to_number<int>();
  }

  // What the page shows once it has received an event sent after `moment` (an elapsed_seconds).
  asio::awaitable<json::object> shown_after(double moment) {
    for (int i = 0; i < 100; ++i) {
      auto now = co_await shown();
      if (!now.at("event").is_null() && elapsed_of(now.at("event")) > moment) co_return now;
      co_await sleep_for(50ms);
    }
    throw std::runtime_error(fmt::format("no event sent after {} s reached the page within 5 s", moment));
  }

  // A PNG of the viewport.
  asio::awaitable<std::string> screenshot() {
    json::object params{{"format", "png"}};
    const auto shot = co_await call("Page.captureScreenshot", params);
    const auto data = shot.at("data").as_string();
    std::string png(boost::beast::detail::base64::decoded_size(data.size()), '\0');
    png.resize(boost::beast::detail::base64::decode(png.data(), data.data(), data.size()).first);
    co_return png;
  }

 private:
  tab(std::shared_ptr<browser::cdp_session> browser, std::string session)
      : browser_(std::move(browser)), session_(std::move(session)) {}
  std::shared_ptr<browser::cdp_session> browser_;
  std::string session_;
};

// /stats once it says that nothing moves but the clock: `in_flight` requests, none waiting, and
// `items` scraped.
asio::awaitable<json::object> stats_standing_at(tab& page, std::int64_t items, std::int64_t in_flight) {
  for (int i = 0; i < 300; ++i) {
    auto now = co_await page.stats();
    if (now.at("items").to_number<std::int64_t>() == items && now.at("in_flight").to_number<std::int64_t>() == in_flight &&
        now.at("frontier").to_number<std::int64_t>() == 0)
      co_return now;
    co_await sleep_for(50ms);
  }
  throw std::runtime_error(fmt::format("the crawl never stood at {} items with {} in flight", items, in_flight));
}

// The page's charts: drawn, and drawing `numbers`' series (or, for /stats read earlier, a
// series the page's continues).
void expect_charts_of(const json::object& shown, const json::object& numbers) {
  if (!dashboard::has_charts()) {
    fmt::print("chart checks skipped: this build found no uPlot (scripts/install-deps installs it)\n");
    EXPECT_TRUE(shown.at("canvases").as_array().empty());
    return;
  }
  const auto& canvases = shown.at("canvases").as_array();
  EXPECT_EQ(canvases.size(), 2u) << json::serialize(canvases);
  for (const auto& c : canvases) {
    EXPECT_GT(c.at(0).to_number<int>(), 0);
    EXPECT_GT(c.at(1).to_number<int>(), 0);
  }
  const auto& data = shown.at("chart_data").as_array();
  ASSERT_EQ(data.size(), 2u);
  const auto& series = numbers.at("series").as_object();
  const std::pair<const char*, const json::value*> rates[] = {{"pages_per_second", &data.at(0)},
                                                               {"items_per_second", &data.at(1)}};
  for (const auto& [rate, drawn] : rates) {
    const auto& x = drawn->at(0).as_array();
    const auto& y = drawn->at(1).as_array();
    const auto& elapsed = series.at("elapsed").as_array();
    const auto& values = series.at(rate).as_array();
    ASSERT_GE(x.size(), elapsed.size()) << rate;
    ASSERT_EQ(x.size(), y.size()) << rate;
    for (std::size_t i = 0; i < elapsed.size(); ++i) {
      // JavaScript writes a whole double without a fraction: compared as numbers.
      EXPECT_EQ(x.at(i).to_number<double>(), elapsed.at(i).to_number<double>()) << rate << " point " << i;
      EXPECT_EQ(y.at(i).to_number<double>(), values.at(i).to_number<double>()) << rate << " point " << i;
    }
  }
}

std::filesystem::path save_artefact(const std::string& name, const std::string& bytes) {
  const std::filesystem::path folder = ORBWEAVER_TEST_ARTEFACTS;
  std::filesystem::create_directories(folder);
  const auto path = folder / name;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  return path;
}

class dashboard_browser_test : public ::testing::Test {
 protected:
  void SetUp() override {
    if (browser::find_chromium().empty()) GTEST_SKIP() << "chromium is not installed (scripts/install-deps installs it)";
  }

  asio::io_context io;
  test_server site;
};

TEST_F(dashboard_browser_test, page_shows_what_stats_says_during_the_crawl_and_the_final_stats_after) {
  route_listing_site(site, 8000ms);
  crawl_files files("live");
  auto config = crawl_settings(files, "127.0.0.1");
  config.set("REPORT_FILE", files.report.string(), setting_priority::command_line);
  config.set("ITEM_PIPELINES", "dashboard_browser_slow_close=100", setting_priority::command_line);
  std::optional<crawl_in_background> crawl;

  testing::run_with_browser(io, [&](browser::chromium& browser) -> asio::awaitable<void> {
    auto page = co_await tab::open(browser.session());
    crawl.emplace(std::move(config), site.url("/list/0"));
    const auto url = co_await logged_dashboard_url(files.log);
    EXPECT_TRUE(url.starts_with("http://127.0.0.1:")) << url;
    co_await page.go(url);

    // Under way: the page shows the event it received, and nothing less than /stats read before.
    const auto earlier = co_await page.stats();
    const auto moving = co_await page.shown_after(elapsed_of(earlier));
    EXPECT_TRUE(same_numbers(moving.at("numbers"), shown_form(moving.at("event").as_object())));
    EXPECT_EQ(moving.at("state").as_string(), "(running)");
    const auto& event = moving.at("event").as_object();
    for (const auto* counter : {"pages", "items"})
      EXPECT_GE(event.at(counter).to_number<std::int64_t>(), earlier.at(counter).to_number<std::int64_t>()) << counter;

    // Held on one listing page: the page shows exactly what /stats said.
    const auto held = co_await stats_standing_at(page, held_list * items_per_list, 1);
    const auto held_shown = co_await page.shown_after(elapsed_of(held));
    EXPECT_TRUE(same_numbers(held_shown.at("numbers"), shown_form(held)));
    EXPECT_EQ(held_shown.at("numbers").at("slots").as_array().size(), 1u);
    expect_charts_of(held_shown, held);

    // All fetched, the pipeline closing: the final numbers, and the screenshot.
    const auto last = co_await stats_standing_at(page, list_count * items_per_list, 0);
    const auto last_shown = co_await page.shown_after(elapsed_of(last));
    EXPECT_TRUE(same_numbers(last_shown.at("numbers"), shown_form(last)));
    expect_charts_of(last_shown, last);
    const auto png = co_await page.screenshot();
    EXPECT_TRUE(png_of_size(png, viewport_width, viewport_height));
    fmt::print("dashboard screenshot: {}\n", save_artefact("dashboard.png", png).string());

    co_await wait_for_end(*crawl);
    if (!crawl->done()) throw std::runtime_error("the crawl did not end within a minute");
    EXPECT_EQ(crawl->reason(), "finished");
    const auto expected = final_shown_form(crawl->stats());
    EXPECT_EQ(crawl->stats().get("item_scraped_count"), list_count * items_per_list);
    EXPECT_EQ(crawl->stats().get("downloader/response_status_count/404"), list_count);
    // The server's last event before it closed: the page shows the final numbers and how it ended.
    auto ended = co_await page.shown();
    for (int i = 0; i < 100 && ended.at("state").as_string() != "(finished: finished)"; ++i) {
      co_await sleep_for(50ms);
      ended = co_await page.shown();
    }
    EXPECT_EQ(ended.at("state").as_string(), "(finished: finished)");
    EXPECT_TRUE(same_numbers(without_slots(ended.at("numbers").as_object()), expected));

    // The static report, offline: the same final numbers, and its charts drawn from what it holds.
    auto report = co_await tab::open(browser.session());
    const json::object no_params;
    co_await report.call("Network.enable", no_params);
    json::object offline{{"offline", true}, {"latency", 0}, {"downloadThroughput", -1}, {"uploadThroughput", -1}};
    co_await report.call("Network.emulateNetworkConditions", offline);
    const auto report_url = "file://" + files.report.string();
    co_await report.go(report_url);
    const auto report_shown = co_await report.shown();
    EXPECT_TRUE(same_numbers(without_slots(report_shown.at("numbers").as_object()), expected));
    EXPECT_EQ(report_shown.at("state").as_string(), "(finished: finished)");
    const auto inlined = co_await report.evaluate("report");
    expect_charts_of(report_shown, inlined.as_object());
    const auto fetched = co_await report.evaluate(
        "performance.getEntriesByType('resource').map(e => e.name).concat(performance.getEntriesByType('navigation').map(e => e.name))");
    EXPECT_EQ(fetched.as_array(), (json::array{json::string(report_url)})) << "the report must need nothing but itself";
  });
}

TEST_F(dashboard_browser_test, off_loopback_the_page_and_its_data_need_the_token) {
  route_listing_site(site, 3000ms);
  // The machine's own address where it has one (a browser refuses to open 0.0.0.0).
  const auto address = non_loopback_address();
  if (address.empty()) fmt::print("no address but loopback here: the dashboard binds 0.0.0.0, reached on 127.0.0.1\n");
  crawl_files files("token");
  auto config = crawl_settings(files, address.empty() ? "0.0.0.0" : address);
  std::optional<crawl_in_background> crawl;

  testing::run_with_browser(io, [&](browser::chromium& browser) -> asio::awaitable<void> {
    auto page = co_await tab::open(browser.session());
    crawl.emplace(std::move(config), site.url("/list/0"));
    const auto logged = co_await logged_dashboard_url(files.log);
    std::smatch m;
    const std::regex logged_form(R"(http://([0-9.]+):(\d+)/\?token=([0-9a-f]{32}))");
    if (!std::regex_match(logged, m, logged_form)) throw std::runtime_error("no token in the logged URL: " + logged);
    EXPECT_EQ(m[1].str(), address.empty() ? "0.0.0.0" : address);
    const auto origin = fmt::format("http://{}:{}", address.empty() ? "127.0.0.1" : address, m[2].str());
    const std::string token = m[3];

    const auto without_token = origin + "/";
    co_await page.go(without_token);
    const auto refusal = co_await page.evaluate("document.body.innerText");
    EXPECT_NE(std::string(refusal.as_string()).find("This dashboard needs its token"), std::string::npos) << refusal;
    const std::pair<std::string, int> answers[] = {{"/", 403},
                                                    {"/stats", 403},
                                                    {"/events", 403},
                                                    {"/stats?token=" + std::string(32, '0'), 403},
                                                    {"/stats?token=" + token, 200}};
    for (const auto& [target, expected] : answers) {
      const auto status = co_await page.status_of(target);
      EXPECT_EQ(status, expected) << target;
    }

    const auto with_token = origin + "/?token=" + token;
    co_await page.go(with_token);
    const auto earlier = co_await page.stats();
    const auto shown = co_await page.shown_after(elapsed_of(earlier));
    EXPECT_TRUE(same_numbers(shown.at("numbers"), shown_form(shown.at("event").as_object())));
    EXPECT_EQ(shown.at("state").as_string(), "(running)");
    co_await wait_for_end(*crawl);
    if (!crawl->done()) throw std::runtime_error("the crawl did not end within a minute");
    EXPECT_EQ(crawl->reason(), "finished");
  });
}

}  // namespace
}  // namespace orbweaver
