// The http-state cookie tests (tests/conformance/http-state, see PROVENANCE.md there), driven by
// their data. A parser case NAME: its server answers http://home.example.org:8888/cookie-parser?NAME
// with the Set-Cookie headers of NAME-test and a redirect to its Location (by default
// /cookie-parser-result?NAME); the Cookie header sent there must be the one in NAME-expected, or
// none when that file has none. The date cases parse cookie-dates (RFC 6265 §5.1.1).
#include "download/cookie_jar.hpp"
#include "expectations_file.hpp"

#include <orbweaver/headers.hpp>
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

struct header_line {
  std::string name;
  std::string value;
};

// A NAME-test line as the test server sends it (`(\S+):\s*(.*)`), and as an HTTP client delivers
// it: the value without the surrounding whitespace.
std::vector<header_line> read_headers(const std::string& text) {
  std::vector<header_line> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string_view line(text.data() + start, end - start);
    start = end + 1;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    out.push_back({std::string(line.substr(0, colon)), std::string(value)});
  }
  return out;
}

// The test server's reading of NAME-expected: the text after the one "Cookie:" in it (and its
// whitespace, line breaks included) up to the end of that line; no header expected when the file
// has no "Cookie:", or more than one.
std::optional<std::string> expected_cookie(const std::string& text) {
  const auto at = text.find("Cookie:");
  if (at == std::string::npos || text.find("Cookie:", at + 1) != std::string::npos) return std::nullopt;
  auto from = text.find_first_not_of(" \t\r\n\f\v", at + 7);
  if (from == std::string::npos) return std::string();
  return text.substr(from, text.find('\n', from) - from);
}

std::string shown(const std::optional<std::string>& header) { return header ? "\"" + *header + "\"" : "(none)"; }

std::vector<std::string> parser_cases() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(suite / "parser")) {
    const auto file = entry.path().filename().string();
    if (file.ends_with("-test")) names.push_back(file.substr(0, file.size() - 5));
  }
  std::sort(names.begin(), names.end());
  return names;
}

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
  for (const auto& name : parser_cases()) {
    cookie_jar jar([] { return suite_now; });
    const std::string request_url = "http://home.example.org:8888/cookie-parser?" + name;
    std::string location = "/cookie-parser-result?" + name;
    for (const auto& [header, value] : read_headers(conformance::read_file(suite / "parser" / (name + "-test")))) {
      if (iequals(header, "Set-Cookie")) jar.set_cookie(request_url, value);
      else if (iequals(header, "Location")) location = value;
    }
    const auto target = url::join(request_url, location);
    ASSERT_TRUE(target) << name << ": cannot resolve " << location;
    const std::string header = jar.cookie_header(*target);
    const std::optional<std::string> actual = header.empty() ? std::nullopt : std::optional(header);
    const auto expected = expected_cookie(conformance::read_file(suite / "parser" / (name + "-expected")));
    tally.record(name, actual == expected, "Cookie " + shown(actual) + ", expected " + shown(expected));
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
