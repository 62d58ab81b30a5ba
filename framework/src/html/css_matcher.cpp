#include "html/css_matcher.hpp"

#include "html/dom.hpp"
#include "html/serialize.hpp"

#include <cstdint>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace orbweaver::html {

namespace {

bool is_whitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

bool same_text(std::string_view a, std::string_view b, bool ignore_case) {
  if (a.size() != b.size()) return false;
  if (!ignore_case) return a == b;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

bool contains_text(std::string_view haystack, std::string_view needle, bool ignore_case) {
  if (!ignore_case) return haystack.find(needle) != std::string_view::npos;
  for (std::size_t start = 0; start + needle.size() <= haystack.size(); ++start)
    if (same_text(haystack.substr(start, needle.size()), needle, true)) return true;
  return false;
}

bool attribute_matches(const GumboElement& element, const css::attribute_test& test) {
  const GumboAttribute* attribute = find_attribute(element, test.name);
  if (!attribute) return false;
  const std::string_view value = attribute->value;
  const std::string_view wanted = test.value;
  const bool ignore_case = test.ignore_case;
  switch (test.op) {
    case css::attribute_operator::exists:
      return true;
    case css::attribute_operator::equals:
      return same_text(value, wanted, ignore_case);
    case css::attribute_operator::includes:
      for (std::size_t i = 0; i < value.size();) {
        while (i < value.size() && is_whitespace(value[i])) ++i;
        std::size_t end = i;
        while (end < value.size() && !is_whitespace(value[end])) ++end;
        if (end > i && same_text(value.substr(i, end - i), wanted, ignore_case)) return true;
        i = end;
      }
      return false;
    case css::attribute_operator::dash_match:
      return same_text(value, wanted, ignore_case) ||
             (value.size() > wanted.size() && value[wanted.size()] == '-' &&
              same_text(value.substr(0, wanted.size()), wanted, ignore_case));
    case css::attribute_operator::prefix:
      return !wanted.empty() && value.size() >= wanted.size() &&
             same_text(value.substr(0, wanted.size()), wanted, ignore_case);
    case css::attribute_operator::suffix:
      return !wanted.empty() && value.size() >= wanted.size() &&
             same_text(value.substr(value.size() - wanted.size()), wanted, ignore_case);
    case css::attribute_operator::substring:
      return !wanted.empty() && contains_text(value, wanted, ignore_case);
  }
  return false;
}

bool same_type(const GumboElement& a, const GumboElement& b) {
  if (a.tag != b.tag || a.tag_namespace != b.tag_namespace) return false;
  return a.tag != GUMBO_TAG_UNKNOWN || same_text(source_tag_name(a), source_tag_name(b), true);
}

// 1-based position among element siblings (of the same type when asked), from either end.
int position_of(const GumboNode* node, const css::position_test& test) {
  const GumboNode* parent = node->parent;
  if (!parent) return 1;
  const GumboVector& siblings = *child_nodes(parent);
  const unsigned index = static_cast<unsigned>(node->index_within_parent);
  const unsigned begin = test.from_end ? index + 1 : 0;
  const unsigned end = test.from_end ? siblings.length : index;
  int position = 1;
  for (unsigned i = begin; i < end; ++i) {
    const GumboNode* sibling = child_at(siblings, i);
    if (is_element(sibling) && (!test.of_type || same_type(sibling->v.element, node->v.element))) ++position;
  }
  return position;
}

// :empty as in Selectors 3: no element and no text children, whitespace included; comments allowed.
bool has_no_content(const GumboNode* node) {
  const GumboVector& children = node->v.element.children;
  for (unsigned i = 0; i < children.length; ++i) {
    const GumboNode* child = child_at(children, i);
    if (is_element(child) || is_text(child)) return false;
  }
  return true;
}

const GumboNode* parent_element(const GumboNode* node) {
  const GumboNode* parent = node->parent;
  return parent && is_element(parent) ? parent : nullptr;
}

const GumboNode* previous_element(const GumboNode* node) {
  const GumboNode* parent = node->parent;
  if (!parent) return nullptr;
  const GumboVector& siblings = *child_nodes(parent);
  for (unsigned i = static_cast<unsigned>(node->index_within_parent); i-- > 0;)
    if (is_element(child_at(siblings, i))) return child_at(siblings, i);
  return nullptr;
}

// :root: the document element (the <html> the parser always creates).
bool is_root(const GumboNode* node) { return node->parent && node->parent->type == GUMBO_NODE_DOCUMENT; }

// :checked as cssselect's HTML translator and the HTML standard's attribute defaults have it: a
// checkbox or radio button with the checked attribute, an option with the selected attribute.
bool is_checked(const GumboNode* node) {
  const GumboElement& element = node->v.element;
  if (element.tag == GUMBO_TAG_OPTION) return find_attribute(element, "selected") != nullptr;
  if (element.tag != GUMBO_TAG_INPUT || !find_attribute(element, "checked")) return false;
  const GumboAttribute* type = find_attribute(element, "type");
  return type && (equals_lowered(type->value, "checkbox") || equals_lowered(type->value, "radio"));
}

// :lang(): the nearest lang attribute of the element or an ancestor, matched per range ignoring
// case, whole or up to a '-' ("en" matches "en" and "EN-us", not "eng"). No lang at all: no match.
bool language_matches(const GumboNode* node, const std::vector<std::string>& ranges) {
  for (; node; node = parent_element(node)) {
    const GumboAttribute* lang = find_attribute(node->v.element, "lang");
    if (!lang) continue;
    const std::string_view value = lang->value;
    for (const std::string& range : ranges)
      if (value.size() >= range.size() && equals_lowered(value.substr(0, range.size()), range) &&
          (value.size() == range.size() || value[range.size()] == '-'))
        return true;
    return false;
  }
  return false;
}

// cssselect's :contains(): the element's text content (every text node inside it, joined) contains
// the text, case-sensitively.
bool text_contains(const GumboNode* node, const std::vector<std::string>& texts) {
  thread_local std::string content;
  content.clear();
  append_text_content(content, node);
  for (const std::string& wanted : texts)
    if (content.find(wanted) == std::string::npos) return false;
  return true;
}

// Whether node stands in `link` to anchor (anchor on the left of the combinator).
bool related(css::combinator link, const GumboNode* anchor, const GumboNode* node) {
  switch (link) {
    case css::combinator::descendant:
      for (const GumboNode* up = node->parent; up; up = up->parent)
        if (up == anchor) return true;
      return false;
    case css::combinator::child:
      return node->parent == anchor;
    case css::combinator::adjacent:
      return previous_element(node) == anchor;
    case css::combinator::sibling:
      return node->parent == anchor->parent && anchor->index_within_parent < node->index_within_parent;
  }
  return false;
}

// Selectors inside functional pseudo-classes, matched right to left against the whole document.
// For :has(), anchor is the element being tested: the selector's first compound must stand in
// `leading` to it.
class nested_match {
 public:
  explicit nested_match(const GumboNode* scope, const GumboNode* anchor = nullptr,
                        css::combinator leading = css::combinator::descendant)
      : scope_(scope), anchor_(anchor), leading_(leading), boundary_(boundary_of(anchor, leading)) {}

  bool whole(const css::complex_selector& selector, const GumboNode* node) const {
    return complex(selector, selector.compounds.size() - 1, node);
  }

 private:
  using key = std::pair<const css::compound*, const GumboNode*>;
  struct key_hash {
    std::size_t operator()(const key& k) const {
      return std::hash<const void*>{}(k.first) * 31 + std::hash<const void*>{}(k.second);
    }
  };

  // Where a relative selector's elements end: inside the anchor (' ', '>'), or inside its parent
  // ('+', '~'); climbing further cannot find a match.
  static const GumboNode* boundary_of(const GumboNode* anchor, css::combinator leading) {
    if (!anchor) return nullptr;
    return leading == css::combinator::descendant || leading == css::combinator::child ? anchor : anchor->parent;
  }

  const GumboNode* parent(const GumboNode* node) const {
    const GumboNode* up = parent_element(node);
    return up == boundary_ ? nullptr : up;
  }

  // Whether node matches steps 0..k of the selector.
  bool complex(const css::complex_selector& selector, std::size_t k, const GumboNode* node) const {
    if (!matches(selector.compounds[k], node, scope_)) return false;
    if (k == 0) return !anchor_ || related(leading_, anchor_, node);
    switch (selector.combinators[k - 1]) {
      case css::combinator::descendant:
        return some_before(selector, k - 1, node, false);
      case css::combinator::child: {
        const GumboNode* up = parent(node);
        return up && complex(selector, k - 1, up);
      }
      case css::combinator::adjacent: {
        const GumboNode* previous = previous_element(node);
        return previous && complex(selector, k - 1, previous);
      }
      case css::combinator::sibling:
        return some_before(selector, k - 1, node, true);
    }
    return false;
  }

  // Whether an ancestor (or, for siblings, an earlier sibling) of node matches steps 0..k. Each
  // answer "no, neither this element nor any further one" is remembered, so a chain of ' ' or '~'
  // steps costs (steps × depth) instead of trying every placement of the steps on the ancestors,
  // which is exponential in the number of steps.
  bool some_before(const css::complex_selector& selector, std::size_t k, const GumboNode* node, bool siblings) const {
    auto& exhausted = siblings ? no_earlier_sibling_ : no_ancestor_;
    const GumboNode* first = siblings ? previous_element(node) : parent(node);
    const GumboNode* stop = nullptr;  // the first element already known to lead nowhere
    for (const GumboNode* at = first; at; at = siblings ? previous_element(at) : parent(at)) {
      if (exhausted.count({&selector.compounds[k], at})) {
        stop = at;
        break;
      }
      if (complex(selector, k, at)) return true;
    }
    for (const GumboNode* at = first; at != stop; at = siblings ? previous_element(at) : parent(at))
      exhausted.insert({&selector.compounds[k], at});
    return false;
  }

  const GumboNode* scope_;
  const GumboNode* anchor_;
  css::combinator leading_;
  const GumboNode* boundary_;
  mutable std::unordered_set<key, key_hash> no_ancestor_;
  mutable std::unordered_set<key, key_hash> no_earlier_sibling_;
};

bool any_alternative(const css::nested_selectors& nested, const GumboNode* node, const GumboNode* scope) {
  const nested_match match(scope);
  for (const auto& alternative : nested.alternatives)
    if (match.whole(alternative, node)) return true;
  return false;
}

// :has(): looks for a match where the relative selector can reach: inside the element for ' ' and
// '>', in its later siblings (and inside them, when the selector goes on) for '+' and '~'.
bool has_relative(const css::nested_selectors& nested, const GumboNode* node, const GumboNode* scope) {
  for (std::size_t i = 0; i < nested.alternatives.size(); ++i) {
    const css::complex_selector& alternative = nested.alternatives[i];
    const nested_match match(scope, node, nested.leading[i]);
    const bool single = alternative.compounds.size() == 1;
    bool found = false;
    // top and, when asked, everything inside it; the element itself is never a candidate.
    auto search = [&](const GumboNode* top, bool with_descendants) {
      if (!with_descendants) {
        found = match.whole(alternative, top);
        return;
      }
      walk(
          top,
          [&](const GumboNode* candidate) {
            if (found || !is_element(candidate)) return false;
            found = candidate != node && match.whole(alternative, candidate);
            return !found;
          },
          [](const GumboNode*) {});
    };
    const GumboVector* children = child_nodes(node);
    switch (nested.leading[i]) {
      case css::combinator::descendant:
        search(node, true);
        break;
      case css::combinator::child:
        if (single) {
          for (unsigned c = 0; c < children->length && !found; ++c) {
            const GumboNode* child = child_at(*children, c);
            found = is_element(child) && match.whole(alternative, child);
          }
        } else {
          search(node, true);
        }
        break;
      case css::combinator::adjacent:
      case css::combinator::sibling: {
        const GumboNode* parent = node->parent;
        if (!parent) break;
        const GumboVector& siblings = *child_nodes(parent);
        for (unsigned s = static_cast<unsigned>(node->index_within_parent) + 1; s < siblings.length && !found; ++s) {
          const GumboNode* sibling = child_at(siblings, s);
          if (!is_element(sibling)) continue;
          search(sibling, !single);
          if (single && nested.leading[i] == css::combinator::adjacent) break;
        }
        break;
      }
    }
    if (found) return true;
  }
  return false;
}

bool nested_matches(const css::nested_selectors& nested, const GumboNode* node, const GumboNode* scope) {
  switch (nested.test) {
    case css::nested_selectors::kind::any:
      return any_alternative(nested, node, scope);
    case css::nested_selectors::kind::none:
      return !any_alternative(nested, node, scope);
    case css::nested_selectors::kind::has:
      return has_relative(nested, node, scope);
  }
  return false;
}

// What the walk knows about one open element (or the document, or the scope's outside).
struct level {
  std::uint64_t own = 0;               // state bits the element itself matched
  std::uint64_t inherited = 0;         // own bits of it and its ancestors inside the scope
  std::uint64_t previous_sibling = 0;  // own bits of the element child visited last
  std::uint64_t earlier_siblings = 0;  // own bits of every element child visited so far
  bool wants_text = false;             // a ::text alternative matched: emit its text children
};

// What :scope names: the element the query runs from; from the document, its root element.
const GumboNode* scope_element_of(const GumboNode* scope) {
  if (scope->type != GUMBO_NODE_DOCUMENT) return scope;
  const GumboVector& children = scope->v.document.children;
  for (unsigned i = 0; i < children.length; ++i)
    if (is_element(child_at(children, i))) return child_at(children, i);
  return nullptr;
}

}  // namespace

bool matches(const css::compound& compound, const GumboNode* node, const GumboNode* scope) {
  const GumboElement& element = node->v.element;
  if (compound.tag != GUMBO_TAG_LAST) {
    if (element.tag != compound.tag) return false;
    if (compound.tag == GUMBO_TAG_UNKNOWN && !equals_lowered(source_tag_name(element), compound.tag_name))
      return false;
  }
  for (const auto& test : compound.attributes)
    if (!attribute_matches(element, test)) return false;
  for (const auto& test : compound.positions)
    if (!test.matches(position_of(node, test))) return false;
  if (compound.must_be_empty && !has_no_content(node)) return false;
  if (compound.must_be_root && !is_root(node)) return false;
  if (compound.must_be_scope && node != scope) return false;
  if (compound.must_be_checked && !is_checked(node)) return false;
  for (const auto& ranges : compound.languages)
    if (!language_matches(node, ranges)) return false;
  if (!compound.contained_texts.empty() && !text_contains(node, compound.contained_texts)) return false;
  for (const auto& nested : compound.nested)
    if (!nested_matches(nested, node, scope)) return false;
  return true;
}

// One pass over the scope in document order. Each element records, as bits, which compound
// selectors with a combinator to their right it matches "so far" (the whole selector prefix
// ending at that compound). An element then matches compound k when it matches k itself and the
// bit of compound k-1 is set where the combinator looks: on an ancestor (inherited), the parent,
// the previous element sibling or any earlier one. Every element is tested once per compound,
// so the cost is linear in the tree whatever the selector's shape or the depth.
std::string describe_query(std::string_view query) { return "css(\"" + std::string(query) + "\")"; }

selector_list select(const std::shared_ptr<const document>& doc, const GumboNode* scope,
                     const css::selector_group& group) {
  selector_list results;
  std::vector<level> levels;
  levels.reserve(32);
  levels.emplace_back();  // outside the scope: nothing matched there
  std::vector<const css::complex_selector*> attribute_matches_here;
  bool in_scope = true;
  const GumboNode* const scope_element = scope_element_of(scope);

  auto enter = [&](const GumboNode* node) {
    if (is_text(node)) {
      if (levels.back().wants_text) results.emplace_back(nullptr, std::string(node->v.text.text), selector::kind::text);
      return false;
    }
    if (node->type == GUMBO_NODE_DOCUMENT) {
      levels.emplace_back();
      return true;
    }
    if (!is_element(node)) return false;

    const level& parent = levels.back();
    level current;
    bool element_matched = false;
    attribute_matches_here.clear();
    for (const auto& alternative : group.alternatives) {
      const std::size_t last = alternative.compounds.size() - 1;
      for (std::size_t k = 0; k <= last; ++k) {
        if (k == 0 && !in_scope) continue;  // the first step starts inside the scope
        if (k > 0) {
          std::uint64_t context = 0;
          switch (alternative.combinators[k - 1]) {
            case css::combinator::descendant:
              context = parent.inherited;
              break;
            case css::combinator::child:
              context = parent.own;
              break;
            case css::combinator::adjacent:
              context = parent.previous_sibling;
              break;
            case css::combinator::sibling:
              context = parent.earlier_siblings;
              break;
          }
          if (!(context & (std::uint64_t{1} << alternative.compounds[k - 1].state_bit))) continue;
        }
        if (!matches(alternative.compounds[k], node, scope_element)) continue;
        if (k < last) {
          current.own |= std::uint64_t{1} << alternative.compounds[k].state_bit;
        } else if (alternative.pseudo == css::pseudo_element::none) {
          element_matched = true;
        } else if (alternative.pseudo == css::pseudo_element::text) {
          current.wants_text = true;
        } else {
          attribute_matches_here.push_back(&alternative);
        }
      }
    }

    if (element_matched) results.emplace_back(doc, node);
    for (std::size_t i = 0; i < attribute_matches_here.size(); ++i) {
      const std::string& name = attribute_matches_here[i]->pseudo_attribute;
      bool repeated = false;
      for (std::size_t j = 0; j < i; ++j) repeated = repeated || attribute_matches_here[j]->pseudo_attribute == name;
      if (repeated) continue;
      if (const GumboAttribute* attribute = find_attribute(node->v.element, name))
        results.emplace_back(nullptr, std::string(attribute->value), selector::kind::attribute);
    }
    current.inherited = parent.inherited | current.own;
    levels.push_back(current);
    return true;
  };

  auto leave = [&](const GumboNode* node) {
    const level finished = levels.back();
    levels.pop_back();
    if (node->type != GUMBO_NODE_DOCUMENT) {
      levels.back().previous_sibling = finished.own;
      levels.back().earlier_siblings |= finished.own;
    }
  };

  walk(scope, enter, leave);
  // As in parsel, "h1 + p" from an <h1> finds the <p> after it: sibling combinators may leave the
  // scope. Only the scope's later siblings (and what is inside them) can be reached that way, and
  // only while the scope or a sibling matched a step that has a combinator to its right.
  if (group.has_sibling_combinator && scope->parent && is_element(scope)) {
    in_scope = false;
    const GumboVector& siblings = *child_nodes(scope->parent);
    for (unsigned i = static_cast<unsigned>(scope->index_within_parent) + 1;
         i < siblings.length && levels.back().earlier_siblings != 0; ++i)
      walk(child_at(siblings, i), enter, leave);
  }
  return results;
}

}  // namespace orbweaver::html
