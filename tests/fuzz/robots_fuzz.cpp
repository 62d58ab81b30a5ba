// robots.txt is fetched from every site crawled: parse arbitrary bytes, pick the rules for two
// crawlers and match paths against them. parse() is documented as total (no failure), so no
// exception is caught.
#include "download/robots.hpp"

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace robots = orbweaver::robots;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const robots::robots_txt parsed = robots::parse(text);
  const std::string_view first_line = text.substr(0, text.find('\n'));

  for (const auto& rules : {parsed.for_agent("orbweaver"), parsed.for_agent(robots::product_token(first_line))}) {
    (void)rules.allowed("/");
    (void)rules.allowed("/a/b.html?x=1&y=%2f");
    (void)rules.allowed("/%E4%B8%AD/$*");
    (void)rules.allowed(first_line);
  }
  // Each rule pattern against each other one (bounded), as paths.
  std::size_t pairs = 0;
  for (const auto& group : parsed.groups)
    for (const auto& rule : group.rules) {
      (void)robots::pattern_matches(rule.pattern, robots::normalize_percent_encoding(first_line));
      if (++pairs == 256) return 0;
    }
  return 0;
}
