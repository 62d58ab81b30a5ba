// orbweaver.toml: TOML values onto settings, errors that name the file and line, precedence.
#include "settings/project_file.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace orbweaver {
namespace {

namespace fs = std::filesystem;

class ProjectFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "orbweaver-project-file-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& text, const fs::path& relative = "orbweaver.toml") {
    auto path = dir_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
    return path;
  }

  // The settings_error message of loading `text`, or "(loaded)".
  std::string error_loading(const std::string& text) {
    auto path = write(text);
    settings s;
    try {
      load_project_settings(s, path);
    } catch (const settings_error& e) {
      return e.what();
    }
    return "(loaded)";
  }

  std::string located(int line) { return (dir_ / "orbweaver.toml").string() + ":" + std::to_string(line) + ": "; }

  fs::path dir_;
};

TEST_F(ProjectFile, ValuesMapOntoSettingTypes) {
  auto path = write(R"([project]
name = "shop"

[settings]
BOT_NAME = "shop"
CONCURRENT_REQUESTS = 32
DOWNLOAD_DELAY = 0.25
DOWNLOAD_TIMEOUT = 30
ROBOTSTXT_OBEY = true
FEEDS = ["out/items.jsonl", "out/items.csv"]
DEFAULT_REQUEST_HEADERS = { Accept-Language = "fr", "X-Note" = "a, b" }
ITEM_PIPELINES = { feed_export = 300, sqlite_store = "off" }
CLOSESPIDER_PAGECOUNT = "7"
SPIDER_MIDDLEWARES = "depth=off"

[settings.DOWNLOADER_MIDDLEWARES]
retry = 10
)");
  settings s;
  load_project_settings(s, path);
  EXPECT_EQ(s.get_string("BOT_NAME"), "shop");
  EXPECT_EQ(s.get_int("CONCURRENT_REQUESTS"), 32);
  EXPECT_DOUBLE_EQ(s.get_double("DOWNLOAD_DELAY"), 0.25);
  EXPECT_DOUBLE_EQ(s.get_double("DOWNLOAD_TIMEOUT"), 30.0);
  EXPECT_TRUE(s.get_bool("ROBOTSTXT_OBEY"));
  EXPECT_EQ(s.get_list("FEEDS"), (std::vector<std::string>{"out/items.jsonl", "out/items.csv"}));
  EXPECT_EQ(s.get_dict("DEFAULT_REQUEST_HEADERS"),
            (std::vector<std::pair<std::string, std::string>>{{"Accept-Language", "fr"}, {"X-Note", "a, b"}}));
  std::vector<std::string> disabled;
  EXPECT_EQ(s.get_priorities("ITEM_PIPELINES", &disabled), (std::map<std::string, int>{{"feed_export", 300}}));
  EXPECT_EQ(disabled, std::vector<std::string>{"sqlite_store"});
  // The string forms of -s keep working.
  EXPECT_EQ(s.get_int("CLOSESPIDER_PAGECOUNT"), 7);
  disabled.clear();
  EXPECT_TRUE(s.get_priorities("SPIDER_MIDDLEWARES", &disabled).empty());
  EXPECT_EQ(disabled, std::vector<std::string>{"depth"});
  EXPECT_EQ(s.get_priorities("DOWNLOADER_MIDDLEWARES"), (std::map<std::string, int>{{"retry", 10}}));
}

// DOWNLOAD_SLOTS, a JSON object of objects on the command line, is a table of tables here.
TEST_F(ProjectFile, NestedTablesBecomeJson) {
  auto path = write(R"([settings.DOWNLOAD_SLOTS."example.com"]
concurrency = 1
delay = 2.5
randomize_delay = false

[settings.DOWNLOAD_SLOTS."other.org"]
delay = 1
)");
  settings s;
  load_project_settings(s, path);
  EXPECT_EQ(s.get_string("DOWNLOAD_SLOTS"),
            R"({"example.com":{"concurrency":1,"delay":2.5E0,"randomize_delay":false},"other.org":{"delay":1}})");
  EXPECT_EQ(error_loading("[settings]\nDOWNLOAD_SLOTS = 3\n"),
            located(2) + "setting 'DOWNLOAD_SLOTS' is a JSON object whose values may be objects, numbers or booleans "
                         "too (in orbweaver.toml a table of tables), not an integer");
}

TEST_F(ProjectFile, NoSettingsTableChangesNothing) {
  auto path = write("[project]\nname = \"shop\"\n");
  settings s;
  load_project_settings(s, path);
  EXPECT_EQ(s.get_int("CONCURRENT_REQUESTS"), 16);
}

TEST_F(ProjectFile, MistakesNameFileLineAndKey) {
  EXPECT_EQ(error_loading("[settings]\nCONCURRENT_REQUESTS = 8\nCONCURENT_REQUESTS = 2\n"),
            located(3) + "unknown setting 'CONCURENT_REQUESTS' (did you mean 'CONCURRENT_REQUESTS'?)");
  EXPECT_EQ(error_loading("[settings]\n\nCONCURRENT_REQUESTS = true\n"),
            located(3) + "setting 'CONCURRENT_REQUESTS' is an integer, not a boolean");
  EXPECT_EQ(error_loading("[settings]\nCONCURRENT_REQUESTS = 1.5\n"),
            located(2) + "setting 'CONCURRENT_REQUESTS' is an integer, not a float");
  EXPECT_EQ(error_loading("[settings]\nBOT_NAME = 5\n"), located(2) + "setting 'BOT_NAME' is a string, not an integer");
  EXPECT_EQ(error_loading("[settings]\nCONCURRENT_REQUESTS = \"many\"\n"),
            located(2) + "invalid value 'many' for setting 'CONCURRENT_REQUESTS': expected an integer");
  EXPECT_EQ(error_loading("[settings]\nFEEDS = [\"a.jsonl\",\n  true]\n"),
            located(3) + "setting 'FEEDS': list elements are strings or numbers, not a boolean");
  EXPECT_EQ(error_loading("[settings]\nFEEDS = [\"a,b.jsonl\"]\n"),
            located(2) + "setting 'FEEDS': a list element cannot contain a comma: 'a,b.jsonl'");
  EXPECT_EQ(error_loading("[settings]\nITEM_PIPELINES = { feed_export = \"soon\" }\n"),
            located(2) + "setting 'ITEM_PIPELINES': the priority of 'feed_export' must be an integer or \"off\"");
  EXPECT_EQ(error_loading("[settings]\nDEFAULT_REQUEST_HEADERS = { Accept = 1 }\n"),
            located(2) + "setting 'DEFAULT_REQUEST_HEADERS': the value of 'Accept' must be a string, not an integer");
  EXPECT_EQ(error_loading("CONCURRENT_REQUESTS = 8\n[settings]\n"),
            located(1) + "'CONCURRENT_REQUESTS' is outside any table; settings go in the [settings] table");
  EXPECT_EQ(error_loading("[settings]\nLOG_FILE = 2026-01-01\n"), located(2) + "setting 'LOG_FILE' is a string, not a date or time");
}

TEST_F(ProjectFile, SyntaxErrorNamesFileAndLine) {
  auto message = error_loading("[settings]\nCONCURRENT_REQUESTS = 8\nDOWNLOAD_DELAY = = 1\n");
  EXPECT_TRUE(message.starts_with(located(3))) << message;
  message = error_loading("[settings]\nBOT_NAME = \"a\"\nBOT_NAME = \"b\"\n");
  EXPECT_TRUE(message.starts_with(located(3))) << message;
}

TEST_F(ProjectFile, MissingFileIsAnError) {
  settings s;
  try {
    load_project_settings(s, dir_ / "nothing.toml");
    FAIL() << "no settings_error";
  } catch (const settings_error& e) {
    EXPECT_EQ(std::string(e.what()), (dir_ / "nothing.toml").string() + ": cannot read the settings file: No such file or directory");
  }
  EXPECT_THROW(load_project_settings(s, dir_), settings_error) << "a folder";
}

// default < project file < spider custom_settings < command line, whatever the order of the calls.
TEST_F(ProjectFile, PrecedenceBetweenDefaultsSpiderAndCommandLine) {
  auto path = write("[settings]\nCONCURRENT_REQUESTS = 32\nDOWNLOAD_DELAY = 2\nDEPTH_LIMIT = 3\nBOT_NAME = \"shop\"\n");
  settings s;
  s.set("DOWNLOAD_DELAY", "5", setting_priority::command_line);
  load_project_settings(s, path);
  s.set("DEPTH_LIMIT", "4", setting_priority::spider);
  s.set("BOT_NAME", "spider-bot", setting_priority::spider);
  s.set("BOT_NAME", "cli-bot", setting_priority::command_line);
  EXPECT_EQ(s.get_int("CONCURRENT_REQUESTS"), 32);  // file over default
  EXPECT_DOUBLE_EQ(s.get_double("DOWNLOAD_DELAY"), 5.0);  // command line over file, though set first
  EXPECT_EQ(s.get_int("DEPTH_LIMIT"), 4);  // spider over file
  EXPECT_EQ(s.get_string("BOT_NAME"), "cli-bot");  // command line over spider
  EXPECT_EQ(s.get_int("CONCURRENT_REQUESTS_PER_DOMAIN"), 8);  // untouched default
}

TEST_F(ProjectFile, FoundInTheFolderOrAParent) {
  fs::create_directories(dir_ / "a" / "b");
  EXPECT_EQ(find_project_file(dir_ / "a" / "b"), std::nullopt);
  auto path = write("[project]\n", "a/orbweaver.toml");
  EXPECT_EQ(find_project_file(dir_ / "a" / "b"), path);
  EXPECT_EQ(find_project_file(dir_ / "a"), path);
  EXPECT_EQ(find_project_file(dir_), std::nullopt);
}

}  // namespace
}  // namespace orbweaver
