// Two components declaring one setting name, and one reusing a built-in's: every settings object
// refuses to exist, naming both places. A binary of its own, since the conflict stops every crawl
// (and every other test) in the program that links them.
#include <orbweaver/settings.hpp>

#include <gtest/gtest.h>

#include <string>

ORBWEAVER_SETTING(SHARED_NAME, integer, "1", "The first declaration.");
ORBWEAVER_SETTING(DOWNLOAD_DELAY, number, "1", "A component reusing a built-in's name.");
ORBWEAVER_SETTING(BAD_DEFAULT, integer, "many", "A default that is not an integer.");

namespace {

TEST(SettingConflict, EverySettingsObjectRefusesToExist) {
  try {
    orbweaver::settings s;
    FAIL() << "no settings_error";
  } catch (const orbweaver::settings_error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("setting 'SHARED_NAME' is declared twice: at "), std::string::npos) << message;
    // Which one is first depends on the order the linker put the files in.
    EXPECT_NE(message.find("declared_twice_test.cpp:10"), std::string::npos) << message;
    EXPECT_NE(message.find("second_declaration.cpp:4"), std::string::npos) << message;
    EXPECT_NE(message.find("setting 'DOWNLOAD_DELAY' declared at "), std::string::npos) << message;
    EXPECT_NE(message.find("is a built-in setting; give yours another name"), std::string::npos) << message;
    EXPECT_NE(message.find("setting 'BAD_DEFAULT' declared at "), std::string::npos) << message;
    EXPECT_NE(message.find("its default 'many' is not an integer"), std::string::npos) << message;
  }
}

}  // namespace
