// Contract lines (orbweaver/contracts.hpp) parsed and checked on a callback's output, without I/O.
#include "core/contract_lines.hpp"

#include <orbweaver/contracts.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace orbweaver;
using namespace orbweaver::contracts;

namespace {

// The message of the contract_error that parsing `lines` throws; empty when it parses.
std::string parse_error(const std::vector<std::string>& lines) {
  try {
    parse_contracts(lines);
  } catch (const contract_error& e) {
    return e.what();
  }
  return {};
}

std::optional<std::string> returns(const std::string& line, std::size_t items, std::size_t requests) {
  auto parsed = parse_contracts({"@url http://example.com/", line});
  return check_output(parsed.checks.at(0), std::vector<item>(items, item{{"a", 1}}), requests);
}

}  // namespace

TEST(Contracts, ParsesEveryKindOfLine) {
  auto parsed = parse_contracts({"  @url   book/a.html ", "@returns items 1 1", "@returns requests 0 0",
                                 "@scrapes title price", "@cb_kwargs {\"page\": 2}", "@meta {\"source\": \"x y\"}"});
  EXPECT_EQ(parsed.url, "book/a.html");
  EXPECT_EQ(json::serialize(parsed.cb_kwargs), R"({"page":2})");
  EXPECT_EQ(json::serialize(parsed.meta), R"({"source":"x y"})");
  ASSERT_EQ(parsed.checks.size(), 3u);
  EXPECT_EQ(parsed.checks[0].tag, "returns");
  EXPECT_TRUE(parsed.checks[0].counts_items);
  EXPECT_EQ(parsed.checks[0].min, 1);
  EXPECT_EQ(parsed.checks[0].max, 1);
  EXPECT_FALSE(parsed.checks[1].counts_items);
  EXPECT_EQ(parsed.checks[2].tag, "scrapes");
  EXPECT_EQ(parsed.checks[2].fields, (std::vector<std::string>{"title", "price"}));
}

TEST(Contracts, ReturnsBoundsAreScrapys) {
  // No number: at least one; one number: at least that many; two: a range.
  EXPECT_EQ(returns("@returns items", 1, 0), std::nullopt);
  EXPECT_EQ(returns("@returns items", 0, 3), "Returned 0 items, expected 1..inf");
  EXPECT_EQ(returns("@returns request 2", 0, 5), std::nullopt);
  EXPECT_EQ(returns("@returns requests 2", 0, 1), "Returned 1 requests, expected 2..inf");
  EXPECT_EQ(returns("@returns items 1 1", 0, 0), "Returned 0 items, expected 1");
  EXPECT_EQ(returns("@returns items 1 3", 4, 0), "Returned 4 items, expected 1..3");
  EXPECT_EQ(returns("@returns item 0 0", 0, 9), std::nullopt);
}

TEST(Contracts, ScrapesNamesTheMissingFields) {
  auto parsed = parse_contracts({"@url http://example.com/", "@scrapes title price url"});
  const auto& check = parsed.checks.at(0);
  EXPECT_EQ(check_output(check, {item{{"title", "t"}, {"price", 1}, {"url", "u"}}}, 0), std::nullopt);
  EXPECT_EQ(check_output(check, {}, 0), std::nullopt);
  EXPECT_EQ(check_output(check, {item{{"title", "t"}, {"price", 1}, {"url", "u"}}, item{{"title", "t"}}}, 0),
            "Missing fields: price, url");
}

TEST(Contracts, MalformedLinesSayWhy) {
  const std::string url = "@url http://example.com/";
  EXPECT_EQ(parse_error({url, "@returns items x"}), "'@returns items x': MIN 'x' is not a whole number of 0 or more");
  EXPECT_EQ(parse_error({url, "@returns items 1 -2"}), "'@returns items 1 -2': MAX '-2' is not a whole number of 0 or more");
  EXPECT_EQ(parse_error({url, "@returns items 3 2"}), "'@returns items 3 2': MAX 2 is below MIN 3");
  EXPECT_EQ(parse_error({url, "@returns"}), "'@returns': expected @returns items|requests [MIN [MAX]], got 0 arguments");
  EXPECT_EQ(parse_error({url, "@returns items 1 2 3"}),
            "'@returns items 1 2 3': expected @returns items|requests [MIN [MAX]], got 4 arguments");
  EXPECT_EQ(parse_error({url, "@returns pages 1"}), "'@returns pages 1': 'pages' is neither items nor requests");
  EXPECT_EQ(parse_error({url, "@scrapes"}), "'@scrapes': expected @scrapes FIELD...");
  EXPECT_EQ(parse_error({url, "@frobnicate"}),
            "'@frobnicate': unknown contract @frobnicate (known: @url, @returns, @scrapes, @cb_kwargs, @meta)");
  EXPECT_EQ(parse_error({url, "returns items 1"}),
            "'returns items 1': a contract line starts with @ (@url, @returns, @scrapes, @cb_kwargs or @meta)");
  EXPECT_EQ(parse_error({url, ""}), "'': a contract line starts with @ (@url, @returns, @scrapes, @cb_kwargs or @meta)");
  EXPECT_EQ(parse_error({url, "@meta [1, 2]"}), "'@meta [1, 2]': expected a JSON object ({...})");
  EXPECT_TRUE(parse_error({url, "@cb_kwargs {\"page\": }"}).starts_with("'@cb_kwargs {\"page\": }': not valid JSON ("));
  EXPECT_EQ(parse_error({url, "@url http://example.com/other"}),
            "'@url http://example.com/other': a second @url for the same callback");
  EXPECT_EQ(parse_error({"@url"}), "'@url': expected @url URL");
  EXPECT_EQ(parse_error({"@returns items 1"}), "no @url line: the check needs a page to download");
}

TEST(Contracts, DeclarationsAreFoundByTheSpidersClass) {
  // spiders/books.cpp declares contracts for parse and parse_book.
  auto books = create_spider("books");
  ASSERT_TRUE(books);
  auto declared = spider_contracts(*books);
  ASSERT_EQ(declared.size(), 2u);
  EXPECT_EQ(declared[0].callback, "parse");
  EXPECT_EQ(declared[1].callback, "parse_book");
  EXPECT_EQ(declared[1].lines.front(), "@url book/a-walk-through-kyoto.html");
  EXPECT_NE(declared[1].declared_at.find("spiders/books.cpp:"), std::string::npos) << declared[1].declared_at;
  EXPECT_TRUE(spider_contracts(*create_spider("catalog")).empty());
}
