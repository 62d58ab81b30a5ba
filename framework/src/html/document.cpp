#include "html/document.hpp"

#include "html/dom.hpp"
#include "html/nesting.hpp"
#include "html/xpath.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

namespace orbweaver::html {

arena::~arena() {
  while (last_) {
    block* previous = last_->previous;
    std::free(last_);
    last_ = previous;
  }
}

void* arena::new_block(std::size_t payload, bool make_current) {
  constexpr std::size_t header = (sizeof(block) + alignment - 1) / alignment * alignment;
  void* memory = std::malloc(header + payload);
  if (!memory) std::abort();  // gumbo checks no allocation, and an exception cannot cross its C frames
  auto* b = static_cast<block*>(memory);
  b->previous = last_;
  last_ = b;
  char* start = static_cast<char*>(memory) + header;
  if (make_current) {
    cursor_ = start;
    left_ = payload;
  }
  return start;
}

void* arena::allocate(std::size_t size) {
  size = (std::max<std::size_t>(size, 1) + alignment - 1) / alignment * alignment;
  if (size > left_) {
    // A large request gets a block of its own, so the current block's free space is not lost.
    if (size > next_block_size_ / 2) return new_block(size, false);
    new_block(next_block_size_, true);
    next_block_size_ = std::min(next_block_size_ * 2, max_block_size);
  }
  void* result = cursor_;
  cursor_ += size;
  left_ -= size;
  return result;
}

namespace {

void* arena_allocate(void* userdata, std::size_t size) {
  return static_cast<arena*>(userdata)->allocate(size);
}

void arena_release(void*, void*) {}  // everything goes when the arena does

// Gumbo allocates about three times the input size for a typical page.
std::size_t first_block_size(std::size_t input_size) {
  return std::clamp<std::size_t>(input_size * 4, 4096, std::size_t{1} << 20);
}

std::optional<std::string> find_base_href(const GumboNode* root) {
  std::optional<std::string> href;
  walk(
      root,
      [&](const GumboNode* node) {
        if (href) return false;
        if (!is_element(node)) return node->type == GUMBO_NODE_DOCUMENT;
        const GumboElement& element = node->v.element;
        if (element.tag == GUMBO_TAG_BASE && element.tag_namespace == GUMBO_NAMESPACE_HTML) {
          if (const GumboAttribute* attribute = find_attribute(element, "href")) href = attribute->value;
        }
        return !href;
      },
      [](const GumboNode*) {});
  return href;
}


GumboOutput* parse(std::string_view html, arena& memory) {
  GumboOptions options = kGumboDefaultOptions;
  options.allocator = arena_allocate;
  options.deallocator = arena_release;
  options.userdata = &memory;
  // Errors are never read; recording them costs time, and on deeply nested input each one copies
  // the whole stack of open elements, which exhausts memory.
  options.max_errors = 0;
  return gumbo_parse_with_options(&options, html.data(), html.size());
}

// Gumbo 0.10.1 accumulates a numeric character reference's value in an int with no cap, so a
// value past INT_MAX wraps: "&#11111111111" comes out as a lone 0xC7 byte, "&#4294967361;" as "A".
// The standard caps the value, and anything past U+10FFFF is U+FFFD.
struct numeric_reference {
  std::size_t digits_begin;
  std::size_t digits_end;
  bool hex;
};

std::vector<numeric_reference> find_overflowing_references(std::string_view html) {
  constexpr std::uint64_t gumbo_limit = 0x7FFFFFFF;
  std::vector<numeric_reference> found;
  for (std::size_t at = html.find("&#"); at != std::string_view::npos; at = html.find("&#", at + 2)) {
    std::size_t i = at + 2;
    const bool hex = i < html.size() && (html[i] == 'x' || html[i] == 'X');
    if (hex) ++i;
    const std::size_t digits_begin = i;
    std::uint64_t value = 0;
    for (; i < html.size(); ++i) {
      const char c = html[i];
      int digit;
      if (c >= '0' && c <= '9')
        digit = c - '0';
      else if (hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        digit = (c | 0x20) - 'a' + 10;
      else
        break;
      value = std::min<std::uint64_t>(value * (hex ? 16 : 10) + static_cast<std::uint64_t>(digit), gumbo_limit + 1);
    }
    if (value > gumbo_limit) found.push_back({digits_begin, i, hex});
  }
  return found;
}

struct span {
  std::size_t begin;
  std::size_t end;
};

// The spans sorted, overlapping ones merged: what within() searches.
std::vector<span> sorted_disjoint(std::vector<span> spans) {
  std::sort(spans.begin(), spans.end(), [](const span& a, const span& b) { return a.begin < b.begin; });
  std::vector<span> merged;
  for (const span& s : spans) {
    if (!merged.empty() && s.begin <= merged.back().end)
      merged.back().end = std::max(merged.back().end, s.end);
    else
      merged.push_back(s);
  }
  return merged;
}

// Where a comment, CDATA section or text node stands in the source (nothing for text gumbo made).
void add_source_span(const GumboNode* node, const char* source, std::vector<span>& spans) {
  const GumboStringPiece& text = node->v.text.original_text;
  if (!text.data || text.length == 0) return;
  const auto begin = static_cast<std::size_t>(text.data - source);
  spans.push_back({begin, begin + text.length});
}

// The stretches of source where a character reference is literal text, sorted and disjoint: raw
// text (script, style, ...), comments and CDATA sections.
std::vector<span> literal_spans(const GumboNode* root, const char* source) {
  std::vector<span> spans;
  walk(
      root,
      [&](const GumboNode* node) {
        if (node->type == GUMBO_NODE_COMMENT || node->type == GUMBO_NODE_CDATA ||
            (is_text(node) && holds_raw_text(node->parent)))
          add_source_span(node, source, spans);
        return node->type == GUMBO_NODE_DOCUMENT || is_element(node);
      },
      [](const GumboNode*) {});
  return sorted_disjoint(std::move(spans));
}

bool within(const std::vector<span>& spans, std::size_t offset) {
  auto after = std::upper_bound(spans.begin(), spans.end(), offset,
                                [](std::size_t value, const span& s) { return value < s.begin; });
  return after != spans.begin() && offset < std::prev(after)->end;
}

// Only pages with such references get here. Each reference is rewritten at the same length to a
// value gumbo turns into U+FFFD itself (0x110000, with leading zeros) and the page parsed: the
// wrapped values must not be parsed at all, since one that wraps to -1 is gumbo's end of input.
// Where that tree shows a reference is literal text (script, style, comments), the page's own
// digits are put back and the page parsed again: that changes no structure. Elsewhere (a tag or
// attribute name, a tag cut off by the end of the page) the rewritten digits stay for gumbo.
// Finally the source gets all its own bytes back, so the tree's pointers into it read what the
// page says.
GumboOutput* parse_with_saturated_references(std::string& source, arena& memory,
                                             const std::vector<numeric_reference>& references) {
  std::vector<std::string> digits;
  for (const auto& reference : references) {
    const std::size_t length = reference.digits_end - reference.digits_begin;
    const std::string_view past_last = reference.hex ? "110000" : "1114112";
    digits.push_back(source.substr(reference.digits_begin, length));
    source.replace(reference.digits_begin, length, std::string(length - past_last.size(), '0') + std::string(past_last));
  }
  GumboOutput* output = parse(source, memory);
  const std::vector<span> literal = literal_spans(output->document, source.data());
  bool literal_found = false;
  for (std::size_t k = 0; k < references.size(); ++k) {
    if (!within(literal, references[k].digits_begin)) continue;
    source.replace(references[k].digits_begin, digits[k].size(), digits[k]);
    literal_found = true;
  }
  if (literal_found) output = parse(source, memory);
  for (std::size_t k = 0; k < references.size(); ++k)
    source.replace(references[k].digits_begin, digits[k].size(), digits[k]);
  return output;
}

// Tags gumbo 0.10.1 parses by an older standard than today's, parsed under the name of a tag it
// treats as today's standard treats them, then given their own name back (docs/conformance.md):
// <menuitem> and <isindex> are ordinary elements (gumbo: void, and <isindex> expanded into a form
// with an invented prompt), <dialog> and <search> are blocks whose start tag closes an open <p> and
// whose end tag closes the elements inside (gumbo: unknown), <select> holds any content (gumbo:
// the old "in select" mode; see apply_select_rules). The stand-ins have the same length, so every
// offset into the source stays true. <hgroup> leaves foreign content as these do not (<center>
// would); <progress>, <output> and <acronym> have no parsing rules of their own.
struct renamed_tag {
  std::string_view name;
  std::string_view stand_in;
  GumboTag tag;  // what the element is once renamed back
};
constexpr renamed_tag renamed_tags[] = {
    {"menuitem", "progress", GUMBO_TAG_MENUITEM},
    {"dialog", "hgroup", GUMBO_TAG_UNKNOWN},
    {"search", "hgroup", GUMBO_TAG_UNKNOWN},
    {"select", "output", GUMBO_TAG_SELECT},
    {"isindex", "acronym", GUMBO_TAG_ISINDEX},
};

struct tag_occurrence {
  std::size_t name_begin;  // offset of the name, after "<" or "</"
  const renamed_tag* renamed;
};

bool ends_tag_name(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '/' || c == '>';
}

// Every "<name" and "</name" of a renamed tag, wherever it is: whether it is a tag is for the
// parse to tell (see parse_with_renamed_tags).
std::vector<tag_occurrence> find_renamed_tags(std::string_view html) {
  std::vector<tag_occurrence> found;
  for (std::size_t at = html.find('<'); at != std::string_view::npos; at = html.find('<', at + 1)) {
    std::size_t name = at + 1;
    if (name < html.size() && html[name] == '/') ++name;
    if (name >= html.size()) break;
    const char first = ascii_lower(html[name]);
    if (first != 'm' && first != 'd' && first != 's' && first != 'i') continue;
    for (const renamed_tag& r : renamed_tags) {
      const std::size_t end = name + r.name.size();
      if (end <= html.size() && equals_lowered(html.substr(name, r.name.size()), r.name) &&
          (end == html.size() || ends_tag_name(html[end]))) {
        found.push_back({name, &r});
        break;
      }
    }
  }
  return found;
}

// Where a "<name" is not a tag: comments, CDATA, the text of raw text and RCDATA elements (script,
// style, title, textarea, ...), and attribute values (anywhere inside a start tag but its name).
// Unsorted.
std::vector<span> not_markup_spans(const GumboNode* root, const char* source) {
  std::vector<span> spans;
  walk(
      root,
      [&](const GumboNode* node) {
        if (is_element(node)) {
          const GumboStringPiece& tag = node->v.element.original_tag;
          if (tag.data && tag.length > 2) {  // past "<" and the name's first letter: its attributes
            const auto begin = static_cast<std::size_t>(tag.data - source);
            spans.push_back({begin + 2, begin + tag.length});
          }
          return true;
        }
        const GumboNode* parent = node->parent;
        const bool rcdata = parent && is_element(parent) && parent->v.element.tag_namespace == GUMBO_NAMESPACE_HTML &&
                            (parent->v.element.tag == GUMBO_TAG_TITLE || parent->v.element.tag == GUMBO_TAG_TEXTAREA);
        if (node->type == GUMBO_NODE_COMMENT || node->type == GUMBO_NODE_CDATA ||
            (is_text(node) && (holds_raw_text(parent) || rcdata)))
          add_source_span(node, source, spans);
        return node->type == GUMBO_NODE_DOCUMENT;
      },
      [](const GumboNode*) {});
  return spans;
}

// Parses with every occurrence renamed to its stand-in; where that tree shows an occurrence is not
// markup, its name is put back and the page parsed again (that changes no structure). The source
// then gets all its bytes back, and the elements parsed under a stand-in get their own tag.
template <class Parse>
GumboOutput* parse_with_renamed_tags(std::string& source, std::vector<tag_occurrence> occurrences, Parse parse_page) {
  const std::string original = source;
  for (const tag_occurrence& o : occurrences) source.replace(o.name_begin, o.renamed->stand_in.size(), o.renamed->stand_in);
  GumboOutput* output = parse_page();
  const std::vector<span> not_markup = sorted_disjoint(not_markup_spans(output->document, source.data()));
  const auto first_text = std::partition(occurrences.begin(), occurrences.end(), [&](const tag_occurrence& o) {
    return !within(not_markup, o.name_begin);
  });
  if (first_text != occurrences.end()) {
    for (auto o = first_text; o != occurrences.end(); ++o)
      source.replace(o->name_begin, o->renamed->name.size(), original, o->name_begin, o->renamed->name.size());
    occurrences.erase(first_text, occurrences.end());
    output = parse_page();
  }
  std::memcpy(source.data(), original.data(), source.size());  // in place: the tree points into it
  std::sort(occurrences.begin(), occurrences.end(),
            [](const tag_occurrence& a, const tag_occurrence& b) { return a.name_begin < b.name_begin; });
  walk(
      output->document,
      [&](const GumboNode* visited) {
        if (!is_element(visited)) return visited->type == GUMBO_NODE_DOCUMENT;
        auto* node = const_cast<GumboNode*>(visited);
        const GumboStringPiece& tag = node->v.element.original_tag;
        if (tag.data && tag.length > 1) {
          const auto name_begin = static_cast<std::size_t>(tag.data - source.data()) + 1;
          auto found = std::lower_bound(occurrences.begin(), occurrences.end(), name_begin,
                                        [](const tag_occurrence& o, std::size_t at) { return o.name_begin < at; });
          if (found != occurrences.end() && found->name_begin == name_begin) node->v.element.tag = found->renamed->tag;
        }
        return true;
      },
      [](const GumboNode*) {});
  return output;
}

char* copy_to_arena(arena& memory, std::string_view text) {
  auto* copy = static_cast<char*>(memory.allocate(text.size() + 1));
  std::memcpy(copy, text.data(), text.size());
  copy[text.size()] = '\0';
  return copy;
}

// The DOM has no two adjacent text nodes: the tree construction appends characters to the text
// node before the insertion point. Gumbo inserts text fostered out of a table as nodes of their
// own beside the text already there ("x<table>x" gave "x", "x").
void join_text_runs(GumboVector& children, arena& memory) {
  unsigned kept = 0;
  for (unsigned i = 0; i < children.length;) {
    auto* node = static_cast<GumboNode*>(children.data[i]);
    unsigned end = i + 1;
    if (is_text(node)) {
      while (end < children.length && is_text(child_at(children, end))) ++end;
    }
    if (end - i > 1) {
      std::string joined;
      bool whitespace_only = true;
      for (unsigned k = i; k < end; ++k) {
        const GumboNode* part = child_at(children, k);
        joined += part->v.text.text;
        whitespace_only = whitespace_only && part->type == GUMBO_NODE_WHITESPACE;
      }
      node->v.text.text = copy_to_arena(memory, joined);
      node->type = whitespace_only ? GUMBO_NODE_WHITESPACE : GUMBO_NODE_TEXT;
    }
    node->index_within_parent = kept;
    children.data[kept++] = node;
    i = end;
  }
  children.length = kept;
}

bool is_html(const GumboNode* node, GumboTag tag) {
  return is_element(node) && node->v.element.tag == tag && node->v.element.tag_namespace == GUMBO_NAMESPACE_HTML;
}

GumboVector& children_of(GumboNode* node) {
  return node->type == GUMBO_NODE_DOCUMENT ? node->v.document.children : node->v.element.children;
}

// The elements that end "has an element in scope" (HTML standard, 13.2.4.2).
bool ends_scope(const GumboNode* node) {
  const GumboElement& e = node->v.element;
  switch (e.tag_namespace) {
    case GUMBO_NAMESPACE_HTML:
      return e.tag == GUMBO_TAG_APPLET || e.tag == GUMBO_TAG_CAPTION || e.tag == GUMBO_TAG_HTML ||
             e.tag == GUMBO_TAG_TABLE || e.tag == GUMBO_TAG_TD || e.tag == GUMBO_TAG_TH ||
             e.tag == GUMBO_TAG_MARQUEE || e.tag == GUMBO_TAG_OBJECT || e.tag == GUMBO_TAG_TEMPLATE;
    case GUMBO_NAMESPACE_MATHML:
      return e.tag == GUMBO_TAG_MI || e.tag == GUMBO_TAG_MO || e.tag == GUMBO_TAG_MN || e.tag == GUMBO_TAG_MS ||
             e.tag == GUMBO_TAG_MTEXT || e.tag == GUMBO_TAG_ANNOTATION_XML;
    case GUMBO_NAMESPACE_SVG:
      return e.tag == GUMBO_TAG_FOREIGNOBJECT || e.tag == GUMBO_TAG_DESC || e.tag == GUMBO_TAG_TITLE;
  }
  return false;
}

// The first <select> or <input> inside `select` with `select` still in scope: today's standard
// closes the select at its start tag (a nested <select> is then ignored).
GumboNode* closes_select(GumboNode* select) {
  GumboNode* found = nullptr;
  walk(
      select,
      [&](const GumboNode* node) {
        if (found || !is_element(node)) return false;
        if (node != select && (is_html(node, GUMBO_TAG_SELECT) || is_html(node, GUMBO_TAG_INPUT))) {
          found = const_cast<GumboNode*>(node);
          return false;
        }
        return node == select || !ends_scope(node);
      },
      [](const GumboNode*) {});
  return found;
}

// Takes `from` and everything after it in tree order out of `ancestor`'s subtree: what follows
// a point where the elements open inside `ancestor` were all closed.
std::vector<GumboNode*> take_from(GumboNode* ancestor, GumboNode* from) {
  std::vector<GumboNode*> taken;
  unsigned keep = static_cast<unsigned>(from->index_within_parent);  // `from` itself goes
  for (GumboNode* node = from; node != ancestor; node = node->parent) {
    GumboVector& siblings = children_of(node->parent);
    for (unsigned i = keep; i < siblings.length; ++i) taken.push_back(static_cast<GumboNode*>(siblings.data[i]));
    siblings.length = keep;
    keep = static_cast<unsigned>(node->parent->index_within_parent) + 1;  // the parent stays
  }
  return taken;
}

void insert_after(GumboNode* sibling, const std::vector<GumboNode*>& nodes, arena& memory) {
  GumboNode* parent = sibling->parent;
  GumboVector& children = children_of(parent);
  const unsigned at = static_cast<unsigned>(sibling->index_within_parent) + 1;
  const unsigned length = children.length + static_cast<unsigned>(nodes.size());
  auto** data = static_cast<void**>(memory.allocate(sizeof(void*) * length));
  std::copy(children.data, children.data + at, data);
  std::copy(nodes.begin(), nodes.end(), data + at);
  std::copy(children.data + at, children.data + children.length, data + at + nodes.size());
  children.data = data;
  children.length = children.capacity = length;
  for (unsigned i = 0; i < length; ++i) {
    auto* child = static_cast<GumboNode*>(data[i]);
    child->parent = parent;
    child->index_within_parent = i;
  }
}

// A deep copy of `from`'s children, for `parent`. Nothing is changed until it is complete, so
// `parent` may be inside `from`.
GumboVector cloned_children(const GumboNode* from, GumboNode* parent, arena& memory) {
  const GumboVector& source = from->v.element.children;
  GumboVector copy{nullptr, source.length, source.length};
  if (source.length) copy.data = static_cast<void**>(memory.allocate(sizeof(void*) * source.length));
  for (unsigned i = 0; i < source.length; ++i) {
    auto* child = static_cast<GumboNode*>(memory.allocate(sizeof(GumboNode)));
    *child = *child_at(source, i);
    child->parent = parent;
    child->index_within_parent = i;
    if (is_element(child)) child->v.element.children = cloned_children(child_at(source, i), child, memory);
    copy.data[i] = child;
  }
  return copy;
}

// The option a select shows: the last one marked selected (the first, for <select multiple>),
// otherwise the first that is not disabled.
const GumboNode* shown_option(const GumboNode* select) {
  const bool multiple = find_attribute(select->v.element, "multiple") != nullptr;
  const GumboNode* marked = nullptr;
  const GumboNode* first_enabled = nullptr;
  walk(
      select,
      [&](const GumboNode* node) {
        if (!is_element(node)) return false;
        if (node != select && is_html(node, GUMBO_TAG_OPTION)) {
          if (find_attribute(node->v.element, "selected") && !(multiple && marked)) marked = node;
          if (!first_enabled && !find_attribute(node->v.element, "disabled")) first_enabled = node;
          return false;
        }
        return true;
      },
      [](const GumboNode*) {});
  return marked ? marked : first_enabled;
}

const GumboNode* first_selectedcontent(const GumboNode* select) {
  const GumboNode* found = nullptr;
  walk(
      select,
      [&](const GumboNode* node) {
        if (found || !is_element(node)) return false;
        if (node->v.element.tag == GUMBO_TAG_UNKNOWN && node->v.element.tag_namespace == GUMBO_NAMESPACE_HTML &&
            equals_lowered(source_tag_name(node->v.element), "selectedcontent")) {
          found = node;
          return false;
        }
        return true;
      },
      [](const GumboNode*) {});
  return found;
}

// Gumbo 0.10.1 parses <select> by the old "in select" insertion mode, which drops every tag but
// <option>, <optgroup> and <hr>. Today's standard (customizable select, 2025) parses its content
// as any other, so pages are parsed with <select> under a stand-in (<output>: no rules of its
// own) and these rules of today's standard applied after: a <select> or <input> start tag with a
// select in scope closes it (the nested <select> itself is ignored), and the first
// <selectedcontent> gets a copy of the shown option's content.
void apply_select_rules(GumboNode* root, arena& memory) {
  std::vector<GumboNode*> selects;
  std::size_t nodes = 0;
  walk(
      root,
      [&](const GumboNode* node) {
        ++nodes;
        if (is_html(node, GUMBO_TAG_SELECT)) selects.push_back(const_cast<GumboNode*>(node));
        return node->type == GUMBO_NODE_DOCUMENT || is_element(node);
      },
      [](const GumboNode*) {});
  // In tree order: what a select's closing takes out lands after it, where a later select of the
  // list (or one taken out with it) sees its own content.
  for (std::size_t k = 0; k < selects.size(); ++k) {
    GumboNode* select = selects[k];
    if (!select->parent) continue;  // an ignored nested select, dropped below
    GumboNode* closer = closes_select(select);
    if (!closer) continue;
    std::vector<GumboNode*> taken = take_from(select, closer);
    if (is_html(closer, GUMBO_TAG_SELECT)) {
      const GumboVector& inner = closer->v.element.children;
      taken.erase(taken.begin());
      taken.insert(taken.begin(), reinterpret_cast<GumboNode**>(inner.data),
                   reinterpret_cast<GumboNode**>(inner.data) + inner.length);
      closer->parent = nullptr;
    }
    if (!taken.empty()) insert_after(select, taken, memory);
  }
  // Selects nested in selects (through a table or an object) could each copy everything below
  // them: the copies may add up to as many nodes as the page has, no more.
  std::size_t copies_left = nodes;
  for (GumboNode* select : selects) {
    if (!select->parent) continue;
    const GumboNode* target = first_selectedcontent(select);
    const GumboNode* option = target ? shown_option(select) : nullptr;
    if (!option) continue;
    std::size_t size = 0;
    walk(option, [&](const GumboNode*) { return ++size <= copies_left; }, [](const GumboNode*) {});
    if (size > copies_left) break;
    copies_left -= size;
    auto* content = const_cast<GumboNode*>(target);
    content->v.element.children = cloned_children(option, content, memory);
  }
}

// The tree as the standard builds it from what gumbo gives: text joined, no invented text.
// Gumbo builds text and attribute values code point by code point, replacing invalid input
// with U+FFFD, so they are valid UTF-8 once overflowing references are dealt with (the html fuzz
// target checks it). The tree is still ours to change: the document is not built yet.
void normalise_tree(GumboNode* root, arena& memory) {
  walk(
      root,
      [&](const GumboNode* visited) {
        auto* node = const_cast<GumboNode*>(visited);
        if (node->type == GUMBO_NODE_DOCUMENT) {
          join_text_runs(node->v.document.children, memory);
          return true;
        }
        if (!is_element(node)) return false;
        join_text_runs(node->v.element.children, memory);
        return true;
      },
      [](const GumboNode*) {});
}

}  // namespace

document::document(std::string html) : source_(std::move(html)), arena_(first_block_size(source_.size())) {
  if (auto flattened = flatten_deep_nesting(source_)) source_ = std::move(*flattened);
  const auto overflowing = find_overflowing_references(source_);
  auto parse_page = [&] {
    return overflowing.empty() ? parse(source_, arena_) : parse_with_saturated_references(source_, arena_, overflowing);
  };
  auto renamed = find_renamed_tags(source_);
  const bool has_select = std::any_of(renamed.begin(), renamed.end(),
                                      [](const tag_occurrence& o) { return o.renamed->tag == GUMBO_TAG_SELECT; });
  output_ = renamed.empty() ? parse_page() : parse_with_renamed_tags(source_, std::move(renamed), parse_page);
  if (has_select) apply_select_rules(output_->document, arena_);
  normalise_tree(output_->document, arena_);
  base_href_ = find_base_href(output_->document);
}

document::document(std::string html, const std::vector<source_patch>& after_parse) : document(std::move(html)) {
  // A source that flatten_deep_nesting rewrote no longer has the stand-ins where they were: each
  // patch checks its bytes first, so such an element keeps its stand-in name.
  std::vector<std::size_t> patched;
  for (const source_patch& patch : after_parse)
    if (patch.expected.size() == patch.replacement.size() && patch.offset <= source_.size() &&
        source_.compare(patch.offset, patch.expected.size(), patch.expected) == 0) {
      source_.replace(patch.offset, patch.replacement.size(), patch.replacement);
      patched.push_back(patch.offset);
    }
  std::sort(patched.begin(), patched.end());
  // An element whose start tag's name was patched takes the tag of its own name, so that CSS
  // compares it as it compares that tag anywhere (a name gumbo does not know stays unknown and is
  // read from the source).
  walk(
      output_->document,
      [&](const GumboNode* node) {
        if (!is_element(node)) return node->type == GUMBO_NODE_DOCUMENT;
        auto& element = const_cast<GumboNode*>(node)->v.element;
        if (element.tag == GUMBO_TAG_UNKNOWN && element.original_tag.data) {
          const auto name = static_cast<std::size_t>(element.original_tag.data - source_.data()) + 1;
          if (std::binary_search(patched.begin(), patched.end(), name)) {
            const std::string_view own = source_tag_name(element);
            element.tag = gumbo_tagn_enum(own.data(), static_cast<unsigned>(own.size()));
          }
        }
        return true;
      },
      [](const GumboNode*) {});
}

document::~document() = default;

const html::xpath_tree& document::xpath_tree() const {
  std::call_once(xpath_once_, [this] { xpath_ = std::make_unique<html::xpath_tree>(root()); });
  return *xpath_;
}

}  // namespace orbweaver::html
