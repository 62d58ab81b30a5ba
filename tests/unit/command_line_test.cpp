// The launcher's option parsing, argparse-style, without running a command.
#include "command_line.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

namespace orbweaver::launcher {
namespace {

constexpr std::array specs{
    option_spec{'o', "output", true},
    option_spec{'v', "verbose", false},
    option_spec{'\0', "logfile", true},
};

parsed_args parse(std::vector<std::string> args) { return parse_args(args, specs); }

std::string error_of(std::vector<std::string> args) {
  try {
    parse(std::move(args));
  } catch (const usage_error& e) {
    return e.what();
  }
  return "(no usage_error)";
}

TEST(CommandLine, EveryWayToGiveAValue) {
  auto parsed = parse({"-o", "a.jsonl", "-ob.csv", "--output", "c.json", "--output=d=e.jl", "--logfile=x.log"});
  ASSERT_EQ(parsed.options.size(), 5u);
  EXPECT_EQ(parsed.options[0].spec, &specs[0]);
  EXPECT_EQ(parsed.options[0].value, "a.jsonl");
  EXPECT_EQ(parsed.options[1].value, "b.csv");
  EXPECT_EQ(parsed.options[2].value, "c.json");
  EXPECT_EQ(parsed.options[3].value, "d=e.jl") << "only the first '=' separates";
  EXPECT_EQ(parsed.options[4].spec, &specs[2]);
  EXPECT_EQ(parsed.options[4].value, "x.log");
  EXPECT_TRUE(parsed.positionals.empty());
  EXPECT_FALSE(parsed.help);
}

TEST(CommandLine, PositionalsFlagsAndDoubleDash) {
  auto parsed = parse({"books", "-v", "-", "--", "-o", "--help"});
  EXPECT_EQ(parsed.positionals, (std::vector<std::string>{"books", "-", "-o", "--help"}));
  ASSERT_EQ(parsed.options.size(), 1u);
  EXPECT_EQ(parsed.options[0].spec, &specs[1]);
  EXPECT_EQ(parsed.options[0].value, "");
  EXPECT_FALSE(parsed.help) << "after --, --help is an argument";
}

TEST(CommandLine, HelpAnywhere) {
  EXPECT_TRUE(parse({"books", "-h"}).help);
  EXPECT_TRUE(parse({"--help", "-o", "a.jsonl"}).help);
  // A value that looks like help is still the option's value.
  auto parsed = parse({"-o", "-h"});
  EXPECT_FALSE(parsed.help);
  EXPECT_EQ(parsed.options.at(0).value, "-h");
}

TEST(CommandLine, Mistakes) {
  EXPECT_EQ(error_of({"-x"}), "no such option: -x");
  EXPECT_EQ(error_of({"--outptu=a.jsonl"}), "no such option: --outptu");
  EXPECT_EQ(error_of({"-o"}), "option -o/--output requires a value");
  EXPECT_EQ(error_of({"--logfile"}), "option --logfile requires a value");
  EXPECT_EQ(error_of({"--verbose=yes"}), "option -v/--verbose takes no value");
  EXPECT_EQ(error_of({"-vv"}), "option -v/--verbose takes no value");
}

}  // namespace
}  // namespace orbweaver::launcher
