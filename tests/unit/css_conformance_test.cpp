// cssselect's own test cases and WPT's selector parsing cases (tests/conformance/css, see
// PROVENANCE.md), run through the public selector API: what parsel users get from a selector is
// what orbweaver must give. A case that fails must be listed in expectations.json with its reason;
// a listed case that passes fails the test too, so the list stays true.
#include <orbweaver/response.hpp>

#include <boost/json.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace orbweaver;

namespace {

const std::filesystem::path suite = std::filesystem::path(ORBWEAVER_SOURCE_DIR) / "tests/conformance/css";

std::string read_file(const std::string& name) {
  std::ifstream in(suite / name, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read " << (suite / name);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

boost::json::object read_json(const std::string& name) { return boost::json::parse(read_file(name)).as_object(); }

response page(std::string body) {
  return response(request("http://example.com/"), "http://example.com/", 200,
                  {{"Content-Type", "text/html; charset=utf-8"}}, std::move(body));
}

std::string joined(const std::vector<std::string>& items) {
  std::string text = "[";
  for (const auto& item : items) text += (text.size() > 1 ? ", " : "") + item;
  return text + "]";
}

std::string expected_ids(const boost::json::value& list) {
  std::vector<std::string> ids;
  for (const auto& id : list.as_array()) ids.emplace_back(id.as_string());
  return joined(ids);
}

// What a query gives, as comparable text: the ids found ("nil" for an element without one, as
// cssselect's tests write it), their count, or the error.
template <class Source>
std::string outcome(const Source& source, const std::string& query, bool count_only) {
  try {
    const selector_list found = source.css(query);
    if (count_only) return std::to_string(found.size());
    std::vector<std::string> ids;
    for (const auto& item : found) ids.push_back(item.attrib("id").value_or("nil"));
    return joined(ids);
  } catch (const selector_error&) {
    return "error";
  }
}

// Every case of one section, checked against the expectations listed for it.
class section_check {
 public:
  section_check(std::string name, const boost::json::object& expectations) : name_(std::move(name)) {
    if (const auto* listed = expectations.if_contains(name_))
      for (const auto& [query, reason] : listed->as_object()) listed_.emplace(query, reason.as_string());
  }

  void check(const std::string& query, const std::string& got, const std::string& wanted) {
    const bool passed = got == wanted;
    const bool listed = listed_.count(query) > 0;
    seen_.insert(query);
    if (passed) {
      ++passed_;
      EXPECT_FALSE(listed) << name_ << ": '" << query << "' now passes: remove it from expectations.json";
    } else if (listed) {
      ++deliberate_;
    } else {
      ADD_FAILURE() << name_ << ": '" << query << "' gives " << got << ", cssselect gives " << wanted;
    }
  }

  ~section_check() {
    for (const auto& [query, reason] : listed_)
      EXPECT_TRUE(seen_.count(query)) << name_ << ": expectations.json lists '" << query << "', which is no case";
    std::cout << "[ conformance ] " << name_ << ": " << passed_ << " passed, " << deliberate_
              << " listed differences\n";
  }

 private:
  std::string name_;
  std::map<std::string, std::string> listed_;
  std::set<std::string> seen_;
  int passed_ = 0;
  int deliberate_ = 0;
};

class CssConformance : public ::testing::Test {
 protected:
  boost::json::object cases = read_json("cases.json");
  boost::json::object expectations = read_json("expectations.json");

  // Cases {"selectors": [...], "ids": [...]} (or "error"), each selector run on the document.
  void check_ids(const std::string& section, const response& doc) {
    section_check check(section, expectations);
    for (const auto& item : cases.at(section).as_array()) {
      const auto& entry = item.as_object();
      const std::string wanted = entry.contains("error") ? "error" : expected_ids(entry.at("ids"));
      for (const auto& query : entry.at("selectors").as_array()) {
        const std::string text(query.as_string());
        check.check(text, outcome(doc, text, false), wanted);
      }
    }
  }
};

}  // namespace

TEST_F(CssConformance, SelectIds) { check_ids("select_ids", page(read_file("ids.html"))); }

TEST_F(CssConformance, LangIds) { check_ids("lang_ids", page(read_file("lang.html"))); }

// cssselect runs these from <body>; so does the test, through the selector of the <body>.
TEST_F(CssConformance, ShakespeareCounts) {
  const auto doc = page(read_file("shakespeare.html"));
  const selector_list body = doc.css("body");
  ASSERT_EQ(body.size(), 1u);
  section_check check("shakespeare_counts", expectations);
  for (const auto& item : cases.at("shakespeare_counts").as_array()) {
    const auto& entry = item.as_object();
    const std::string query(entry.at("selector").as_string());
    check.check(query, outcome(body.front(), query, true), std::to_string(entry.at("count").as_int64()));
  }
}

TEST_F(CssConformance, ValidAndInvalidSyntax) {
  const auto doc = page("<p>x</p>");
  for (const std::string section : {"valid", "invalid", "wpt_valid"}) {
    section_check check(section, expectations);
    const std::string wanted = section == "invalid" ? "error" : "parsed";
    for (const auto& query : cases.at(section).as_array()) {
      const std::string text(query.as_string());
      check.check(text, outcome(doc, text, true) == "error" ? "error" : "parsed", wanted);
    }
  }
}
