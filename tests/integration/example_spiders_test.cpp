// The example spiders against the bundled sample site, served from its files on loopback.
#include "crawl_runner.hpp"
#include "static_site.hpp"
#include "test_server.hpp"

#include <orbweaver/orbweaver.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <sstream>

using namespace orbweaver;
using namespace orbweaver::testing;

namespace {

namespace fs = std::filesystem;

// Items written by the feed exporter, keyed by their url path.
std::map<std::string, json::object> read_items(const fs::path& jsonl, const std::string& base) {
  std::map<std::string, json::object> items;
  std::istringstream lines(read_file(jsonl));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    auto obj = json::parse(line).as_object();
    std::string url(obj["url"].as_string());
    obj["url"] = url.substr(base.size() - 1);  // keep the leading '/'
    items[std::string(obj["url"].as_string())] = obj;
  }
  return items;
}

}  // namespace

TEST(ExampleSpiders, BooksCrawlsTheSampleSiteExactly) {
  const fs::path source = ORBWEAVER_SOURCE_DIR;
  test_server server;
  serve_directory(server, source / "sample_site" / "www");
  const std::string base = server.url("/");

  auto s = create_spider("books");
  ASSERT_TRUE(s);
  s->args["url"] = base;
  fs::path out = fs::temp_directory_path() / ("orbweaver-books-" + std::to_string(::getpid()) + ".jsonl");
  fs::remove(out);
  settings config;
  config.set("LOG_LEVEL", "WARNING", setting_priority::command_line);
  config.set("FEEDS", out.string(), setting_priority::command_line);
  crawler c(std::move(s), std::move(config));
  EXPECT_EQ(c.run(), "finished");

  EXPECT_EQ(c.stats().get("downloader/response_count"), 39);
  EXPECT_EQ(c.stats().get("downloader/response_status_count/404"), 1);
  EXPECT_EQ(c.stats().get("offsite/filtered"), 1);
  EXPECT_EQ(c.stats().get("item_scraped_count"), 30);

  auto got = read_items(out, base);
  std::map<std::string, json::object> expected;
  std::istringstream lines(read_file(source / "sample_site" / "expected.jsonl"));
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) {
      auto obj = json::parse(line).as_object();
      expected[std::string(obj["url"].as_string())] = obj;
    }
  ASSERT_EQ(got.size(), expected.size());
  for (const auto& [url, want] : expected) {
    ASSERT_TRUE(got.count(url)) << url;
    EXPECT_EQ(json::serialize(got[url]["title"]), json::serialize(want.at("title"))) << url;
    EXPECT_DOUBLE_EQ(got[url]["price"].to_number<double>(), want.at("price").to_number<double>()) << url;
    EXPECT_EQ(got[url]["availability"], want.at("availability")) << url;
    EXPECT_EQ(got[url]["rating"], want.at("rating")) << url;
    EXPECT_EQ(got[url]["category"], want.at("category")) << url;
  }
  fs::remove(out);
}

TEST(ExampleSpiders, EveryRegisteredSpiderHasAName) {
  auto names = spider_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "books"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "catalog"), names.end());
  EXPECT_FALSE(create_spider("no-such-spider"));
}
