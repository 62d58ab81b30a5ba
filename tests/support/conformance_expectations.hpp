#pragma once
// The expectations file of a conformance suite (tests/conformance/SUITE/expectations.txt): the
// cases orbweaver deliberately does not pass, one a line, "CASE STATUS REASON", where STATUS is
// "deliberate" (orbweaver chooses otherwise, the docs say why) or "not-applicable" (the case tests
// something a crawler never does). '#' starts a comment line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>

namespace orbweaver::conformance {

struct expected_difference {
  std::string status;
  std::string reason;
};

inline std::map<std::string, expected_difference> read_expectations(const std::filesystem::path& file) {
  std::map<std::string, expected_difference> out;
  std::ifstream in(file);
  EXPECT_TRUE(in) << "cannot read " << file;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line.front() == '#') continue;
    std::istringstream fields(line);
    std::string name, status, reason;
    fields >> name >> status;
    std::getline(fields >> std::ws, reason);
    EXPECT_TRUE(status == "deliberate" || status == "not-applicable") << file << ": bad status in: " << line;
    EXPECT_FALSE(reason.empty()) << file << ": no reason in: " << line;
    EXPECT_TRUE(out.emplace(name, expected_difference{status, reason}).second) << file << ": listed twice: " << name;
  }
  return out;
}

inline std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read " << file;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Tallies a suite's outcomes against its expectations: a case that fails without being listed,
// and a listed case that passes (the list is stale), both fail the test.
class tally {
 public:
  explicit tally(std::map<std::string, expected_difference> expected) : expected_(std::move(expected)) {}

  void record(const std::string& name, bool passed, std::string detail) {
    if (detail.size() > 300) detail = detail.substr(0, 300) + "...";
    seen_.insert(name);
    auto listed = expected_.find(name);
    if (listed == expected_.end()) {
      if (passed) ++passed_;
      else ADD_FAILURE() << name << " fails and is not in the expectations file: " << detail;
      return;
    }
    if (passed) ADD_FAILURE() << name << " passes but the expectations file lists it (" << listed->second.reason << ")";
    else ++listed_[listed->second.status];
  }

  // Every listed case must exist; prints "passed N, deliberate N, not applicable N".
  void finish(const char* suite, std::size_t minimum_cases) {
    for (const auto& [name, why] : expected_)
      if (!seen_.contains(name)) ADD_FAILURE() << name << " is listed in the expectations file but is not a case";
    const std::size_t total = seen_.size();
    EXPECT_GE(total, minimum_cases) << suite << ": the data is incomplete";
    std::cout << suite << ": " << total << " cases, passed " << passed_ << ", deliberate " << listed_["deliberate"]
              << ", not applicable " << listed_["not-applicable"] << "\n";
  }

 private:
  std::map<std::string, expected_difference> expected_;
  std::set<std::string> seen_;
  std::size_t passed_ = 0;
  std::map<std::string, std::size_t> listed_;
};

}  // namespace orbweaver::conformance
