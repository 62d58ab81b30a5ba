#pragma once
// A cap on element nesting before gumbo sees a page. Gumbo 0.10.1 walks its whole stack of open
// elements for many start tags, so parsing is quadratic in depth (100,000 nested <div>s take
// about 11 s); browsers cap depth for the same reason (Chrome at 512), keeping the content.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace orbweaver::html {

constexpr std::size_t max_nesting_depth = 512;

// nullopt when no element nests deeper than max_depth (the common case, a single cheap scan).
// Otherwise the page with each element beyond that depth closed right after its start tag and
// its own end tag left out: as in Chrome, such elements and their content become siblings at the
// deepest level allowed, so nothing is lost but the nesting.
std::optional<std::string> flatten_deep_nesting(std::string_view html,
                                                std::size_t max_depth = max_nesting_depth);

}  // namespace orbweaver::html
