#pragma once
// URLs as browsers read them: the WHATWG URL Standard's parser for http and https (what a
// browser does with an href), the canonical form the duplicate filter compares, and the parts of
// a URL that every component reads from one serialisation, so that they agree on the host.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace orbweaver::url {

// Resolve a link against a base URL as a browser does (WHATWG URL Standard): leading and trailing
// C0 controls and spaces are stripped, tabs and newlines removed, '\' read as '/', "http:foo"
// relative to an http base, dot segments ("..", "%2e") removed, characters percent-encoded per
// component (a stray '%' is kept, an existing escape such as %2F is never decoded), hosts
// percent-decoded, mapped by UTS #46 to punycode (ICU) and checked again, IPv4 in any form
// ("0x7f.1") written as dotted decimal, IPv6 compressed, the default port and the fragment
// dropped. nullopt for links that cannot be requested, and then `why` (when given) tells
// errc::unsupported_scheme (javascript:, mailto:, data:, tel:, ftp:, ...) from errc::bad_url
// (unparsable, no host, an invalid port or host name).
std::optional<std::string> join(std::string_view base, std::string_view href, std::error_code* why = nullptr);

// An absolute http(s) URL parsed and serialised as join does. nullopt when unusable (with `why`
// as for join). What join and normalize return, normalize returns unchanged.
std::optional<std::string> normalize(std::string_view absolute, std::error_code* why = nullptr);

// Canonical form for duplicate filtering: two URLs with one canonical form are one resource.
// Applied to the normalized URL (the input is normalized first; input that does not parse is
// returned unchanged), rule by rule:
//   1. scheme and host as normalize writes them (lower case, punycode, IPv4 dotted, default port
//      dropped), userinfo kept, fragment dropped;
//   2. path: escapes of unreserved characters (ALPHA DIGIT - . _ ~) decoded (RFC 3986 §6.2.2.2),
//      every other escape kept and upper-cased, so "a%2Fb" and "a/b" stay two URLs; a '%' that
//      starts no escape written "%25";
//   3. query as w3lib's canonicalize_url (keep_blank_values): split at '&' and ';', empty fields
//      dropped, a name without '=' given an empty value, '+' read as space, escapes decoded, the
//      (name, value) pairs sorted bytewise by name then value, written back with '&' and '='
//      and every byte but ALPHA DIGIT - . _ ~ percent-encoded (space as '+'); an empty query
//      ("?" alone) is dropped.
std::string canonicalize(std::string_view absolute);

// The host of an absolute http(s) URL as normalize writes it (lower case, punycode, dotted IPv4,
// bracketed IPv6; no port); empty if it does not parse.
std::string host(std::string_view absolute);

// The parts of a URL that join or normalize returned, as views into it: no copy and no checks
// (split a URL that did not come from them and the parts are what its text says). The downloader,
// offsite, robots.txt and the slot key read the host from here, the host that was resolved.
struct parts {
  bool https = false;
  std::string_view userinfo;  // "user:password", empty when none
  std::string_view host;      // domain, dotted IPv4 or [IPv6]
  std::uint16_t port = 0;     // the explicit port, else the scheme's default
  std::string_view authority; // host, and ":port" when explicit
  std::string_view path;      // starts with '/'
  std::string_view target;    // path and "?query": the request line's target
  std::optional<std::string_view> query;  // without '?'
};
std::optional<parts> split(std::string_view normalized);

// split(normalized)->host: the host of a request URL, empty when it has none.
std::string_view request_host(std::string_view normalized);

}  // namespace orbweaver::url
