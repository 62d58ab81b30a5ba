#pragma once
// Turning parts of gumbo's tree back into strings, as a browser would.
#include <gumbo.h>

#include <string>
#include <string_view>

namespace orbweaver::html {

// The element's name as outerHTML writes it: lower case for HTML, SVG's mixed case restored
// (clipPath, foreignObject). Unknown tags come out lower-cased into scratch.
std::string_view element_name(const GumboElement& element, std::string& scratch);

// outerHTML, following the HTML fragment serialisation algorithm.
void append_outer_html(std::string& out, const GumboNode* node);

// textContent: every descendant text node, concatenated.
void append_text_content(std::string& out, const GumboNode* node);

}  // namespace orbweaver::html
