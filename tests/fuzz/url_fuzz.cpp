// URLs come from pages (href, <base href>, Location headers): join, normalize, canonicalize,
// host and split over arbitrary bytes. Input: the base URL, a newline, the link (no newline: all
// base, empty link). Failures are values (nullopt with errc::bad_url or errc::unsupported_scheme),
// never exceptions, so none is caught here. Round-trip invariants: parse -> serialise -> parse is
// stable (with and without the fragment), a joined path has no dot segments, and the host the
// resolver gets (url::split of the request URL) is the host the policies saw (url::host).
#include "fuzz_check.hpp"

#include "core/url_record.hpp"

#include <orbweaver/error.hpp>
#include <orbweaver/url.hpp>

#include <cctype>
#include <cstdint>
#include <string_view>

namespace {

namespace url = orbweaver::url;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

// A "." or ".." segment in any spelling the parser would have resolved.
bool has_dot_segment(std::string_view path) {
  while (!path.empty()) {
    path.remove_prefix(1);  // the '/'
    std::string_view segment = path.substr(0, path.find('/'));
    for (std::string_view dot : {".", "%2e", "..", ".%2e", "%2e.", "%2e%2e"})
      if (iequals(segment, dot)) return true;
    path.remove_prefix(segment.size());
  }
  return false;
}

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
    FUZZ_CHECK(url::normalize(canonical) == canonical, "normalize changed a canonical URL");
    const auto parts = url::split(*joined);
    FUZZ_CHECK(parts.has_value(), "split refused what join returned");
    FUZZ_CHECK(!has_dot_segment(parts->path), "join left a dot segment in the path");
    FUZZ_CHECK(!parts->host.empty(), "no host in what join returned");
    FUZZ_CHECK(url::host(*joined) == parts->host, "the policies' host is not the resolver's");
  } else {
    FUZZ_CHECK(is_failure_reason(why), "join failed without a documented reason");
  }

  // With the fragment kept: serialise -> parse -> serialise is stable.
  orbweaver::errc reason{};
  const auto base_record = orbweaver::url::detail::parse(base, nullptr, reason);
  if (const auto parsed = orbweaver::url::detail::parse(href, base_record ? &*base_record : nullptr, reason)) {
    const std::string href_text = parsed->serialize();
    const auto again = orbweaver::url::detail::parse(href_text, nullptr, reason);
    FUZZ_CHECK(again.has_value(), "a serialised URL does not parse");
    FUZZ_CHECK(again->serialize() == href_text, "parse -> serialise is not stable");
    FUZZ_CHECK(again->host == parsed->host && again->path == parsed->path && again->query == parsed->query &&
                   again->fragment == parsed->fragment && again->port == parsed->port,
               "a component changed on the second parse");
  }

  why.clear();
  if (const auto normalized = url::normalize(input, &why)) {
    FUZZ_CHECK(is_requestable(*normalized), "normalize returned a URL that cannot be requested");
    // A policy reading the host of the URL as written sees the host that will be resolved.
    FUZZ_CHECK(url::host(input) == url::request_host(*normalized), "host() disagrees with the request's host");
  } else
    FUZZ_CHECK(is_failure_reason(why), "normalize failed without a documented reason");

  (void)url::canonicalize(input);
  (void)url::host(input);
  (void)url::join(href, base);  // the other way round, with the link as base
  return 0;
}
