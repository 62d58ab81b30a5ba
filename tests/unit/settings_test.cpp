#include <orbweaver/settings.hpp>

#include "settings/setting_help.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace orbweaver {
namespace {

// A component's own setting, declared as a user's middleware or pipeline declares it.
constexpr int min_price_line = __LINE__ + 1;
ORBWEAVER_SETTING(TEST_COMPONENT_MIN_PRICE, number, "2.5", "Items cheaper than this are dropped (a test's setting).");

std::string error_of(auto&& action) {
  try {
    action();
  } catch (const settings_error& e) {
    return e.what();
  }
  return "(no settings_error)";
}

TEST(Settings, DefaultsFollowScrapy) {
  settings s;
  EXPECT_EQ(s.get_string("BOT_NAME"), "orbweaver");
  EXPECT_EQ(s.get_string("USER_AGENT"), "orbweaver/0.1 (+https://github.com/orbweaver)");
  EXPECT_EQ(s.get_int("CONCURRENT_REQUESTS"), 16);
  EXPECT_EQ(s.get_int("CONCURRENT_REQUESTS_PER_DOMAIN"), 8);
  EXPECT_EQ(s.get_int("CONCURRENT_REQUESTS_PER_IP"), 0);
  EXPECT_EQ(s.get_double("DOWNLOAD_DELAY"), 0.0);
  EXPECT_TRUE(s.get_bool("RANDOMIZE_DOWNLOAD_DELAY"));
  EXPECT_EQ(s.get_double("DOWNLOAD_TIMEOUT"), 180.0);
  EXPECT_EQ(s.get_int("DOWNLOAD_MAXSIZE"), 1073741824);
  EXPECT_EQ(s.get_int("DOWNLOAD_WARNSIZE"), 33554432);
  EXPECT_EQ(s.get_int("SCRAPER_SLOT_MAX_ACTIVE_SIZE"), 5000000);
  EXPECT_EQ(s.get_string("LOG_LEVEL"), "INFO");
  EXPECT_EQ(s.get_int("SQLITE_BATCH_SIZE"), 500);
  EXPECT_TRUE(s.get_list("FEEDS").empty());
  EXPECT_TRUE(s.get_list("HTTPERROR_ALLOWED_CODES").empty());
  auto headers = s.get_dict("DEFAULT_REQUEST_HEADERS");
  ASSERT_EQ(headers.size(), 2u);
  EXPECT_EQ(headers[0].first, "Accept");
  EXPECT_EQ(headers[0].second, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
  EXPECT_EQ(headers[1].first, "Accept-Language");
  EXPECT_EQ(headers[1].second, "en");
}

TEST(Settings, TableIsConsistent) {
  settings s;
  std::set<std::string_view> names;
  for (const auto& decl : setting_declarations()) {
    SCOPED_TRACE(std::string(decl.name));
    EXPECT_TRUE(names.insert(decl.name).second) << "declared twice";
    EXPECT_FALSE(decl.doc.empty());
    EXPECT_EQ(decl.doc.find('\n'), std::string_view::npos);
    EXPECT_EQ(find_setting(decl.name), &decl);
    // Every default parses as its own type.
    EXPECT_NO_THROW(s.set(decl.name, decl.default_value));
    switch (decl.type) {
      case setting_type::boolean: EXPECT_NO_THROW(s.get_bool(decl.name)); break;
      case setting_type::integer: EXPECT_NO_THROW(s.get_int(decl.name)); break;
      case setting_type::number: EXPECT_NO_THROW(s.get_double(decl.name)); break;
      case setting_type::string:
      case setting_type::json: EXPECT_EQ(s.get_string(decl.name), decl.default_value); break;
      case setting_type::list: EXPECT_NO_THROW(s.get_list(decl.name)); break;
      case setting_type::priorities: EXPECT_NO_THROW(s.get_priorities(decl.name)); break;
      case setting_type::dict: EXPECT_NO_THROW(s.get_dict(decl.name)); break;
    }
  }
  EXPECT_EQ(find_setting("NOT_A_SETTING"), nullptr);
}

TEST(Settings, UnknownNameSuggestsTheClosest) {
  settings s;
  EXPECT_EQ(error_of([&] { s.set("CONCURENT_REQUESTS", "4"); }),
            "unknown setting 'CONCURENT_REQUESTS' (did you mean 'CONCURRENT_REQUESTS'?)");
  EXPECT_EQ(error_of([&] { s.set("download_timout", "4"); }),
            "unknown setting 'download_timout' (did you mean 'DOWNLOAD_TIMEOUT'?)");
  EXPECT_EQ(error_of([&] { s.set("XYZZY_FROBNICATE", "4"); }), "unknown setting 'XYZZY_FROBNICATE'");
  EXPECT_EQ(error_of([&] { (void)s.get_int("DEPTH_LIMT"); }),
            "unknown setting 'DEPTH_LIMT' (did you mean 'DEPTH_LIMIT'?)");
}

TEST(Settings, BadValueNamesSettingValueAndType) {
  settings s;
  EXPECT_EQ(error_of([&] { s.set("CONCURRENT_REQUESTS", "many"); }),
            "invalid value 'many' for setting 'CONCURRENT_REQUESTS': expected an integer");
  EXPECT_EQ(error_of([&] { s.set("DOWNLOAD_DELAY", "fast"); }),
            "invalid value 'fast' for setting 'DOWNLOAD_DELAY': expected a number");
  EXPECT_NE(error_of([&] { s.set("STATS_DUMP", "maybe"); }).find("expected a boolean"), std::string::npos);
  EXPECT_THROW(s.set("CONCURRENT_REQUESTS", "1.5"), settings_error);
  EXPECT_THROW(s.set("CONCURRENT_REQUESTS", ""), settings_error);
  EXPECT_THROW(s.set("CONCURRENT_REQUESTS", "99999999999999999999"), settings_error);
  EXPECT_THROW(s.set("DOWNLOAD_DELAY", "nan"), settings_error);
  EXPECT_THROW(s.set("ITEM_PIPELINES", "feed_export"), settings_error);
  EXPECT_THROW(s.set("ITEM_PIPELINES", "feed_export=soon"), settings_error);
  EXPECT_THROW(s.set("ITEM_PIPELINES", "=100"), settings_error);
  EXPECT_THROW(s.set("DEFAULT_REQUEST_HEADERS", "Accept: text/html"), settings_error);
  EXPECT_THROW(s.set("DEFAULT_REQUEST_HEADERS", R"(["Accept"])"), settings_error);
  EXPECT_THROW(s.set("DEFAULT_REQUEST_HEADERS", R"({"X-Count": 3})"), settings_error);
  // A rejected value leaves the previous one in place.
  EXPECT_EQ(s.get_int("CONCURRENT_REQUESTS"), 16);
}

TEST(Settings, ValueSpellings) {
  settings s;
  for (auto yes : {"true", "True", "1", "yes", "ON"}) {
    s.set("STATS_DUMP", "false");
    s.set("STATS_DUMP", yes);
    EXPECT_TRUE(s.get_bool("STATS_DUMP")) << yes;
  }
  for (auto no : {"false", "FALSE", "0", "no", "off"}) {
    s.set("STATS_DUMP", "true");
    s.set("STATS_DUMP", no);
    EXPECT_FALSE(s.get_bool("STATS_DUMP")) << no;
  }
  s.set("CONCURRENT_REQUESTS", " +32 ");
  EXPECT_EQ(s.get_int("CONCURRENT_REQUESTS"), 32);
  s.set("DEPTH_PRIORITY", "-3");
  EXPECT_EQ(s.get_int("DEPTH_PRIORITY"), -3);
  s.set("DOWNLOAD_DELAY", "0.25");
  EXPECT_DOUBLE_EQ(s.get_double("DOWNLOAD_DELAY"), 0.25);
  // An integer setting reads as a double too (a timeout in whole seconds is still a duration).
  EXPECT_DOUBLE_EQ(s.get_double("CONCURRENT_REQUESTS"), 32.0);
  s.set("FEEDS", " a.jsonl, ,b.csv ,");
  EXPECT_EQ(s.get_list("FEEDS"), (std::vector<std::string>{"a.jsonl", "b.csv"}));
  s.set("DEFAULT_REQUEST_HEADERS", R"({"Accept-Language": "fr, en;q=0.5", "X-Token": "a"})");
  auto headers = s.get_dict("DEFAULT_REQUEST_HEADERS");
  ASSERT_EQ(headers.size(), 2u);
  EXPECT_EQ(headers[0], (std::pair<std::string, std::string>{"Accept-Language", "fr, en;q=0.5"}));
  EXPECT_EQ(headers[1], (std::pair<std::string, std::string>{"X-Token", "a"}));
  s.set("DEFAULT_REQUEST_HEADERS", "");
  EXPECT_TRUE(s.get_dict("DEFAULT_REQUEST_HEADERS").empty());
}

TEST(Settings, WrongGetterIsAnError) {
  settings s;
  EXPECT_THROW((void)s.get_int("DOWNLOAD_DELAY"), settings_error);
  EXPECT_THROW((void)s.get_bool("CONCURRENT_REQUESTS"), settings_error);
  EXPECT_THROW((void)s.get_list("ITEM_PIPELINES"), settings_error);
  // Any setting reads as its text.
  EXPECT_EQ(s.get_string("CONCURRENT_REQUESTS"), "16");
}

TEST(Settings, HigherPriorityWins) {
  settings s;
  s.set("DEPTH_LIMIT", "3", setting_priority::command_line);
  s.set("DEPTH_LIMIT", "5", setting_priority::spider);
  s.set("DEPTH_LIMIT", "7");  // project
  EXPECT_EQ(s.get_int("DEPTH_LIMIT"), 3);
  s.set("DEPTH_LIMIT", "4", setting_priority::command_line);
  EXPECT_EQ(s.get_int("DEPTH_LIMIT"), 4);

  s.set("DOWNLOAD_DELAY", "1");
  s.set("DOWNLOAD_DELAY", "2", setting_priority::spider);
  EXPECT_EQ(s.get_double("DOWNLOAD_DELAY"), 2.0);
  // A value rejected at a low priority is still an error: the typo must not pass silently.
  EXPECT_THROW(s.set("DEPTH_LIMIT", "deep", setting_priority::defaults), settings_error);
}

TEST(Settings, SetFromArgument) {
  settings s;
  s.set_from_arg("USER_AGENT=a=b c", setting_priority::command_line);
  EXPECT_EQ(s.get_string("USER_AGENT"), "a=b c");
  s.set_from_arg(" LOG_FILE =", setting_priority::command_line);
  EXPECT_EQ(s.get_string("LOG_FILE"), "");
  EXPECT_EQ(error_of([&] { s.set_from_arg("DEPTH_LIMIT", setting_priority::command_line); }),
            "expected KEY=VALUE, got 'DEPTH_LIMIT'");
  EXPECT_THROW(s.set_from_arg("=3", setting_priority::command_line), settings_error);
  EXPECT_THROW(s.set_from_arg("DEPTH_LIMT=3", setting_priority::command_line), settings_error);
}

TEST(Settings, Priorities) {
  settings s;
  EXPECT_TRUE(s.get_priorities("ITEM_PIPELINES").empty());
  s.set("ITEM_PIPELINES", "validate=300, feed_export=OFF ,store=-5,dedupe=100,dedupe=off,late=off,late=900");
  std::vector<std::string> disabled;
  auto enabled = s.get_priorities("ITEM_PIPELINES", &disabled);
  EXPECT_EQ(enabled, (std::map<std::string, int>{{"validate", 300}, {"store", -5}, {"late", 900}}));
  EXPECT_EQ(disabled, (std::vector<std::string>{"dedupe", "feed_export"}));
  // Without a vector the disabled ones are simply left out.
  EXPECT_EQ(s.get_priorities("ITEM_PIPELINES").size(), 3u);
}

TEST(Settings, MarkdownReferenceListsEverySetting) {
  auto markdown = settings_markdown();
  for (const auto& decl : builtin_setting_declarations())
    EXPECT_NE(markdown.find(fmt::format("| `{}` |", decl.name)), std::string::npos) << decl.name;
  EXPECT_NE(markdown.find("| `CONCURRENT_REQUESTS` | integer | `16` |"), std::string::npos);
  EXPECT_NE(markdown.find("| `FEEDS` | list | *(empty)* |"), std::string::npos);
}

// The table and the code that reads it agree: a name read but not declared would throw in the
// middle of a crawl, and a name declared but never read would be accepted and silently ignored.
TEST(Settings, TableMatchesTheNamesTheCodeReads) {
  auto root = std::filesystem::path(ORBWEAVER_SOURCE_DIR);
  std::regex getter(R"re(\b(?:get_bool|get_int|get_double|get_string|get_list|get_dict|get_priorities)\("([A-Z0-9_]+)")re");
  std::regex quoted_name(R"re("([A-Z][A-Z0-9_]+)")re");
  std::set<std::string> read, quoted;
  for (auto top : {"framework/src", "framework/launcher", "middlewares", "pipelines", "spiders"}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root / top)) {
      auto extension = entry.path().extension();
      if (extension != ".cpp" && extension != ".hpp") continue;
      if (entry.path().filename() == "setting_table.cpp") continue;
      std::ifstream in(entry.path());
      std::stringstream text;
      text << in.rdbuf();
      auto source = text.str();
      for (std::sregex_iterator m(source.begin(), source.end(), getter), end; m != end; ++m) read.insert((*m)[1]);
      for (std::sregex_iterator m(source.begin(), source.end(), quoted_name), end; m != end; ++m)
        quoted.insert((*m)[1]);
    }
  }
  EXPECT_GT(read.size(), 20u) << "the scan found the sources";
  for (const auto& name : read) EXPECT_NE(find_setting(name), nullptr) << name << " is read but not declared";
  for (const auto& decl : builtin_setting_declarations())
    EXPECT_TRUE(quoted.contains(std::string(decl.name))) << decl.name << " is declared but nothing reads it";
}

TEST(Settings, DocsFileIsUpToDate) {
  auto docs = std::filesystem::path(ORBWEAVER_SOURCE_DIR) / "docs/settings.md";
  std::ifstream in(docs);
  ASSERT_TRUE(in) << "missing " << docs;
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), settings_markdown()) << "regenerate it: orbweaver settings > docs/settings.md";
}

TEST(Settings, ComponentDeclaresItsOwnSetting) {
  const setting_decl* decl = find_setting("TEST_COMPONENT_MIN_PRICE");
  ASSERT_NE(decl, nullptr);
  EXPECT_EQ(decl->type, setting_type::number);
  EXPECT_EQ(setting_declarations().back().name, "TEST_COMPONENT_MIN_PRICE") << "after the built-ins";
  EXPECT_EQ(setting_declared_at("TEST_COMPONENT_MIN_PRICE"), fmt::format("{}:{}", __FILE__, min_price_line));
  EXPECT_EQ(setting_declared_at("CONCURRENT_REQUESTS"), "");

  settings s;
  EXPECT_DOUBLE_EQ(s.get_double("TEST_COMPONENT_MIN_PRICE"), 2.5);
  s.set("TEST_COMPONENT_MIN_PRICE", "10", setting_priority::command_line);
  EXPECT_DOUBLE_EQ(s.get_double("TEST_COMPONENT_MIN_PRICE"), 10.0);
  // Validated as the built-ins are.
  EXPECT_EQ(error_of([&] { s.set("TEST_COMPONENT_MIN_PRICE", "cheap"); }),
            "invalid value 'cheap' for setting 'TEST_COMPONENT_MIN_PRICE': expected a number");
  EXPECT_EQ(error_of([&] { s.set("TEST_COMPONENT_MIN_PRIZE", "1"); }),
            "unknown setting 'TEST_COMPONENT_MIN_PRIZE' (did you mean 'TEST_COMPONENT_MIN_PRICE'?)");
  EXPECT_EQ(error_of([&] { (void)s.get_bool("TEST_COMPONENT_MIN_PRICE"); }),
            "setting 'TEST_COMPONENT_MIN_PRICE' is a number; get_bool() cannot read it");
}

TEST(Settings, ComponentSettingsAreListedApartFromTheReference) {
  EXPECT_EQ(settings_markdown().find("TEST_COMPONENT_MIN_PRICE"), std::string::npos)
      << "docs/settings.md is the reference of the built-ins";
  auto section = component_settings_markdown();
  EXPECT_TRUE(section.starts_with("\n## Settings declared by components\n")) << section;
  EXPECT_NE(section.find(fmt::format("| `TEST_COMPONENT_MIN_PRICE` | number | `2.5` | Items cheaper than this are "
                                     "dropped (a test's setting). | `{}:{}` |\n",
                                     __FILE__, min_price_line)),
            std::string::npos)
      << section;
}

}  // namespace
}  // namespace orbweaver
