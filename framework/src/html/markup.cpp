#include "html/markup.hpp"

#include "core/text.hpp"

#include <algorithm>

namespace orbweaver::html {

std::optional<markup_attribute> next_attribute(std::string_view text, std::size_t& i) {
  while (i < text.size() && (text::is_html_space(text[i]) || text[i] == '/')) ++i;
  if (i >= text.size() || text[i] == '>') return std::nullopt;
  const std::size_t name_start = i;
  ++i;  // a leading '=' belongs to the name
  while (i < text.size() && text[i] != '=' && text[i] != '/' && text[i] != '>' && !text::is_html_space(text[i])) ++i;
  markup_attribute attribute{text.substr(name_start, i - name_start), {}};
  const std::size_t after_name = i;
  while (i < text.size() && text::is_html_space(text[i])) ++i;
  if (i >= text.size() || text[i] != '=') {
    i = after_name;
    return attribute;
  }
  ++i;
  while (i < text.size() && text::is_html_space(text[i])) ++i;
  if (i < text.size() && (text[i] == '"' || text[i] == '\'')) {
    const char quote = text[i++];
    const std::size_t end = std::min(text.find(quote, i), text.size());
    attribute.value = text.substr(i, end - i);
    i = end + 1;
  } else {
    const std::size_t start = i;
    while (i < text.size() && !text::is_html_space(text[i]) && text[i] != '>') ++i;
    attribute.value = text.substr(start, i - start);
  }
  return attribute;
}

void append_utf8(std::string& out, char32_t code_point) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

}  // namespace orbweaver::html
