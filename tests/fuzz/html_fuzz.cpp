// Page bytes as a callback meets them: a text/html response (the first input byte picks the
// Content-Type's charset, so transcoding runs too; the rest is the body), charset detection,
// the nesting cap and gumbo through document construction, then fixed CSS queries, link joining
// and serialisation through the response API. Nothing here is documented to throw for an HTML
// response, so no exception is caught. Everything extracted must be valid UTF-8.
#include <orbweaver/response.hpp>

#include "fuzz_check.hpp"
#include "html/charset.hpp"

#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static constexpr std::string_view content_types[] = {
      "text/html",
      "text/html; charset=utf-8",
      "text/html; charset=windows-1252",
      "text/html; charset=shift_jis",
      "text/html; charset=utf-16le",
      "text/html; charset=\"ISO-8859-2\"",
      "text/html; charset=gb18030",
      "text/html; charset=bogus",
  };
  if (size == 0) return 0;
  const std::string_view content_type = content_types[data[0] % std::size(content_types)];
  std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);

  orbweaver::http_headers headers;
  headers.add("Content-Type", content_type);
  const std::string url = "https://example.com/dir/page.html?q=1";
  const orbweaver::response r(orbweaver::request(url), url, 200, std::move(headers), std::move(body));

  (void)r.encoding();
  (void)r.text();
  const auto hrefs = r.css("a::attr(href)").getall();
  for (const auto& href : hrefs) FUZZ_CHECK(orbweaver::html::is_valid_utf8(href), "attribute values are UTF-8");
  (void)r.css("title::text").get();
  FUZZ_CHECK(orbweaver::html::is_valid_utf8(r.css("html").get()), "the serialised page is UTF-8");
  for (const auto& text : r.css("*::text").getall())
    FUZZ_CHECK(orbweaver::html::is_valid_utf8(text), "text nodes are UTF-8");
  (void)r.css("p, li:nth-child(2n+1) > span, [class~=x]::text").getall();
  std::size_t joined = 0;
  for (const auto& href : hrefs) {
    std::error_code why;
    (void)r.urljoin(href, &why);
    if (++joined == 64) break;
  }
  (void)r.urljoin("../other?x=1#frag");
  return 0;
}
