// Sitemaps and feeds come from any server: parse arbitrary bytes as a sitemap (XML and plain
// text) and as CSV. The readers are documented as total (no failure), so no exception is caught.
#include "feeds/csv_reader.hpp"
#include "feeds/sitemap.hpp"
#include "fuzz_check.hpp"

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace sitemaps = orbweaver::sitemaps;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto trimmed = [](std::string_view s) {
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; };
    return s.empty() || (!space(s.front()) && !space(s.back()));
  };

  const auto parsed = sitemaps::parse_xml(text);
  FUZZ_CHECK(parsed.entries.empty() || !parsed.type.empty(), "entries come from a document with a root");
  for (const auto& entry : parsed.entries) {
    FUZZ_CHECK(trimmed(entry.loc), "a loc is trimmed");
    for (const auto& [name, value] : entry.fields) FUZZ_CHECK(trimmed(value), "a field is trimmed");
  }
  for (const auto& url : sitemaps::parse_text(text)) FUZZ_CHECK(!url.empty() && trimmed(url), "a line is trimmed");

  std::size_t last_line = 0;
  for (const auto& record : orbweaver::feeds::read_csv(text)) {
    FUZZ_CHECK(record.line > last_line, "records end on increasing lines");
    last_line = record.line;
  }
  return 0;
}
