#pragma once
// URL helpers over Boost.URL: joining links, canonical form for fingerprints, host extraction.
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace orbweaver::url {

// Resolve a link against a base URL. nullopt for links that cannot be requested, and then `why`
// (when given) tells errc::unsupported_scheme (javascript:, mailto:, data:, tel:, ftp:, ...) from
// errc::bad_url (unparsable, no host, an invalid port or host name). Surrounding whitespace is
// trimmed, inner spaces are percent-encoded, international host names become punycode
// (IDNA2008 with UTS #46, as browsers), the fragment is dropped.
std::optional<std::string> join(std::string_view base, std::string_view href, std::error_code* why = nullptr);

// Checks an absolute request URL: http or https, a host, a valid port. nullopt when unusable
// (with `why` as for join). Returns it normalised (as join would) otherwise.
std::optional<std::string> normalize(std::string_view absolute, std::error_code* why = nullptr);

// Canonical form for duplicate filtering: scheme and host lower-cased, default port dropped,
// fragment dropped, query parameters sorted (stable), empty path as "/".
std::string canonicalize(std::string_view absolute);

// Lower-cased host of an absolute URL (no port); empty if it does not parse.
std::string host(std::string_view absolute);

}  // namespace orbweaver::url
