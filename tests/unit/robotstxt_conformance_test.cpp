// google/robotstxt's reference cases (tests/conformance/robotstxt, see PROVENANCE.md there),
// driven by their data. A case is named TEST#N: the Nth check of the reference test TEST.
//   allowed:     robots.txt body, user agent, URL -> whether the URL may be fetched
//   valid_agent: whether a string is a product token a crawler can announce
//   path:        the path and query that robots.txt rules see in a URL
//   escape:      the percent-encoding normalisation applied to patterns
#include "download/robots.hpp"
#include "downloader/robots_txt.hpp"
#include "core/text.hpp"
#include "../support/conformance_expectations.hpp"

#include <orbweaver/url.hpp>

#include <boost/json.hpp>

#include <gtest/gtest.h>

using namespace orbweaver;
namespace fs = std::filesystem;

namespace {

const fs::path suite = fs::path(ORBWEAVER_SOURCE_DIR) / "tests/conformance/robotstxt";

std::string field(const boost::json::object& c, const char* name) { return std::string(c.at(name).as_string()); }

std::string shown(bool b) { return b ? "true" : "false"; }

// The path and query the robots middleware checks for a request URL, once the engine has
// normalised it as it does every request's; nullopt for what is not an absolute http(s) URL (the
// engine refuses such a request).
std::optional<std::string> path_of(const std::string& request_url) {
  const auto normalized = url::normalize(request_url);
  if (!normalized) return std::nullopt;
  auto where = middlewares::locate_robots(*normalized);
  if (!where) return std::nullopt;
  return where->path_and_query;
}

}  // namespace

TEST(RobotsTxtConformance, ReferenceCases) {
  conformance::tally tally(conformance::read_expectations(suite / "expectations.txt"));
  const auto cases = boost::json::parse(conformance::read_file(suite / "cases.json")).as_array();
  std::map<std::string, int> checks_per_test;
  for (const auto& value : cases) {
    const auto& c = value.as_object();
    const std::string name = field(c, "test") + "#" + std::to_string(++checks_per_test[field(c, "test")]);
    const std::string kind = field(c, "kind");
    if (kind == "allowed") {
      const bool expected = c.at("expected").as_bool();
      const auto path = path_of(field(c, "url"));
      if (!path) {
        tally.record(name, false, "\"" + field(c, "url") + "\" is not an absolute http(s) URL");
        continue;
      }
      const bool actual = robots::parse(field(c, "robots")).for_agent(field(c, "agent")).allowed(*path);
      tally.record(name, actual == expected,
                   field(c, "agent") + " " + field(c, "url") + ": allowed " + shown(actual) + ", expected " +
                       shown(expected));
    } else if (kind == "valid_agent") {
      // A valid product token is one that product_token() reads whole.
      const std::string input = field(c, "input");
      const bool actual = !input.empty() && robots::product_token(input) == text::ascii_lowered(input);
      const bool expected = c.at("expected").as_bool();
      tally.record(name, actual == expected, "\"" + input + "\": valid " + shown(actual) + ", expected " + shown(expected));
    } else if (kind == "path") {
      const auto actual = path_of(field(c, "input"));
      const std::string expected = field(c, "expected");
      tally.record(name, actual == expected,
                   "\"" + field(c, "input") + "\" gives " + (actual ? "\"" + *actual + "\"" : "(not a URL)") +
                       ", expected \"" + expected + "\"");
    } else if (kind == "escape") {
      const auto actual = robots::normalize_percent_encoding(field(c, "input"));
      const std::string expected = field(c, "expected");
      tally.record(name, actual == expected,
                   "\"" + field(c, "input") + "\" gives \"" + actual + "\", expected \"" + expected + "\"");
    } else {
      ADD_FAILURE() << name << ": unknown kind " << kind;
    }
  }
  tally.finish("google/robotstxt", 170);
}
