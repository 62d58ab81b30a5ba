#pragma once
// robots.txt as RFC 9309 defines it, pure logic: parsing into groups and matching a path against
// the rules that apply to one crawler. Group and matching details follow Google's reference parser
// where the RFC leaves room (typos of keys, product tokens, where '$' anchors, overlong lines).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orbweaver::robots {

// RFC 9309 §2.5: crawlers must parse at least the first 500 KiB; we parse exactly that much.
inline constexpr std::size_t max_parsed_bytes = 500 * 1024;

struct rule {
  bool allow = false;
  std::string pattern;  // percent-encoding normalised; '*' wildcards and a final '$' anchor kept
};

// The rules that apply to one crawler on one origin.
class rule_set {
 public:
  rule_set() = default;  // no rules: everything allowed
  static rule_set allow_all() { return {}; }
  static rule_set disallow_all();

  // path_and_query as in a request URL ("/a/b?x=1"), percent-encoded or not.
  bool allowed(std::string_view path_and_query) const;

  std::vector<rule> rules;
  std::optional<double> crawl_delay;  // seconds, from the group that applies
};

struct group {
  std::vector<std::string> agents;  // lower-case product tokens, or "*"
  std::vector<rule> rules;
  std::optional<double> crawl_delay;
};

struct robots_txt {
  std::vector<group> groups;
  std::vector<std::string> sitemaps;  // Sitemap lines, wherever they appear

  // Every group naming this product token (case-insensitive) merged; when none does, the "*"
  // groups merged; when there is no "*" group either, no rules (everything allowed).
  rule_set for_agent(std::string_view product_token) const;
};

robots_txt parse(std::string_view text);

// The product token a crawler announces: the first word of a User-Agent before '/', e.g.
// "orbweaver" for "orbweaver/0.1 (+https://...)".
std::string product_token(std::string_view user_agent);

// Whether a pattern (with '*' and a final '$') matches a path; both already normalised.
bool pattern_matches(std::string_view pattern, std::string_view path);

// RFC 9309 §2.2.2 comparison form: "%xx" upper-cased, escaped unreserved characters decoded, and
// octets outside printable US-ASCII percent-encoded.
std::string normalize_percent_encoding(std::string_view s);

}  // namespace orbweaver::robots
