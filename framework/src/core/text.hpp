#pragma once
// Small ASCII text helpers shared by the protocol code: HTTP headers, cookies, robots.txt,
// charsets and CSS names are all ASCII-case-insensitive and delimited by ASCII whitespace.
#include <string>
#include <string_view>

namespace orbweaver::text {

inline char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

inline std::string ascii_lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

// RFC 9110's optional whitespace around header values and parameters: spaces and tabs.
inline std::string_view trim_ows(std::string_view s) {
  auto ows = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && ows(s.back())) s.remove_suffix(1);
  return s;
}

// HTML's ASCII whitespace: space, tab, LF, CR and FF.
inline bool is_html_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

inline std::string_view trim_html_space(std::string_view s) {
  while (!s.empty() && is_html_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_html_space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace orbweaver::text
