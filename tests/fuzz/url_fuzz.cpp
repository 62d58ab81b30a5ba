// URLs come from pages (href, <base href>, Location headers): join, normalize, canonicalize and
// host over arbitrary bytes. Input: the base URL, a newline, the link (no newline: all base, empty
// link). Failures are values (nullopt with errc::bad_url or errc::unsupported_scheme), never
// exceptions, so none is caught here.
#include "fuzz_check.hpp"

#include <orbweaver/error.hpp>
#include <orbweaver/url.hpp>

#include <cstdint>
#include <string_view>

namespace {

bool is_failure_reason(std::error_code why) {
  return why == orbweaver::errc::bad_url || why == orbweaver::errc::unsupported_scheme;
}

// What join and normalize return: an http(s) URL of printable ASCII without a fragment.
bool is_requestable(std::string_view u) {
  if (!u.starts_with("http://") && !u.starts_with("https://")) return false;
  for (unsigned char c : u)
    if (c <= 0x20 || c >= 0x7f || c == '#') return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace url = orbweaver::url;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto newline = input.find('\n');
  const std::string_view base = input.substr(0, newline);
  const std::string_view href = newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);

  std::error_code why;
  if (const auto joined = url::join(base, href, &why)) {
    FUZZ_CHECK(is_requestable(*joined), "join returned a URL that cannot be requested");
    std::error_code again;
    const auto normalized = url::normalize(*joined, &again);
    FUZZ_CHECK(normalized.has_value(), "normalize refused what join returned");
    FUZZ_CHECK(*normalized == *joined, "normalize changed what join returned");
    const std::string canonical = url::canonicalize(*joined);
    FUZZ_CHECK(url::canonicalize(canonical) == canonical, "canonicalize is not idempotent");
    FUZZ_CHECK(!url::host(*joined).empty(), "no host in what join returned");
  } else {
    FUZZ_CHECK(is_failure_reason(why), "join failed without a documented reason");
  }

  why.clear();
  if (const auto normalized = url::normalize(input, &why))
    FUZZ_CHECK(is_requestable(*normalized), "normalize returned a URL that cannot be requested");
  else
    FUZZ_CHECK(is_failure_reason(why), "normalize failed without a documented reason");

  (void)url::canonicalize(input);
  (void)url::host(input);
  (void)url::join(href, base);  // the other way round, with the link as base
  return 0;
}
