#pragma once
// The http-state cookie parser cases (tests/conformance/http-state/parser), read as the suite's
// own server reads them (tools/testserver/testserver.py there): shared by the unit test that
// feeds them to a cookie jar and the integration test that runs them as a crawl.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orbweaver::testing {

struct http_state_case {
  std::string name;
  std::vector<std::string> set_cookies;  // each Set-Cookie value, as an HTTP client delivers it
  // Where the answer redirects: the test's Location, else /cookie-parser-result?NAME.
  std::string location;
  // The Cookie header expected there; nullopt: none.
  std::optional<std::string> expected;
};

// The origin the cases are served from; Locations name its port.
inline constexpr std::string_view http_state_origin = "http://home.example.org:8888";

namespace http_state_detail {

inline std::string read_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

inline bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](char x, char y) { return (x | 0x20) == (y | 0x20); });
}

// The server's reading of NAME-expected: the text after the one "Cookie:" in it (and its
// whitespace, line breaks included) up to the end of that line; none when the file has no
// "Cookie:", or more than one (0028-expected holds two "Set-Cookie:" lines, so: none).
inline std::optional<std::string> expected_cookie(const std::string& text) {
  const auto at = text.find("Cookie:");
  if (at == std::string::npos || text.find("Cookie:", at + 1) != std::string::npos) return std::nullopt;
  const auto from = text.find_first_not_of(" \t\r\n\f\v", at + 7);
  if (from == std::string::npos) return std::string();
  return text.substr(from, text.find('\n', from) - from);
}

}  // namespace http_state_detail

// Every case in dir (…/http-state/parser), sorted by name.
inline std::vector<http_state_case> read_http_state_cases(const std::filesystem::path& dir) {
  namespace d = http_state_detail;
  std::vector<http_state_case> cases;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const auto file = entry.path().filename().string();
    if (!file.ends_with("-test")) continue;
    http_state_case c;
    c.name = file.substr(0, file.size() - 5);
    c.location = "/cookie-parser-result?" + c.name;
    // A line is `(\S+):\s*(.*)`: the header name, then its value.
    const std::string text = d::read_bytes(entry.path());
    for (std::size_t start = 0; start < text.size();) {
      auto end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      const std::string_view line(text.data() + start, end - start);
      start = end + 1;
      const auto colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      const std::string_view header = line.substr(0, colon), value = d::trim_ows(line.substr(colon + 1));
      if (d::iequals(header, "Set-Cookie")) c.set_cookies.emplace_back(value);
      else if (d::iequals(header, "Location")) c.location = value;
    }
    c.expected = d::expected_cookie(d::read_bytes(dir / (c.name + "-expected")));
    cases.push_back(std::move(c));
  }
  std::sort(cases.begin(), cases.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return cases;
}

}  // namespace orbweaver::testing
