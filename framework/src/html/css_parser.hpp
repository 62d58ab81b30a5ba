#pragma once
// CSS selectors compiled into a small tree that the matcher walks. Names are lowered and tag
// names resolved to gumbo's enum here, once, so matching never allocates or folds case.
#include <gumbo.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace orbweaver::html::css {

enum class attribute_operator {
  exists,     // [a]
  equals,     // [a=v], and #id
  includes,   // [a~=v], and .class
  dash_match, // [a|=v]
  prefix,     // [a^=v]
  suffix,     // [a$=v]
  substring,  // [a*=v]
};

struct attribute_test {
  std::string name;  // lower case
  attribute_operator op = attribute_operator::exists;
  std::string value;
  bool ignore_case = false;  // the i flag
};

// :nth-child(an+b) and its relatives; :first-child is nth-child(0n+1).
struct position_test {
  int a = 0;
  int b = 1;
  bool from_end = false;  // nth-last-*
  bool of_type = false;   // *-of-type: count only siblings with the same tag
  bool matches(int position) const;  // position counts from 1
};

struct complex_selector;

enum class combinator { descendant, child, adjacent, sibling };

// A selector list inside a functional pseudo-class, matched right to left from the element.
struct nested_selectors {
  enum class kind {
    any,   // :is(), :where(): the element matches one alternative
    none,  // :not(): the element matches no alternative
    has,   // :has(): an element related by leading[i] to this one matches alternative i
  };
  kind test = kind::any;
  std::vector<complex_selector> alternatives;
  std::vector<combinator> leading;  // :has() only, one per alternative
};

struct compound {
  GumboTag tag = GUMBO_TAG_LAST;  // GUMBO_TAG_LAST: any element
  std::string tag_name;           // lower case; compared when tag is GUMBO_TAG_UNKNOWN
  std::vector<attribute_test> attributes;
  std::vector<position_test> positions;
  bool must_be_empty = false;     // :empty
  bool must_be_root = false;      // :root
  bool must_be_scope = false;     // :scope
  bool must_be_checked = false;   // :checked
  std::vector<nested_selectors> nested;             // :is() :where() :not() :has()
  std::vector<std::vector<std::string>> languages;  // :lang(): lower-case ranges, one must match per :lang()
  std::vector<std::string> contained_texts;         // :contains(): each must occur in the text content
  // Bit in the matcher's per-element state recording "this element matches the selector up to
  // here"; set for every compound of a top-level selector that has a combinator to its right.
  int state_bit = -1;
};

enum class pseudo_element { none, text, attribute };

struct complex_selector {
  std::vector<compound> compounds;        // left to right
  std::vector<combinator> combinators;    // combinators[i] joins compounds[i] and compounds[i + 1]
  pseudo_element pseudo = pseudo_element::none;
  std::string pseudo_attribute;           // lower case, for ::attr(name)
};

// A selector list ("a, b"): an element matches when any alternative does.
struct selector_group {
  std::vector<complex_selector> alternatives;
  bool has_sibling_combinator = false;  // + or ~: matches may lie after the scope element
};

// Compound selectors that have a combinator to their right, per selector list; each needs a state bit.
inline constexpr int max_state_bits = 64;

// Throws selector_error naming the problem and its position. The query is first preprocessed as
// CSS Syntax §3.3 says: CR, FF and CRLF become LF; NUL, surrogates and bytes that are not UTF-8
// become U+FFFD.
selector_group parse(std::string_view query);
// parse() through a process-wide cache; safe from any thread.
std::shared_ptr<const selector_group> parse_cached(std::string_view query);

}  // namespace orbweaver::html::css
