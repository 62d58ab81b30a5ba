// A spider that fills its items with an item_loader, over the bundled sample site on loopback; and
// the item_validation pipeline with a declared item type.
#include "crawl_runner.hpp"
#include "private_tmpdir.hpp"
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

// Not registered (no ORBWEAVER_ITEM): its keys are the usual ones, which other tests' items have.
const item_fields sample_book{"sample_book",
                              {field("title").required(), field("price").input(to_number()), "availability",
                               field("rating").input(to_number()), "category", "url"}};

// Registered, with keys of its own so that no other test's items are taken for it.
const item_fields five_star_book{"five_star_book",
                                 {field("five_star_title").required(), field("five_star_rating").required(),
                                  "five_star_url"}};
ORBWEAVER_ITEM(five_star_book);

class loader_books : public spider {
 public:
  explicit loader_books(std::string start) {
    name = "loader_books";
    start_urls = {std::move(start)};
  }

  void parse(const response& r, output& out) override {
    out.follow_all(r.css("ul.categories li a::attr(href)"));
    out.follow_all(r.css("article.product_pod h3 a::attr(href)"), &loader_books::parse_book);
    out.follow_all(r.css("li.next a::attr(href)"));
  }

  void parse_book(const response& r, output& out) {
    item_loader l(r, sample_book);
    l.default_in(strip()).default_out(take_first());
    auto book = l.nested_css("article.book");
    book.add_css("title", "h1::text");
    book.add_css("price", "p.price::text");
    book.add_css("availability", "p.availability::text");
    book.add_css("rating", "div.rating::attr(data-stars)");
    l.add_css("category", "ul.breadcrumb li:nth-child(2) a::text");
    l.add_value("url", r.url());
    out.emit(l.load_item());
  }

  void parse_five_star(const response& r, output& out) {
    item_loader l(r, five_star_book);
    l.default_out(take_first());
    l.add_css("five_star_title", "article.book h1::text");
    l.add_css("five_star_rating", "div.rating[data-stars='5']::attr(data-stars)", to_number());
    l.add_value("five_star_url", r.url());
    out.emit(l.load_item());
  }
};

std::vector<json::object> read_jsonl(const fs::path& file) {
  std::vector<json::object> items;
  std::istringstream lines(read_file(file));
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) items.push_back(json::parse(line).as_object());
  return items;
}

std::vector<std::string> keys(const json::object& it) {
  std::vector<std::string> result;
  for (const auto& entry : it) result.emplace_back(entry.key());
  return result;
}

// Every book page of the sample site to parse_five_star.
class five_star_books : public loader_books {
 public:
  using loader_books::loader_books;
  void parse(const response& r, output& out) override {
    out.follow_all(r.css("ul.categories li a::attr(href)"));
    out.follow_all(r.css("article.product_pod h3 a::attr(href)"), &loader_books::parse_five_star);
    out.follow_all(r.css("li.next a::attr(href)"));
  }
};

}  // namespace

TEST(ItemLoaderCrawl, LoaderSpiderScrapesTheSampleSiteExactly) {
  const fs::path source = ORBWEAVER_SOURCE_DIR;
  test_server server;
  serve_directory(server, source / "sample_site" / "www");
  const std::string base = server.url("/");
  private_tmpdir tmp("orbweaver-loader-crawl");
  const auto jsonl = fs::path(tmp.path()) / "books.jsonl";
  const auto csv = fs::path(tmp.path()) / "books.csv";

  auto result = run_finished_crawl(std::make_unique<loader_books>(base),
                                   {{"FEEDS", jsonl.string() + "," + csv.string()}});
  EXPECT_EQ(result.stats.get("item_scraped_count"), 30);

  std::map<std::string, json::object> expected;
  for (auto& it : read_jsonl(source / "sample_site" / "expected.jsonl"))
    expected[std::string(it.at("url").as_string())] = it;
  auto got = read_jsonl(jsonl);
  ASSERT_EQ(got.size(), expected.size());
  for (auto& it : got) {
    EXPECT_EQ(keys(it), sample_book.names());  // the declared order, every field there
    std::string path = std::string(it.at("url").as_string()).substr(base.size() - 1);
    ASSERT_TRUE(expected.count(path)) << path;
    auto want = expected.at(path);
    // The feed writes 45.0 as 45: prices compare as numbers.
    EXPECT_DOUBLE_EQ(it.at("price").to_number<double>(), want.at("price").to_number<double>()) << path;
    it["url"] = path;  // as expected.jsonl has it
    it.erase("price");
    want.erase("price");
    EXPECT_EQ(it, want) << json::serialize(it) << "\n" << json::serialize(want);
  }
  auto csv_text = read_file(csv);
  EXPECT_EQ(csv_text.substr(0, csv_text.find('\r')), "title,price,availability,rating,category,url");
}

TEST(ItemLoaderCrawl, ValidationDropsItemsLackingRequiredFieldsOnlyWhenEnabled) {
  const fs::path source = ORBWEAVER_SOURCE_DIR;
  test_server server;
  serve_directory(server, source / "sample_site" / "www");
  private_tmpdir tmp("orbweaver-loader-validation");
  const auto csv = fs::path(tmp.path()) / "books.csv";

  // Off by default: every book, the CSV with every declared column though most items lack one.
  {
    auto result = run_finished_crawl(std::make_unique<five_star_books>(server.url("/")), {{"FEEDS", csv.string()}});
    EXPECT_EQ(result.stats.get("item_scraped_count"), 30);
    EXPECT_EQ(result.stats.get("item_dropped_count"), 0);
    auto csv_text = read_file(csv);
    EXPECT_EQ(csv_text.substr(0, csv_text.find('\r')), "five_star_title,five_star_rating,five_star_url");
  }
  auto result = run_crawl_with_log(std::make_unique<five_star_books>(server.url("/")),
                                   {{"ITEM_PIPELINES", "item_validation=100"}, {"LOG_LEVEL", "WARNING"}});
  EXPECT_EQ(result.reason, "finished");
  EXPECT_EQ(result.stats.get("item_scraped_count"), 7);  // the books rated 5 in expected.jsonl
  EXPECT_EQ(result.stats.get("item_dropped_count"), 23);
  EXPECT_EQ(result.stats.get("item_dropped_reasons_count/item_validation"), 23);
  EXPECT_NE(result.log.find("Dropped: five_star_book item lacks required field(s): five_star_rating (item_validation)"),
            std::string::npos)
      << result.log;
}
