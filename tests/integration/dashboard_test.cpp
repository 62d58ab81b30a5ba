// The live dashboard during a real crawl of a slow local site: /stats agrees with the final
// stats, /events streams, a dashboard off loopback asks for its token, and REPORT_FILE is a page
// with the final numbers that opens offline.
#include "crawl_runner.hpp"
#include "free_port.hpp"
#include "test_server.hpp"

#include <orbweaver/orbweaver.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <regex>
#include <thread>

using namespace orbweaver;
using namespace orbweaver::testing;
using namespace std::chrono_literals;

namespace {

constexpr int page_count = 40;

class listing_spider : public spider {
 public:
  listing_spider() { name = "listing"; }
  void parse(const response& r, output& out) override {
    out.follow_all(r.css("a::attr(href)"));
    if (r.url().find("/p/") != std::string::npos) out.emit(item{{"url", r.url()}});
  }
};

// 40 pages of 150 ms, two at a time: a crawl of about three seconds.
void route_slow_site(test_server& server) {
  server.route("/", [](const test_request&) {
    std::string body;
    for (int i = 0; i < page_count; ++i) body += fmt::format("<a href='/p/{}'>p</a>", i);
    return test_reply{.body = body};
  });
  for (int i = 0; i < page_count; ++i)
    server.route("/p/" + std::to_string(i), [](const test_request&) { return test_reply{.body = "<p>page</p>", .delay = 150ms}; });
}

struct http_answer {
  int status = 0;
  std::string head;
  std::string body;
};

// A plain blocking HTTP/1.1 GET on loopback, read to the end or, with `events`, until that many
// Server-Sent Events have arrived. Reads give up after five seconds of silence.
http_answer get(unsigned short port, const std::string& target, const std::string& headers = "", int events = 0) {
  boost::asio::io_context context;
  boost::asio::ip::tcp::socket socket(context);
  boost::system::error_code ec;
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return {};
  timeval five_seconds{5, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &five_seconds, sizeof five_seconds);
  std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + headers + "\r\n";
  boost::asio::write(socket, boost::asio::buffer(request), ec);
  std::string text;
  char chunk[4096];
  auto events_seen = [&text] {
    int n = 0;
    for (auto at = text.find("\ndata: "); at != std::string::npos; at = text.find("\ndata: ", at + 1))
      if (text.find("\n\n", at + 1) != std::string::npos) ++n;
    return n;
  };
  while (true) {
    auto n = socket.read_some(boost::asio::buffer(chunk), ec);
    text.append(chunk, n);
    if (ec || (events > 0 && events_seen() >= events)) break;
  }
  http_answer answer;
  auto end_of_head = text.find("\r\n\r\n");
  if (end_of_head == std::string::npos) return answer;
  answer.head = text.substr(0, end_of_head);
  answer.body = text.substr(end_of_head + 4);
  std::sscanf(answer.head.c_str(), "HTTP/1.1 %d", &answer.status);
  return answer;
}

// The JSON of every whole Server-Sent Event in `body`.
std::vector<boost::json::object> events_in(const std::string& body) {
  std::vector<boost::json::object> sent;
  for (auto at = body.find("data: "); at != std::string::npos; at = body.find("data: ", at + 1)) {
    auto end = body.find("\n\n", at);
    if (end == std::string::npos) break;
    sent.push_back(boost::json::parse(body.substr(at + 6, end - at - 6)).as_object());
  }
  return sent;
}

// The crawl runs on its own thread; the test asks the dashboard meanwhile.
class background_crawl {
 public:
  explicit background_crawl(settings config, const test_server& server) {
    auto s = std::make_unique<listing_spider>();
    s->start_urls = {server.url("/")};
    crawler_ = std::make_unique<crawler>(std::move(s), std::move(config));
    thread_ = std::thread([this] { reason_ = crawler_->run(); });
  }
  ~background_crawl() {
    if (thread_.joinable()) thread_.join();
  }
  std::string finish() {
    thread_.join();
    return reason_;
  }
  stats_collector& stats() { return crawler_->stats(); }

 private:
  std::unique_ptr<crawler> crawler_;
  std::string reason_;
  std::thread thread_;
};

settings quiet_settings(const std::filesystem::path& log) {
  settings config;
  config.set("LOG_LEVEL", "INFO", setting_priority::command_line);
  config.set("LOG_FILE", log.string(), setting_priority::command_line);
  config.set("LOGSTATS_INTERVAL", "0", setting_priority::command_line);
  config.set("STATS_DUMP", "false", setting_priority::command_line);
  config.set("CONCURRENT_REQUESTS_PER_DOMAIN", "2", setting_priority::command_line);
  return config;
}

std::filesystem::path temporary(const std::string& name) {
  auto path = std::filesystem::temp_directory_path() / ("orbweaver-dashboard-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove(path);
  return path;
}

// The URL the log gives, once the crawl has logged it.
std::string logged_url(const std::filesystem::path& log) {
  static const std::regex line(R"(Dashboard at (http://\S+))");
  for (int attempt = 0; attempt < 200; ++attempt) {
    std::smatch m;
    auto text = read_file(log);
    if (std::regex_search(text, m, line)) return m[1];
    std::this_thread::sleep_for(20ms);
  }
  return {};
}

}  // namespace

TEST(Dashboard, StatsAndEventsDuringACrawlAndTheReportAfter) {
  test_server site;
  route_slow_site(site);
  const auto port = free_port();
  const auto log = temporary("crawl.log");
  const auto report = temporary("report.html");
  auto config = quiet_settings(log);
  config.set("DASHBOARD_PORT", std::to_string(port), setting_priority::command_line);
  config.set("REPORT_FILE", report.string(), setting_priority::command_line);
  background_crawl crawl(std::move(config), site);
  EXPECT_EQ(logged_url(log), fmt::format("http://127.0.0.1:{}/", port));

  auto stats = get(port, "/stats");
  ASSERT_EQ(stats.status, 200) << stats.head;
  EXPECT_NE(stats.head.find("application/json"), std::string::npos);
  auto during = boost::json::parse(stats.body).as_object();
  EXPECT_FALSE(during.at("finished").as_bool());
  EXPECT_GE(during.at("elapsed_seconds").as_double(), 0.0);
  EXPECT_GT(during.at("memory_rss_bytes").as_int64(), 0);
  EXPECT_TRUE(during.at("slots").is_array());

  auto events = get(port, "/events", "", 2);
  ASSERT_EQ(events.status, 200) << events.head;
  EXPECT_NE(events.head.find("text/event-stream"), std::string::npos);
  auto sent = events_in(events.body);
  ASSERT_GE(sent.size(), 2u) << events.body;
  EXPECT_LE(sent[0].at("pages").as_int64(), sent[1].at("pages").as_int64());

  auto page = get(port, "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("EventSource"), std::string::npos);
  EXPECT_EQ(get(port, "/nothing").status, 404);

  ASSERT_EQ(crawl.finish(), "finished");
  const auto pages = crawl.stats().get("downloader/response_count");
  const auto items = crawl.stats().get("item_scraped_count");
  EXPECT_EQ(items, page_count);
  // Numbers seen during the crawl never run ahead of the final ones.
  for (const auto* seen : {&during, &sent[0], &sent[1]}) {
    EXPECT_LE(seen->at("pages").as_int64(), pages);
    EXPECT_LE(seen->at("items").as_int64(), items);
    const auto* counted = seen->at("stats").as_object().if_contains("item_scraped_count");
    EXPECT_EQ(seen->at("items").as_int64(), counted ? counted->as_int64() : 0);
  }
  EXPECT_LT(during.at("items").as_int64(), items) << "the crawl was expected to be under way at the first /stats";
  EXPECT_EQ(get(port, "/stats").status, 0) << "the dashboard closes with the crawl";

  auto html = read_file(report);
  ASSERT_FALSE(html.empty()) << "no report at " << report;
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>"));
  EXPECT_NE(html.find("</html>"), std::string::npos);
  EXPECT_NE(html.find(fmt::format("\"items\":{},", items)), std::string::npos) << "the final item count is inlined";
  EXPECT_NE(html.find("\"finished\":true"), std::string::npos);
  EXPECT_EQ(html.find("<script src"), std::string::npos) << "the report must open offline";
  EXPECT_EQ(html.find("<link"), std::string::npos) << "the report must open offline";
  EXPECT_NE(read_file(log).find("Report written to " + report.string()), std::string::npos);
  std::filesystem::remove(report);
  std::filesystem::remove(log);
}

TEST(Dashboard, AnEventsClientGetsTheFinalNumbersAsItsLastEvent) {
  test_server site;
  route_slow_site(site);
  const auto port = free_port();
  const auto log = temporary("events.log");
  auto config = quiet_settings(log);
  config.set("DASHBOARD_PORT", std::to_string(port), setting_priority::command_line);
  background_crawl crawl(std::move(config), site);
  ASSERT_FALSE(logged_url(log).empty());
  // Read until the server closes the stream, which it does when the crawl ends.
  auto events = std::async(std::launch::async, [port] { return get(port, "/events"); });
  ASSERT_EQ(crawl.finish(), "finished");
  auto answer = events.get();
  ASSERT_EQ(answer.status, 200) << answer.head;
  auto sent = events_in(answer.body);
  ASSERT_GE(sent.size(), 2u) << answer.body;
  const auto& last = sent.back();
  EXPECT_TRUE(last.at("finished").as_bool()) << "the last event tells the page the crawl is over";
  EXPECT_EQ(last.at("items").as_int64(), crawl.stats().get("item_scraped_count"));
  EXPECT_EQ(last.at("pages").as_int64(), crawl.stats().get("downloader/response_count"));
  EXPECT_EQ(last.at("stats").as_object().at("finish_reason").as_string(), "finished");
  for (std::size_t i = 0; i + 1 < sent.size(); ++i) EXPECT_FALSE(sent[i].at("finished").as_bool()) << "event " << i;
  std::filesystem::remove(log);
}

TEST(Dashboard, OffLoopbackEveryRequestNeedsTheToken) {
  test_server site;
  route_slow_site(site);
  const auto port = free_port();
  const auto log = temporary("token.log");
  auto config = quiet_settings(log);
  config.set("DASHBOARD_PORT", std::to_string(port), setting_priority::command_line);
  config.set("DASHBOARD_HOST", "0.0.0.0", setting_priority::command_line);
  background_crawl crawl(std::move(config), site);
  auto url = logged_url(log);
  std::smatch m;
  ASSERT_TRUE(std::regex_match(url, m, std::regex(fmt::format(R"(http://0\.0\.0\.0:{}/\?token=([0-9a-f]{{32}}))", port))))
      << url;
  const std::string token = m[1];

  EXPECT_EQ(get(port, "/stats").status, 403);
  EXPECT_EQ(get(port, "/").status, 403);
  EXPECT_EQ(get(port, "/events").status, 403);
  EXPECT_EQ(get(port, "/stats?token=" + std::string(32, '0')).status, 403);
  EXPECT_EQ(get(port, "/stats?token=" + token).status, 200);
  EXPECT_EQ(get(port, "/stats", "Authorization: Bearer " + token + "\r\n").status, 200);
  auto page = get(port, "/?token=" + token);
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(crawl.finish(), "finished");
  std::filesystem::remove(log);
}

TEST(Dashboard, BadSettingsAreRefusedBeforeTheCrawl) {
  test_server site;
  route_slow_site(site);
  for (auto [name, value] : {std::pair{"DASHBOARD_PORT", "70000"}, std::pair{"DASHBOARD_HOST", "not-an-address"}}) {
    auto s = std::make_unique<listing_spider>();
    s->start_urls = {site.url("/")};
    settings config;
    config.set("DASHBOARD_PORT", "1", setting_priority::command_line);  // replaced below when named
    config.set(name, value, setting_priority::command_line);
    crawler c(std::move(s), std::move(config));
    EXPECT_THROW(c.run(), settings_error) << name << "=" << value;
  }
  // A port another program listens on.
  boost::asio::io_context context;
  boost::asio::ip::tcp::acceptor taken(context, {boost::asio::ip::make_address("127.0.0.1"), 0});
  auto s = std::make_unique<listing_spider>();
  s->start_urls = {site.url("/")};
  settings config;
  config.set("DASHBOARD_PORT", std::to_string(taken.local_endpoint().port()), setting_priority::command_line);
  crawler c(std::move(s), std::move(config));
  try {
    c.run();
    ADD_FAILURE() << "a taken port should be refused";
  } catch (const settings_error& e) {
    EXPECT_NE(std::string(e.what()).find("Cannot serve the dashboard"), std::string::npos) << e.what();
  }
}
