#pragma once
// Small readers of raw markup shared by the code that looks at a page before (or instead of)
// parsing it: the charset prescan, the meta refresh scan and the CSS parser's escapes.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace orbweaver::html {

struct markup_attribute {
  std::string_view name;
  std::string_view value;  // as written: character references not decoded
};

// The next attribute of a tag, as the HTML tokenizer reads it: i is just past the tag name (or the
// previous attribute) and is left past this one; nullopt at the tag's '>' or the end of the text.
std::optional<markup_attribute> next_attribute(std::string_view text, std::size_t& i);

// Appends a code point as UTF-8. The caller replaces what must not appear (NUL, surrogates).
void append_utf8(std::string& out, char32_t code_point);

}  // namespace orbweaver::html
