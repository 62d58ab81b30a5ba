// Differential test against parsel (tests/conformance/parsel): every case of cases.json, a chain
// of xpath()/css() (and a final re()) on a page of tricky HTML, must give what parsel gave, as
// recorded in expected.json by expected.py. A case that differs must be listed with its reason in
// expectations.json (gumbo builds the HTML5 tree, lxml an HTML 4 one, so some malformed pages
// differ); a listed case that passes fails the test too, so the list stays true.
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

const std::filesystem::path suite = std::filesystem::path(ORBWEAVER_SOURCE_DIR) / "tests/conformance/parsel";

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read " << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// What a chain gives: getall() (or the final re()) as JSON, or "error" when a query is refused.
boost::json::value outcome(const response& page, const boost::json::array& steps) {
  try {
    selector_list selection;
    bool first = true;
    for (const auto& step : steps) {
      const auto& kind = step.as_array()[0].as_string();
      const std::string query(step.as_array()[1].as_string());
      std::vector<std::string> found;
      if (kind == "re") {
        found = selection.re(query);
        return boost::json::value_from(found);
      }
      if (kind == "xpath")
        selection = first ? page.xpath(query) : selection.xpath(query);
      else
        selection = first ? page.css(query) : selection.css(query);
      first = false;
    }
    return boost::json::value_from(selection.getall());
  } catch (const selector_error&) {
    return "error";
  }
}

}  // namespace

TEST(ParselDifferential, CorpusGivesWhatParselGives) {
  const auto expected = boost::json::parse(read_file(suite / "expected.json")).as_object();
  const auto expectations = boost::json::parse(read_file(suite / "expectations.json")).as_object();
  std::map<std::string, std::string> listed;
  for (const auto& [name, reason] : expectations.at("differences").as_object())
    listed.emplace(name, reason.as_string());

  std::map<std::string, std::shared_ptr<response>> pages;
  std::set<std::string> seen;
  int passed = 0, different = 0;
  for (const auto& item : expected.at("cases").as_array()) {
    const auto& c = item.as_object();
    const std::string page_name(c.at("page").as_string());
    const std::string name = page_name + " " + std::string(c.at("case").as_string());
    auto& page = pages[page_name];
    if (!page)
      page = std::make_shared<response>(request("http://example.com/"), "http://example.com/", 200,
                                        http_headers{{"Content-Type", "text/html; charset=utf-8"}},
                                        read_file(suite / "pages" / page_name));
    const auto got = outcome(*page, c.at("steps").as_array());
    const bool matches = got == c.at("result");
    const bool is_listed = listed.count(name) > 0;
    seen.insert(name);
    if (matches) ++passed;
    if (!matches) ++different;
    if (matches && is_listed) ADD_FAILURE() << name << " now gives what parsel gives: take it out of expectations.json";
    if (!matches && !is_listed)
      ADD_FAILURE() << name << "\n  parsel:    " << boost::json::serialize(c.at("result"))
                    << "\n  orbweaver: " << boost::json::serialize(got);
  }
  for (const auto& [name, reason] : listed)
    if (!seen.count(name)) ADD_FAILURE() << "expectations.json lists " << name << ", which is no case";
  std::cout << "parsel differential: " << passed << " of " << seen.size() << " cases as parsel, " << different
            << " deliberate differences (" << expected.at("generator").as_string() << ")\n";
}
