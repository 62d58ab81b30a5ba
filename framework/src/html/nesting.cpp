#include "html/nesting.hpp"

#include "html/dom.hpp"

#include <array>
#include <cstring>
#include <utility>
#include <vector>

namespace orbweaver::html {
namespace {

bool is_tag_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool ends_tag_name(char c) {
  return c == '>' || c == '/' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

bool is_one_of(std::string_view lowered, std::initializer_list<std::string_view> names) {
  for (auto name : names)
    if (lowered == name) return true;
  return false;
}

// Elements that never hold children.
bool is_void(std::string_view name) {
  return is_one_of(name, {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                          "param", "source", "track", "wbr", "keygen"});
}

// Elements whose end tag may be left out: counting them would mistake a list of unclosed <p>s
// or <li>s for deep nesting. They cannot nest in themselves anyway.
bool has_optional_end(std::string_view name) {
  return is_one_of(name, {"p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "tbody", "thead",
                          "tfoot", "colgroup", "caption", "rb", "rt", "rtc", "rp"});
}

// Elements whose content is text up to their own end tag.
bool is_raw_text(std::string_view name) {
  return is_one_of(name, {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"});
}

// Position just past the '>' closing a tag that starts at `from`, honouring quoted attribute
// values; html.size() when the tag never closes.
std::size_t tag_end(std::string_view html, std::size_t from) {
  char quote = 0;
  for (std::size_t i = from; i < html.size(); ++i) {
    const char c = html[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '>') {
      return i + 1;
    }
  }
  return html.size();
}

// Position of the "</name" that ends a raw-text element, or html.size().
std::size_t raw_text_end(std::string_view html, std::size_t from, std::string_view name) {
  for (std::size_t i = html.find("</", from); i != std::string_view::npos; i = html.find("</", i + 2)) {
    if (equals_lowered(html.substr(i + 2, name.size()), name)) return i;
  }
  return html.size();
}

}  // namespace

namespace {

// A change to the page: [begin, end) becomes `closes` followed by the end tag of that name.
struct edit {
  std::size_t begin, end;
  std::string_view closes;  // empty: the range is dropped
};

}  // namespace

std::optional<std::string> flatten_deep_nesting(std::string_view html, std::size_t max_depth) {
  std::vector<edit> edits;
  std::size_t depth = 0;          // open elements kept
  std::size_t dropped_open = 0;   // open elements whose start tag was left out
  std::size_t at = 0;
  while (true) {
    const void* found = std::memchr(html.data() + at, '<', html.size() - at);
    if (!found) break;
    const std::size_t begin = static_cast<const char*>(found) - html.data();
    const std::string_view rest = html.substr(begin);
    if (rest.starts_with("<!--")) {
      const std::size_t close = html.find("-->", begin + 4);
      at = close == std::string_view::npos ? html.size() : close + 3;
      continue;
    }
    if (rest.starts_with("<!") || rest.starts_with("<?")) {
      at = tag_end(html, begin + 2);
      continue;
    }
    const bool closing = rest.starts_with("</");
    const std::size_t name_begin = begin + (closing ? 2 : 1);
    if (name_begin >= html.size() || !is_tag_name_start(html[name_begin])) {
      at = begin + 1;  // a stray '<' in text
      continue;
    }
    std::size_t name_end = name_begin;
    while (name_end < html.size() && !ends_tag_name(html[name_end])) ++name_end;
    // Every name the lists above hold is short; a longer one is an ordinary element.
    std::array<char, 10> lowered{};
    const std::size_t name_length = name_end - name_begin;
    std::string_view name = "-";
    if (name_length <= lowered.size()) {
      for (std::size_t i = 0; i < name_length; ++i) lowered[i] = text::ascii_lower(html[name_begin + i]);
      name = std::string_view(lowered.data(), name_length);
    }
    const std::size_t end = tag_end(html, name_end);
    at = end;
    if (is_void(name) || has_optional_end(name)) continue;
    if (closing) {
      if (dropped_open > 0) {
        --dropped_open;
        edits.push_back({begin, end, {}});
      } else if (depth > 0) {
        --depth;
      }
      continue;
    }
    if (end >= 2 && html[end - 2] == '/') continue;  // <x/>: no content follows it
    if (is_raw_text(name)) {
      at = raw_text_end(html, end, name);
      continue;
    }
    if (depth < max_depth) {
      ++depth;
    } else {
      ++dropped_open;
      edits.push_back({begin, end, html.substr(name_begin, name_end - name_begin)});
    }
  }
  if (edits.empty()) return std::nullopt;

  std::string flattened;
  flattened.reserve(html.size() + edits.size() * 8);
  std::size_t copied = 0;
  for (const auto& e : edits) {
    flattened.append(html.substr(copied, e.begin - copied));
    if (!e.closes.empty()) flattened.append(html.substr(e.begin, e.end - e.begin)).append("</").append(e.closes).append(">");
    copied = e.end;
  }
  flattened.append(html.substr(copied));
  return flattened;
}

}  // namespace orbweaver::html
