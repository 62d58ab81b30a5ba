#pragma once
// The WHATWG URL Standard's basic URL parser for the special schemes a crawler requests (http and
// https), behind url.hpp. Exposed for the conformance tests, which compare every component.
#include <orbweaver/error.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace orbweaver::url::detail {

// A parsed http(s) URL, each component already percent-encoded as the standard serialises it.
struct record {
  bool https = false;
  std::string username;
  std::string password;
  std::string host;                     // a domain (ASCII, lower case), dotted IPv4, or [IPv6]
  std::optional<std::uint16_t> port;    // absent when it is the scheme's default
  std::string path = "/";               // never empty for http(s)
  std::optional<std::string> query;     // without '?'
  std::optional<std::string> fragment;  // without '#'

  // The href: the serialisation, with the fragment only when `with_fragment`.
  std::string serialize(bool with_fragment = true) const;
};

// Parses `input` against `base` (null: no base). On failure returns nullopt and sets `why`:
// errc::unsupported_scheme when the input names another scheme (or is relative with no base),
// errc::bad_url otherwise.
std::optional<record> parse(std::string_view input, const record* base, errc& why);

// The value of a hexadecimal digit, -1 for another character.
int hex_value(char c);

// The host of an absolute http(s) URL as parse() would give it, without parsing the path,
// query and fragment; nullopt when parse() would fail on the scheme or authority.
std::optional<std::string> parse_host_only(std::string_view input);

}  // namespace orbweaver::url::detail
