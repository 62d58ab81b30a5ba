#include "download/robots.hpp"
#include "core/text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace orbweaver::robots {
namespace {

// Bytes of a line that are read; the rest of a longer line is ignored, as Google's reference
// parser does (8 times the longest URL browsers accept, less its NUL): an overlong Disallow
// still disallows what its first bytes name.
constexpr std::size_t max_line_length = 2083 * 8 - 1;

enum class key { user_agent, allow, disallow, crawl_delay, sitemap, unknown };

bool is_identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
}

// Common misspellings are accepted as Google's parser accepts them: real files contain them.
key classify(std::string_view name) {
  auto k = text::ascii_lowered(name);
  if (k == "user-agent" || k == "useragent" || k == "user agent") return key::user_agent;
  if (k == "allow") return key::allow;
  if (k == "disallow" || k == "dissallow" || k == "dissalow" || k == "disalow" || k == "diasllow" ||
      k == "disallaw")
    return key::disallow;
  if (k == "crawl-delay" || k == "crawldelay" || k == "crawl delay") return key::crawl_delay;
  if (k == "sitemap" || k == "site-map") return key::sitemap;
  return key::unknown;
}

std::optional<double> parse_delay(std::string_view value) {
  double seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc{} || end != value.data() + value.size() || !std::isfinite(seconds) || seconds < 0)
    return std::nullopt;
  return seconds;
}

// The product token a User-agent line names: "*", or its leading identifier characters.
std::string agent_token(std::string_view value) {
  if (!value.empty() && value.front() == '*') return "*";
  return product_token(value);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_unreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

void append_escaped(std::string& out, unsigned char c) {
  constexpr char digits[] = "0123456789ABCDEF";
  out += '%';
  out += digits[c >> 4];
  out += digits[c & 0xF];
}

// Splits text into lines ended by LF, CR LF or CR, and calls f on each.
template <class F>
void for_each_line(std::string_view text, F f) {
  while (!text.empty()) {
    auto end = text.find_first_of("\r\n");
    if (end == std::string_view::npos) {
      f(text);
      return;
    }
    f(text.substr(0, end));
    std::size_t skip = (text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n') ? 2 : 1;
    text.remove_prefix(end + skip);
  }
}

}  // namespace

std::string product_token(std::string_view user_agent) {
  user_agent = text::trim_ows(user_agent);
  std::size_t n = 0;
  while (n < user_agent.size() && is_identifier_char(user_agent[n])) ++n;
  return text::ascii_lowered(user_agent.substr(0, n));
}

std::string normalize_percent_encoding(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      auto decoded = static_cast<unsigned char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      if (is_unreserved(decoded))
        out += static_cast<char>(decoded);
      else
        append_escaped(out, decoded);
      i += 2;
    } else if (c <= 0x20 || c >= 0x7F) {
      append_escaped(out, c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

bool pattern_matches(std::string_view pattern, std::string_view path) {
  bool anchored = !pattern.empty() && pattern.back() == '$';
  if (anchored) pattern.remove_suffix(1);
  // The path positions the pattern read so far can end at, ascending.
  std::vector<std::size_t> ends{0}, next;
  for (char c : pattern) {
    next.clear();
    if (c == '*') {
      for (std::size_t p = ends.front(); p <= path.size(); ++p) next.push_back(p);
    } else {
      for (std::size_t p : ends)
        if (p < path.size() && path[p] == c) next.push_back(p + 1);
      if (next.empty()) return false;
    }
    ends.swap(next);
  }
  return !anchored || ends.back() == path.size();
}

rule_set rule_set::disallow_all() {
  rule_set all;
  all.rules.push_back({false, "/"});
  return all;
}

bool rule_set::allowed(std::string_view path_and_query) const {
  std::string path = normalize_percent_encoding(path_and_query);
  if (path.empty()) path = "/";
  if (path == "/robots.txt") return true;  // RFC 9309 §2.2.2: always allowed
  // The most specific (longest) matching pattern decides; an Allow wins a tie.
  long longest_allow = -1, longest_disallow = -1;
  for (const auto& r : rules) {
    if (!pattern_matches(r.pattern, path)) continue;
    auto length = static_cast<long>(r.pattern.size());
    auto& longest = r.allow ? longest_allow : longest_disallow;
    longest = std::max(longest, length);
  }
  return longest_disallow < 0 || longest_allow >= longest_disallow;
}

robots_txt parse(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  if (text.size() > max_parsed_bytes) {
    // Stop at the limit without reading half a line.
    text = text.substr(0, max_parsed_bytes);
    auto last_break = text.find_last_of("\r\n");
    text = last_break == std::string_view::npos ? std::string_view{} : text.substr(0, last_break);
  }

  robots_txt out;
  // RFC 9309 §2.1: a group is one or more User-agent lines followed by its rules; a User-agent
  // line after a rule starts the next group.
  bool reading_agents = false;
  for_each_line(text, [&](std::string_view line) {
    line = line.substr(0, max_line_length);
    line = line.substr(0, line.find('#'));
    std::string_view name, value;
    if (auto colon = line.find(':'); colon != std::string_view::npos) {
      name = text::trim_ows(line.substr(0, colon));
      value = text::trim_ows(line.substr(colon + 1));
    } else {
      // "Disallow /x": a missing colon is tolerated when whitespace separates key and value.
      line = text::trim_ows(line);
      auto space = line.find_first_of(" \t");
      if (space == std::string_view::npos) return;
      name = line.substr(0, space);
      value = text::trim_ows(line.substr(space));
    }
    auto k = classify(name);
    switch (k) {
      case key::user_agent:
        if (!reading_agents || out.groups.empty()) out.groups.emplace_back();
        reading_agents = true;
        if (auto token = agent_token(value); !token.empty()) out.groups.back().agents.push_back(std::move(token));
        break;
      case key::allow:
      case key::disallow:
        if (out.groups.empty()) return;  // rules before any User-agent belong to no group
        reading_agents = false;
        // An empty value matches nothing: "Disallow:" allows everything.
        if (!value.empty())
          out.groups.back().rules.push_back({k == key::allow, normalize_percent_encoding(value)});
        break;
      case key::crawl_delay:
        if (out.groups.empty()) return;
        reading_agents = false;
        if (auto& delay = out.groups.back().crawl_delay; !delay) delay = parse_delay(value);
        break;
      case key::sitemap:
        if (!value.empty()) out.sitemaps.emplace_back(value);
        break;
      case key::unknown:
        break;
    }
  });
  return out;
}

rule_set robots_txt::for_agent(std::string_view token) const {
  auto wanted = text::ascii_lowered(token);
  auto names = [](const group& g, std::string_view agent) {
    return std::find(g.agents.begin(), g.agents.end(), agent) != g.agents.end();
  };
  bool specific = wanted != "*" && !wanted.empty() &&
                  std::any_of(groups.begin(), groups.end(), [&](const group& g) { return names(g, wanted); });
  std::string_view chosen = specific ? std::string_view(wanted) : std::string_view("*");

  rule_set merged;
  for (const auto& g : groups) {
    if (!names(g, chosen)) continue;
    merged.rules.insert(merged.rules.end(), g.rules.begin(), g.rules.end());
    if (!merged.crawl_delay) merged.crawl_delay = g.crawl_delay;
  }
  return merged;
}

}  // namespace orbweaver::robots
