// Item loaders, their processors and declared item fields, without sockets.
#include "feed_export.hpp"

#include <orbweaver/item_fields.hpp>
#include <orbweaver/item_loader.hpp>
#include <orbweaver/response.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace orbweaver;

namespace {

json::array list(std::initializer_list<json::value_ref> values) { return json::array(values); }

// The keys in their order: json::object's == does not look at it.
std::vector<std::string> keys(const item& it) {
  std::vector<std::string> result;
  for (const auto& entry : it) result.emplace_back(entry.key());
  return result;
}
using names = std::vector<std::string>;

response page(std::string body) {
  const std::string url = "http://example.com/book.html";
  return response(request(url), url, 200, {{"Content-Type", "text/html; charset=utf-8"}}, std::move(body));
}

const char* book_html = R"(<article class="book">
  <h1>  A Walk Through Kyōto </h1>
  <p class="price">&pound;51.77</p>
  <p class="availability">In stock (22 available)</p>
  <ul class="tags"><li> travel </li><li>japan</li><li> </li></ul>
  <div class="offer"><span class="seller">Ann</span><span class="price">£1,234</span></div>
</article>)";

// Field names of their own: the registry is process-wide, and other tests' items must not fit.
const item_fields registered_book{"registered_book",
                                  {"rb_title", field("rb_price").required(), "rb_rating", field("rb_url").required()}};
ORBWEAVER_ITEM(registered_book);

}  // namespace

// --- Processors ------------------------------------------------------------------------------

TEST(Processors, IdentityKeepsTheList) { EXPECT_EQ(identity()(list({"a", 1, "a"})), json::value(list({"a", 1, "a"}))); }

TEST(Processors, TakeFirstSkipsNullAndEmptyText) {
  EXPECT_EQ(take_first()(list({nullptr, "", "x", "y"})), json::value("x"));
  EXPECT_EQ(take_first()(list({0, "x"})), json::value(0));
  EXPECT_TRUE(take_first()(list({"", nullptr})).is_null());
  EXPECT_TRUE(take_first()(json::array()).is_null());
}

TEST(Processors, JoinUsesTheSeparatorAndJsonForNonText) {
  EXPECT_EQ(join()(list({"a", "b"})), json::value("a b"));
  EXPECT_EQ(join(", ")(list({"a", 2, true})), json::value("a, 2, true"));
  EXPECT_EQ(join("-")(json::array()), json::value(""));
}

TEST(Processors, StripTrimsEachStringAndKeepsTheRest) {
  EXPECT_EQ(strip()(list({"  a b \n", "\t\xC2\xA0x\xC2\xA0 ", 3, "  "})), json::value(list({"a b", "x", 3, ""})));
}

TEST(Processors, NumberInTextTakesTheFirstNumber) {
  EXPECT_EQ(number_in_text("£51.77"), json::value(51.77));
  EXPECT_EQ(number_in_text("1,234"), json::value(1234));
  EXPECT_TRUE(number_in_text("1,234").is_int64());
  EXPECT_EQ(number_in_text("In stock (22 available)"), json::value(22));
  EXPECT_EQ(number_in_text("-3.5 °C"), json::value(-3.5));
  EXPECT_EQ(number_in_text("costs .5"), json::value(0.5));
  EXPECT_EQ(number_in_text("12,345,678.25 total, 9"), json::value(12345678.25));
  EXPECT_EQ(number_in_text("1, 2"), json::value(1));           // ", " is no thousands separator
  EXPECT_EQ(number_in_text("99999999999999999999"), json::value(1e20));  // too big for int64
  EXPECT_TRUE(number_in_text("no digits").is_null());
  EXPECT_TRUE(number_in_text("").is_null());
}

TEST(Processors, ToNumberConvertsEachValueAndDropsTheRest) {
  EXPECT_EQ(to_number()(list({"£51.77", 7, "none", nullptr, true, "2"})), json::value(list({51.77, 7, 2})));
}

TEST(Processors, MapComposeChainsDropsNullsAndSpreadsLists) {
  auto p = map_compose([](std::string s) { return s + "!"; },
                       [](const json::value& v) -> json::value {
                         if (v == json::value("skip!")) return nullptr;
                         if (v == json::value("two!")) return list({"2a", "2b"});
                         return v;
                       });
  EXPECT_EQ(p(list({"a", "skip", "two", 5})), json::value(list({"a!", "2a", "2b", 5})));
}

TEST(Processors, MapComposeTakesOptionalResults) {
  auto p = map_compose([](std::string s) -> std::optional<std::string> {
    if (s.empty()) return std::nullopt;
    return s;
  });
  EXPECT_EQ(p(list({"", "a"})), json::value(list({"a"})));
}

TEST(Processors, ComposeChainsOverTheWholeListAndStopsAtNull) {
  bool second_called = false;
  auto first_of = [](const json::value& v) -> json::value {
    return v.as_array().empty() ? json::value(nullptr) : v.as_array().front();
  };
  auto upper = [&second_called](std::string s) {
    second_called = true;
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  };
  EXPECT_EQ(compose(first_of, upper)(list({"ab", "cd"})), json::value("AB"));
  EXPECT_TRUE(second_called);
  second_called = false;
  EXPECT_TRUE(compose(first_of, upper)(json::array()).is_null());
  EXPECT_FALSE(second_called);
}

TEST(Processors, AnyCallableIsOne) {
  processor count = [](json::array values) { return values.size(); };
  processor words = [](json::array values) {
    std::vector<std::string> result;
    for (auto& v : values) result.emplace_back(v.as_string());
    return result;
  };
  EXPECT_EQ(count(list({"a", "b"})), json::value(2));
  EXPECT_EQ(words(list({"a"})), json::value(list({"a"})));
  EXPECT_FALSE(processor());
}

// --- The loader ------------------------------------------------------------------------------

TEST(ItemLoader, CollectsListsByDefaultInTheOrderFieldsWereAdded) {
  auto r = page(book_html);
  item_loader l(r);
  l.add_css("tags", "ul.tags li::text");
  l.add_css("title", "h1::text");
  l.add_value("url", r.url());
  l.add_value("tags", "extra");
  auto it = l.load_item();
  EXPECT_EQ(json::serialize(it),
            R"({"tags":[" travel ","japan"," ","extra"],"title":["  A Walk Through Kyōto "],)"
            R"("url":["http://example.com/book.html"]})");
}

TEST(ItemLoader, InputProcessorsRunAsValuesAreAddedAndOutputProcessorsAtLoad) {
  auto r = page(book_html);
  std::vector<std::string> calls;
  item_loader l(r);
  l.default_in(strip()).default_out(take_first());
  l.field_in("price", [&calls](json::array values) {
    calls.push_back("price_in");
    return to_number()(std::move(values));
  });
  l.field_out("tags", [&calls](json::array values) {
    calls.push_back("tags_out");
    return join(",")(std::move(values));
  });
  l.add_css("title", "h1::text");
  l.add_css("price", "article > p.price::text");
  EXPECT_EQ(calls, std::vector<std::string>{"price_in"});
  EXPECT_EQ(l.get_collected_values("price"), list({51.77}));
  l.add_css("tags", "ul.tags li::text", map_compose([](std::string s) { return s + "|"; }));
  EXPECT_EQ(l.get_collected_values("tags"), list({"travel |", "japan|", "|"}));  // extra, then strip
  auto it = l.load_item();
  EXPECT_EQ(calls, (std::vector<std::string>{"price_in", "tags_out"}));
  EXPECT_EQ(it, (item{{"title", "A Walk Through Kyōto"}, {"price", 51.77}, {"tags", "travel |,japan|,|"}}));
  EXPECT_EQ(keys(it), (names{"title", "price", "tags"}));
}

TEST(ItemLoader, DropsNullValuesAndFieldsWithoutOutput) {
  item_loader l;
  l.default_out(take_first());
  l.add_value("none", nullptr);
  l.add_value("nothing", std::optional<std::string>());
  l.add_value("empty", "");
  l.add_value("list", list({nullptr, "x", nullptr}));
  l.add_value("numbers", "no digits", to_number());
  EXPECT_EQ(l.get_collected_values("none"), json::array());
  EXPECT_EQ(l.get_collected_values("empty"), list({""}));
  EXPECT_EQ(l.get_collected_values("list"), list({nullptr, "x", nullptr}));  // as itemloaders keeps them
  EXPECT_TRUE(l.get_output_value("empty").is_null());  // take_first skips ""
  EXPECT_EQ(json::serialize(l.load_item()), R"({"list":"x"})");
}

TEST(ItemLoader, ReplaceDropsWhatWasCollected) {
  auto r = page(book_html);
  item_loader l(r);
  l.add_value("title", "first");
  l.add_value("title", "second");
  l.replace_value("title", "third");
  EXPECT_EQ(l.get_collected_values("title"), list({"third"}));
  l.replace_css("title", "h1::text", strip());
  EXPECT_EQ(l.get_collected_values("title"), list({"A Walk Through Kyōto"}));
  l.replace_value("title", nullptr);
  EXPECT_EQ(l.get_collected_values("title"), json::array());
  EXPECT_TRUE(l.load_item().empty());
}

TEST(ItemLoader, NestedLoadersAddToTheParent) {
  auto r = page(book_html);
  item_loader l(r);
  l.default_out(take_first());
  l.add_css("price", "article > p.price::text", to_number());
  auto offer = l.nested_css("div.offer");
  offer.add_css("seller", "span.seller::text");
  offer.add_css("offer_price", "span.price::text", to_number());
  auto nowhere = l.nested_css("div.missing");
  nowhere.add_css("seller", "span::text");  // no matches: nothing added
  auto it = l.load_item();
  EXPECT_EQ(it, (item{{"price", 51.77}, {"seller", "Ann"}, {"offer_price", 1234}}));
  EXPECT_EQ(keys(it), (names{"price", "seller", "offer_price"}));
}

TEST(ItemLoader, OverSelectorsAndNestedValues) {
  auto r = page(book_html);
  item_loader l(r.css("div.offer"));
  l.add_css("seller", "span.seller::text");
  l.add_value("meta", json::object{{"source", "offer"}});
  l.add_value("pairs", std::vector<std::vector<int>>{{1, 2}, {3}});
  EXPECT_EQ(json::serialize(l.load_item()), R"({"seller":["Ann"],"meta":[{"source":"offer"}],"pairs":[[1,2],[3]]})");
}

TEST(ItemLoader, AddCssWithoutASelectionIsAMistake) {
  item_loader l;
  EXPECT_THROW(l.add_css("title", "h1::text"), std::logic_error);
  EXPECT_THROW(l.add_xpath("title", "//h1/text()"), std::logic_error);
}

TEST(ItemLoader, XpathQueriesAsCssOnes) {
  auto r = page(book_html);
  item_loader l(r);
  l.default_in(strip()).default_out(take_first());
  l.add_xpath("title", "//h1/text()");
  l.add_xpath("price", "//article/p[@class='price']/text()", to_number());
  l.add_xpath("tags", "//ul[@class='tags']/li/text()");
  EXPECT_EQ(l.get_collected_values("tags"), list({"travel", "japan", ""}));
  l.replace_xpath("tags", "//ul[@class='tags']/li[2]/text()");
  EXPECT_EQ(l.get_collected_values("tags"), list({"japan"}));
  auto offer = l.nested_xpath("//div[@class='offer']");
  offer.add_xpath("seller", "./span[@class='seller']/text()");
  offer.add_css("offer_price", "span.price::text", to_number());
  EXPECT_EQ(l.load_item(), (item{{"title", "A Walk Through Kyōto"}, {"price", 51.77}, {"tags", "japan"},
                                 {"seller", "Ann"}, {"offer_price", 1234}}));
  item_loader over_selection(r.css("div.offer"));
  over_selection.add_xpath("seller", "./span[1]/text()");
  EXPECT_EQ(over_selection.get_collected_values("seller"), list({"Ann"}));
  EXPECT_THROW(over_selection.add_xpath("seller", "//span[["), selector_error);
}

TEST(ItemLoader, ProcessorFailuresNameTheField) {
  item_loader l;
  l.field_out("n", [](json::array values) { return values.at(3); });
  l.add_value("n", 1);
  try {
    l.load_item();
    FAIL() << "no error";
  } catch (const value_error& e) {
    EXPECT_NE(std::string(e.what()).find("output processor of field 'n' failed on [1]"), std::string::npos) << e.what();
  }
  l.field_in("m", [](json::array) -> json::value { throw std::runtime_error("bad"); });
  EXPECT_THROW(l.add_value("m", 1), value_error);
}

TEST(ItemLoader, DeclaredFieldsGiveProcessorsOrderAndRefuseOthers) {
  const item_fields book{"book",
                         {field("title").input(strip()), field("price").input(to_number()),
                          field("tags").output(identity()), "url"}};
  auto r = page(book_html);
  item_loader l(r, book);
  l.default_out(take_first());
  l.add_value("url", r.url());
  l.add_css("tags", "ul.tags li::text");
  l.add_css("price", "article > p.price::text");
  l.add_css("title", "h1::text");
  auto it = l.load_item();
  EXPECT_EQ(it, (item{{"title", "A Walk Through Kyōto"},
                      {"price", 51.77},
                      {"tags", list({" travel ", "japan", " "})},
                      {"url", "http://example.com/book.html"}}));
  EXPECT_EQ(keys(it), (names{"title", "price", "tags", "url"}));
  // The loader's own processor comes before the declaration's.
  l.field_in("price", identity());
  l.replace_css("price", "article > p.price::text");
  EXPECT_EQ(l.get_output_value("price"), json::value("£51.77"));
  try {
    l.add_value("rating", 3);
    FAIL() << "no error";
  } catch (const value_error& e) {
    EXPECT_EQ(std::string(e.what()), "book item has no field 'rating' (declared: title, price, tags, url)");
  }
}

// --- Declared fields -------------------------------------------------------------------------

TEST(ItemFields, KeepOrderAndTellMissingRequiredFields) {
  const item_fields book{"book", {"title", field("price").required(), field("rating").required(), "url"}};
  EXPECT_EQ(book.names(), (std::vector<std::string>{"title", "price", "rating", "url"}));
  EXPECT_TRUE(book.fits(item{{"url", "u"}, {"title", "t"}}));
  EXPECT_FALSE(book.fits(item{{"url", "u"}, {"author", "a"}}));
  item it{{"rating", ""}, {"url", "u"}, {"title", "t"}};
  EXPECT_EQ(book.missing(it), (std::vector<std::string>{"price", "rating"}));
  try {
    book.validate(it);
    FAIL() << "no error";
  } catch (const item_validation_error& e) {
    EXPECT_EQ(std::string(e.what()), "book item lacks required field(s): price, rating");
  }
  EXPECT_NO_THROW(book.validate(item{{"price", 0}, {"rating", 1}}));
  EXPECT_EQ(json::serialize(book.ordered(item{{"extra", 1}, {"url", "u"}, {"title", "t"}})),
            R"({"title":"t","url":"u","extra":1})");
}

TEST(ItemFields, RefuseDuplicateAndEmptyNames) {
  EXPECT_THROW(item_fields("x", {"a", "b", "a"}), std::invalid_argument);
  EXPECT_THROW(item_fields("x", {""}), std::invalid_argument);
}

TEST(ItemFields, DeclaredTypesAreFoundByTheirKeys) {
  const auto* type = declared_item_type(item{{"rb_url", "u"}, {"rb_title", "t"}});
  ASSERT_NE(type, nullptr);
  EXPECT_EQ(type->type_name(), "registered_book");
  EXPECT_EQ(declared_item_type(item{{"rb_url", "u"}, {"other", 1}}), nullptr);
}

namespace {
class DeclaredFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "orbweaver-loader-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(pipelines::feed_format format, const std::vector<item>& items,
                    std::vector<std::string> fields = {}) {
    auto path = (dir_ / "feed").string();
    pipelines::feed_writer writer({.path = path, .format = format, .overwrite = true, .fields = std::move(fields)});
    for (const auto& it : items) writer.write(it);
    writer.close();
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  std::filesystem::path dir_;
};
}  // namespace

TEST_F(DeclaredFeedTest, CsvColumnsFollowTheDeclaredType) {
  std::vector<item> items{{{"rb_url", "u1"}, {"rb_title", "t1"}}, {{"rb_price", 2.5}, {"rb_url", "u2"}}};
  EXPECT_EQ(write(pipelines::feed_format::csv, items),
            "rb_title,rb_price,rb_rating,rb_url\r\nt1,,,u1\r\n,2.5,,u2\r\n");
  // FEED_EXPORT_FIELDS still wins.
  EXPECT_EQ(write(pipelines::feed_format::csv, items, {"rb_url"}), "rb_url\r\nu1\r\nu2\r\n");
  // Items of no declared type keep the first item's keys.
  EXPECT_EQ(write(pipelines::feed_format::csv, {{{"b", 1}, {"a", 2}}}), "b,a\r\n1,2\r\n");
}

TEST_F(DeclaredFeedTest, JsonKeysFollowTheDeclaredType) {
  std::vector<item> items{{{"rb_url", "u"}, {"rb_rating", 3}, {"rb_title", "t"}}, {{"z", 1}, {"a", 2}}};
  EXPECT_EQ(write(pipelines::feed_format::json_lines, items),
            "{\"rb_title\":\"t\",\"rb_rating\":3,\"rb_url\":\"u\"}\n{\"z\":1,\"a\":2}\n");
}
