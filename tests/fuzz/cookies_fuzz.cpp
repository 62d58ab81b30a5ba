// Set-Cookie headers come from every response: each input line is one header. It is parsed,
// stored in a jar for a fixed request URL (the jar must refuse what it cannot store, never
// crash), its date read as a cookie-date; then the jar builds Cookie headers. All of this API
// reports failure as nullopt / false, so no exception is caught.
#include "download/cookie_jar.hpp"
#include "fuzz_check.hpp"

#include <chrono>
#include <cstdint>
#include <string_view>

namespace {

// A control character other than HTAB: none may reach a Cookie header (RFC 6265bis §5.7).
bool has_control(std::string_view s) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7F) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace orbweaver::download;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const cookie_time now = cookie_time(std::chrono::seconds(1'700'000'000));
  cookie_jar jar([now] { return now; });

  std::size_t lines = 0;
  for (std::size_t start = 0; start <= input.size() && lines < 64; ++lines) {
    auto end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    const std::string_view header = input.substr(start, end - start);
    start = end + 1;

    if (const auto parsed = parse_set_cookie(header)) {
      FUZZ_CHECK(!parsed->name.empty(), "parse_set_cookie accepted an empty name");
      if (parsed->path) FUZZ_CHECK(parsed->path->starts_with('/'), "a cookie path not starting with '/'");
      // Only one leading dot is removed (RFC 6265 §5.2.3): "..example.com" keeps one; "Domain=."
      // leaves an empty domain, which the jar stores as host-only.
      if (parsed->domain) (void)domain_matches("www.example.com", *parsed->domain);
      FUZZ_CHECK(!has_control(parsed->name) && !has_control(parsed->value), "a control character accepted");
    }
    (void)parse_cookie_date(header);
    (void)default_cookie_path(header);
    (void)path_matches(header, "/a/");
    (void)jar.set_cookie(lines % 2 ? "https://www.example.com/a/b/c?q" : "http://example.com", header);
  }
  FUZZ_CHECK(jar.size() == jar.stored().size(), "size() and stored() disagree");
  for (const auto& c : jar.stored()) FUZZ_CHECK(!c.domain.empty(), "a cookie stored without a domain");
  for (const char* url : {"https://www.example.com/a/b/c", "http://sub.www.example.com/"})
    FUZZ_CHECK(!has_control(jar.cookie_header(url)), "a control character in a Cookie header");
  (void)jar.cookies_for("https://example.com/a");
  return 0;
}
