#pragma once
// URL helpers over Boost.URL: joining links, canonical form for fingerprints, host extraction.
#include <optional>
#include <string>
#include <string_view>

namespace orbweaver::url {

// Resolve a link against a base URL. nullopt for links that cannot be requested: javascript:,
// mailto:, data:, tel:, empty, unparsable, non-http(s) results, or an absolute URL without host.
// Surrounding whitespace is trimmed, inner spaces are percent-encoded, the fragment is dropped.
std::optional<std::string> join(std::string_view base, std::string_view href);

// Checks an absolute request URL: http or https, a host, a valid port. nullopt when unusable.
// Returns it normalised (as join would) otherwise.
std::optional<std::string> normalize(std::string_view absolute);

// Canonical form for duplicate filtering: scheme and host lower-cased, default port dropped,
// fragment dropped, query parameters sorted (stable), empty path as "/".
std::string canonicalize(std::string_view absolute);

// Lower-cased host of an absolute URL (no port); empty if it does not parse.
std::string host(std::string_view absolute);

}  // namespace orbweaver::url
