// The http-state cookie tests (tests/conformance/http-state, see PROVENANCE.md there), driven by
// their data. A parser case NAME: its server answers http://home.example.org:8888/cookie-parser?NAME
// with the Set-Cookie headers of NAME-test and a redirect to its Location (by default
// /cookie-parser-result?NAME); the Cookie header sent there must be the one in NAME-expected, or
// none when that file has none. The date cases parse cookie-dates (RFC 6265 §5.1.1).
#include "download/cookie_jar.hpp"
#include "../support/conformance_expectations.hpp"
#include "../support/http_state_cases.hpp"

#include <orbweaver/url.hpp>

#include <boost/json.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>

using namespace orbweaver;
using namespace orbweaver::download;
namespace fs = std::filesystem;

namespace {

const fs::path suite = fs::path(ORBWEAVER_SOURCE_DIR) / "tests/conformance/http-state";

// The cases were written in 2009-2011 with "future" dates from 2017 on and "past" ones before
// 2008: they are read at the publication of RFC 6265 (April 2011), so they never expire.
const cookie_time suite_now = std::chrono::sys_days{std::chrono::year{2011} / 4 / 1};

std::string shown(const std::optional<std::string>& header) { return header ? "\"" + *header + "\"" : "(none)"; }

// RFC 1123 form, as the date cases write their expectations.
std::string imf_fixdate(cookie_time when) {
  static constexpr std::array<const char*, 7> days{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto day = std::chrono::floor<std::chrono::days>(when);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss time{std::chrono::floor<std::chrono::seconds>(when - day)};
  char text[40];
  std::snprintf(text, sizeof text, "%s, %02u %s %04d %02ld:%02ld:%02ld GMT",
                days[std::chrono::weekday{day}.c_encoding()], static_cast<unsigned>(date.day()),
                months[static_cast<unsigned>(date.month()) - 1], static_cast<int>(date.year()),
                static_cast<long>(time.hours().count()), static_cast<long>(time.minutes().count()),
                static_cast<long>(time.seconds().count()));
  return text;
}

}  // namespace

TEST(HttpStateConformance, ParserCases) {
  conformance::tally tally(conformance::read_expectations(suite / "expectations.txt"));
  for (const auto& c : orbweaver::testing::read_http_state_cases(suite / "parser")) {
    cookie_jar jar([] { return suite_now; });
    const std::string request_url = std::string(orbweaver::testing::http_state_origin) + "/cookie-parser?" + c.name;
    for (const auto& header : c.set_cookies) jar.set_cookie(request_url, header);
    const auto target = url::join(request_url, c.location);
    ASSERT_TRUE(target) << c.name << ": cannot resolve " << c.location;
    const std::string header = jar.cookie_header(*target);
    const std::optional<std::string> actual = header.empty() ? std::nullopt : std::optional(header);
    tally.record(c.name, actual == c.expected, "Cookie " + shown(actual) + ", expected " + shown(c.expected));
  }
  tally.finish("http-state parser", 200);
}

TEST(HttpStateConformance, DateCases) {
  conformance::tally tally(conformance::read_expectations(suite / "dates-expectations.txt"));
  boost::json::parse_options comments;
  comments.allow_comments = true;
  for (const char* file : {"examples.json", "bsd-examples.json"}) {
    const auto cases = boost::json::parse(conformance::read_file(suite / "dates" / file), {}, comments).as_array();
    for (std::size_t i = 0; i < cases.size(); ++i) {
      const auto& c = cases[i].as_object();
      const std::string input(c.at("test").as_string());
      const std::optional<std::string> expected =
          c.at("expected").is_null() ? std::nullopt : std::optional(std::string(c.at("expected").as_string()));
      const auto parsed = parse_cookie_date(input);
      const std::optional<std::string> actual = parsed ? std::optional(imf_fixdate(*parsed)) : std::nullopt;
      tally.record(std::string(file) + "#" + std::to_string(i + 1), actual == expected,
                   "\"" + input + "\" gives " + shown(actual) + ", expected " + shown(expected));
    }
  }
  tally.finish("http-state dates", 70);
}
