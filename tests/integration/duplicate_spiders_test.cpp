// Two spider classes registered under one name (a copied file that kept its name): every command
// of the launcher that links them exits 1 before doing anything, naming both declarations.
#include "program_runner.hpp"

#include <gtest/gtest.h>

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace {

TEST(DuplicateSpiders, EveryCommandRefusesNamingBothPlaces) {
  const std::filesystem::path binary = ORBWEAVER_DUPLICATE_SPIDERS_BINARY;
  ASSERT_TRUE(std::filesystem::exists(binary)) << binary << " is missing: build duplicate_spiders_launcher";
  std::string dir = (std::filesystem::temp_directory_path() / "orbweaver-duplicates-XXXXXX").string();
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  for (const std::vector<std::string>& command : {std::vector<std::string>{"list"}, {"crawl", "books"}, {"version"}, {"-h"}}) {
    const auto result = orbweaver::testing::run_program(binary, command, dir);
    EXPECT_EQ(result.status, 1) << command[0];
    EXPECT_EQ(result.out, "") << command[0];
    // Which file comes first depends on the order the linker put them in; the paths on how the
    // build named the sources.
    const std::string& err = result.err;
    EXPECT_TRUE(err.starts_with("orbweaver: error: spider name \"books\" is declared twice: ")) << err;
    EXPECT_NE(err.find("first_books.cpp:10"), std::string::npos) << err;
    EXPECT_NE(err.find("second_books.cpp:10"), std::string::npos) << err;
    EXPECT_NE(err.find(".cpp:10 and "), std::string::npos) << err;
    EXPECT_TRUE(err.ends_with(".cpp:10\n")) << err;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
