// SIGINT during a crawl: scheduling stops, requests in flight finish, pipelines close, and every
// item counted as scraped is in the feed, which stays valid JSON.
#include "crawl_runner.hpp"
#include "test_server.hpp"

#include <orbweaver/orbweaver.hpp>

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>

using namespace orbweaver;
using namespace orbweaver::testing;
using namespace std::chrono_literals;

namespace {

class listing_spider : public spider {
 public:
  listing_spider() { name = "listing"; }
  void parse(const response& r, output& out) override {
    out.follow_all(r.css("a::attr(href)"));
    out.emit(item{{"url", r.url()}});
  }
};

}  // namespace

TEST(Shutdown, SigintFinishesInFlightWorkAndKeepsEveryItem) {
  test_server server;
  std::atomic<int> served{0};
  server.route("/", [](const test_request&) {
    std::string body;
    for (int i = 0; i < 200; ++i) body += fmt::format("<a href='/p/{}'>p</a>", i);
    return test_reply{.body = body};
  });
  for (int i = 0; i < 200; ++i)
    server.route("/p/" + std::to_string(i), [&served](const test_request&) {
      if (++served == 10) ::kill(::getpid(), SIGINT);
      return test_reply{.body = "<p>page</p>", .delay = 20ms};
    });

  auto feed = std::filesystem::temp_directory_path() / ("orbweaver-shutdown-" + std::to_string(::getpid()) + ".json");
  std::filesystem::remove(feed);
  auto s = std::make_unique<listing_spider>();
  s->start_urls = {server.url("/")};
  settings config;
  config.set("LOG_LEVEL", "WARNING", setting_priority::command_line);
  config.set("FEEDS", feed.string(), setting_priority::command_line);
  crawler c(std::move(s), std::move(config));
  EXPECT_EQ(c.run(), "shutdown");

  auto scraped = c.stats().get("item_scraped_count");
  EXPECT_GT(scraped, 1);
  EXPECT_LT(scraped, 150) << "the crawl should have stopped early";
  auto items = json::parse(read_file(feed));
  ASSERT_TRUE(items.is_array());
  EXPECT_EQ(static_cast<std::int64_t>(items.as_array().size()), scraped);
  std::filesystem::remove(feed);
}
