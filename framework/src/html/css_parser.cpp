#include "html/css_parser.hpp"
#include "html/markup.hpp"

#include "html/charset.hpp"
#include "html/compiled_cache.hpp"
#include "html/dom.hpp"

#include <orbweaver/selector.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <utility>

namespace orbweaver::html::css {

bool position_test::matches(int position) const {
  if (a == 0) return position == b;
  const long long offset = static_cast<long long>(position) - b;
  return offset % a == 0 && offset / a >= 0;
}

namespace {

bool is_whitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex_digit(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}
bool is_name_char(char c) { return is_name_start(c) || is_digit(c) || c == '-'; }

// CSS escapes: NUL, surrogates and values beyond Unicode stand for U+FFFD.
void append_escaped_code_point(std::string& out, char32_t code_point) {
  if (code_point == 0 || (code_point >= 0xD800 && code_point <= 0xDFFF) || code_point > 0x10FFFF)
    code_point = 0xFFFD;
  append_utf8(out, code_point);
}

// CSS Syntax §3.3: the code points the tokenizer sees.
std::string preprocessed(std::string_view query) {
  std::string text = is_valid_utf8(query) ? std::string(query) : replace_invalid_utf8(query);
  if (text.find_first_of(std::string_view("\r\f\0", 3)) == std::string::npos) return text;
  std::string out;
  out.reserve(text.size() + 8);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r') {
      out += '\n';
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else if (c == '\f') {
      out += '\n';
    } else if (c == '\0') {
      append_utf8(out, 0xFFFD);
    } else {
      out += c;
    }
  }
  return out;
}

// Bytes in the UTF-8 sequence that starts with lead (the input is valid UTF-8 by now).
std::size_t utf8_length(char lead) {
  const auto byte = static_cast<unsigned char>(lead);
  return byte < 0x80 ? 1 : byte < 0xE0 ? 2 : byte < 0xF0 ? 3 : 4;
}

// Functional pseudo-classes nest no deeper than this, so that recursion stays shallow.
constexpr int max_nesting = 32;

// Recursive descent over the selector grammar of Selectors Level 4 as far as a crawler needs it
// (plus the i/s attribute flags, parsel's pseudo-elements and cssselect's :contains()), producing
// the compiled tree in one pass.
class parser {
 public:
  explicit parser(std::string query) : query_(std::move(query)) {}

  selector_group group() {
    selector_group result;
    for (;;) {
      skip_whitespace();
      result.alternatives.push_back(complex());
      skip_whitespace();
      if (at_end()) break;
      if (peek() != ',') fail(unexpected());
      ++pos_;
    }
    add_self_alternatives(result);
    int next_bit = 0;
    for (auto& alternative : result.alternatives) {
      for (const combinator link : alternative.combinators)
        result.has_sibling_combinator |= link == combinator::adjacent || link == combinator::sibling;
      for (std::size_t i = 0; i + 1 < alternative.compounds.size(); ++i) {
        if (next_bit == max_state_bits)
          fail_at(0, fmt::format("more than {} combinators in one selector list", max_state_bits));
        alternative.compounds[i].state_bit = next_bit++;
      }
    }
    return result;
  }

 private:
  static bool is_bare_universal(const compound& c) {
    return c.tag == GUMBO_TAG_LAST && c.attributes.empty() && c.positions.empty() && !c.must_be_empty &&
           !c.must_be_root && !c.must_be_scope && !c.must_be_checked && c.nested.empty() && c.languages.empty() &&
           c.contained_texts.empty();
  }

  // parsel reads "div ::text" and "div ::attr(href)" as descendant-or-self: the text or attribute
  // of the div itself counts too, unlike "div *" or "div .x::text". The same set is the union of
  // the selector and the selector without its last step ("div::text"), added here.
  static void add_self_alternatives(selector_group& group) {
    const std::size_t count = group.alternatives.size();
    for (std::size_t i = 0; i < count; ++i) {
      const complex_selector& alternative = group.alternatives[i];
      if (alternative.pseudo == pseudo_element::none || alternative.combinators.empty() ||
          alternative.combinators.back() != combinator::descendant || !is_bare_universal(alternative.compounds.back()))
        continue;
      complex_selector self = alternative;
      self.compounds.pop_back();
      self.combinators.pop_back();
      group.alternatives.push_back(std::move(self));
    }
  }

  bool at_end() const { return pos_ >= query_.size(); }
  char peek(std::size_t ahead = 0) const {
    return pos_ + ahead < query_.size() ? query_[pos_ + ahead] : '\0';
  }
  bool has(std::size_t ahead) const { return pos_ + ahead < query_.size(); }

  bool skip_whitespace() {
    const std::size_t start = pos_;
    while (!at_end() && is_whitespace(peek())) ++pos_;
    return pos_ != start;
  }

  [[noreturn]] void fail_at(std::size_t position, const std::string& what) const {
    throw selector_error(fmt::format("invalid CSS selector '{}': {} (position {})", query_, what, position));
  }
  [[noreturn]] void fail(const std::string& what) const { fail_at(pos_, what); }

  std::string unexpected() const {
    if (at_end()) return "unexpected end";
    return fmt::format("unexpected '{}'", peek());
  }

  void expect(char c) {
    if (at_end() || peek() != c) fail(fmt::format("expected '{}', {}", c, unexpected()));
    ++pos_;
  }

  // A backslash at `ahead` starts a valid escape unless a newline follows it (§4.3.8; at the end
  // of the input it stands for U+FFFD).
  bool valid_escape(std::size_t ahead) const { return peek(ahead) == '\\' && peek(ahead + 1) != '\n'; }

  bool starts_identifier() const {
    if (at_end()) return false;
    const char c = peek();
    if (c == '-') return is_name_start(peek(1)) || peek(1) == '-' || valid_escape(1);
    return is_name_start(c) || valid_escape(0);
  }

  bool starts_name_char() const { return (!at_end() && is_name_char(peek())) || valid_escape(0); }

  // At a valid escape: appends what it stands for (§4.3.7).
  void escape(std::string& out) {
    ++pos_;  // the backslash
    if (at_end()) {
      append_utf8(out, 0xFFFD);
      return;
    }
    if (is_hex_digit(peek())) {
      char32_t code_point = 0;
      for (int digits = 0; digits < 6 && is_hex_digit(peek()); ++digits, ++pos_) {
        const char c = peek();
        code_point = code_point * 16 + static_cast<char32_t>(is_digit(c) ? c - '0' : ascii_lower(c) - 'a' + 10);
      }
      append_escaped_code_point(out, code_point);
      if (!at_end() && is_whitespace(peek())) ++pos_;
      return;
    }
    const std::size_t length = std::min(utf8_length(peek()), query_.size() - pos_);
    out.append(query_, pos_, length);
    pos_ += length;
  }

  // A run of name characters (identifier, or the name after '#').
  std::string name() {
    std::string result;
    while (starts_name_char()) {
      if (peek() == '\\')
        escape(result);
      else
        result += query_[pos_++];
    }
    return result;
  }

  std::string string_literal() {
    const std::size_t start = pos_;
    const char quote = query_[pos_++];
    std::string result;
    for (;;) {
      if (at_end()) fail_at(start, "unterminated string");
      const char c = peek();
      if (c == quote) {
        ++pos_;
        return result;
      }
      if (c == '\n') fail("newline inside a string");
      if (c == '\\') {
        if (!has(1)) {
          ++pos_;
          continue;
        }
        if (peek(1) == '\n') {  // an escaped newline continues the string
          pos_ += 2;
          continue;
        }
        escape(result);
        continue;
      }
      result += c;
      ++pos_;
    }
  }

  // Where a selector inside a functional pseudo-class ends: at ',' or ')'.
  bool at_selector_end() const { return at_end() || peek() == ',' || (!enclosing_.empty() && peek() == ')'); }

  complex_selector complex() {
    complex_selector selector;
    compound first;
    if (!compound_selector(first, selector)) fail(at_end() ? "expected a selector" : unexpected());
    selector.compounds.push_back(std::move(first));
    for (;;) {
      const std::size_t before = pos_;
      const bool spaced = skip_whitespace();
      if (at_selector_end()) {
        pos_ = before;
        return selector;
      }
      if (selector.pseudo != pseudo_element::none) fail("a pseudo-element must end the selector");
      combinator link = combinator::descendant;
      if (const auto explicit_link = combinator_here()) {
        link = *explicit_link;
        skip_whitespace();
      } else if (!spaced) {
        fail(unexpected());
      }
      compound next;
      if (!compound_selector(next, selector))
        fail(at_end() ? "expected a selector after the combinator" : unexpected());
      selector.combinators.push_back(link);
      selector.compounds.push_back(std::move(next));
    }
  }

  // Consumes '>', '+' or '~'.
  std::optional<combinator> combinator_here() {
    const char c = peek();
    if (at_end() || (c != '>' && c != '+' && c != '~')) return std::nullopt;
    ++pos_;
    return c == '>' ? combinator::child : c == '+' ? combinator::adjacent : combinator::sibling;
  }

  // Returns false when nothing here starts a compound selector.
  bool compound_selector(compound& out, complex_selector& owner) {
    const std::size_t start = pos_;
    if (peek() == '*' && !at_end()) {
      ++pos_;
    } else if (starts_identifier()) {
      out.tag_name = text::ascii_lowered(name());
      out.tag = gumbo_tagn_enum(out.tag_name.data(), static_cast<unsigned>(out.tag_name.size()));
    }
    if (peek() == '|' && !at_end()) fail("namespace prefixes are not supported");
    while (!at_end() && owner.pseudo == pseudo_element::none) {
      const char c = peek();
      if (c == '#') {
        ++pos_;
        if (!starts_name_char()) fail("expected a name after '#'");
        out.attributes.push_back({"id", attribute_operator::equals, name(), false});
      } else if (c == '.') {
        ++pos_;
        if (!starts_identifier()) fail("expected a class name after '.'");
        out.attributes.push_back({"class", attribute_operator::includes, name(), false});
      } else if (c == '[') {
        attribute_selector(out);
      } else if (c == ':') {
        pseudo(out, owner);
      } else {
        break;
      }
    }
    return pos_ != start;
  }

  void attribute_selector(compound& out) {
    ++pos_;  // '['
    skip_whitespace();
    if (!starts_identifier()) fail("expected an attribute name");
    attribute_test test;
    test.name = text::ascii_lowered(name());
    skip_whitespace();
    if (peek() == '|' && peek(1) != '=') fail("namespace prefixes are not supported");
    if (peek() == ']') {
      ++pos_;
      out.attributes.push_back(std::move(test));
      return;
    }
    const char c = peek();
    if (c == '=') {
      test.op = attribute_operator::equals;
      ++pos_;
    } else if (peek(1) == '=' && (c == '~' || c == '|' || c == '^' || c == '$' || c == '*')) {
      test.op = c == '~'   ? attribute_operator::includes
                : c == '|' ? attribute_operator::dash_match
                : c == '^' ? attribute_operator::prefix
                : c == '$' ? attribute_operator::suffix
                           : attribute_operator::substring;
      pos_ += 2;
    } else {
      fail("expected an attribute operator or ']', " + unexpected());
    }
    skip_whitespace();
    if (peek() == '"' || peek() == '\'') {
      test.value = string_literal();
    } else if (starts_name_char()) {
      // Browsers want an identifier here; unquoted numbers ([data-stars=5]) are accepted too.
      test.value = name();
    } else {
      fail("expected an attribute value");
    }
    const bool spaced = skip_whitespace();
    const char flag = ascii_lower(peek());
    if (spaced && (flag == 'i' || flag == 's') && (peek(1) == ']' || is_whitespace(peek(1)))) {
      test.ignore_case = flag == 'i';
      ++pos_;
      skip_whitespace();
    }
    expect(']');
    out.attributes.push_back(std::move(test));
  }

  void pseudo(compound& out, complex_selector& owner) {
    const std::size_t start = pos_;
    ++pos_;  // ':'
    const bool is_element = peek() == ':';
    if (is_element) ++pos_;
    if (!starts_identifier()) fail(is_element ? "expected a pseudo-element name" : "expected a pseudo-class name");
    const std::string kind = text::ascii_lowered(name());
    if (is_element) {
      if (!enclosing_.empty())
        fail_at(start, fmt::format("a pseudo-element cannot appear inside :{}()", enclosing_));
      if (kind == "text") {
        owner.pseudo = pseudo_element::text;
      } else if (kind == "attr") {
        expect('(');
        skip_whitespace();
        if (!starts_identifier()) fail("expected an attribute name in ::attr()");
        owner.pseudo_attribute = text::ascii_lowered(name());
        skip_whitespace();
        expect(')');
        owner.pseudo = pseudo_element::attribute;
      } else {
        fail_at(start, fmt::format("unknown pseudo-element '::{}'", kind));
      }
      return;
    }
    if (peek() == '(' && !at_end()) {
      ++pos_;
      functional_pseudo_class(out, kind, start);
      return;
    }
    const position_test first{0, 1, false, false}, last{0, 1, true, false};
    const position_test first_of_type{0, 1, false, true}, last_of_type{0, 1, true, true};
    if (kind == "first-child") {
      out.positions.push_back(first);
    } else if (kind == "last-child") {
      out.positions.push_back(last);
    } else if (kind == "only-child") {
      out.positions.insert(out.positions.end(), {first, last});
    } else if (kind == "first-of-type") {
      out.positions.push_back(first_of_type);
    } else if (kind == "last-of-type") {
      out.positions.push_back(last_of_type);
    } else if (kind == "only-of-type") {
      out.positions.insert(out.positions.end(), {first_of_type, last_of_type});
    } else if (kind == "empty") {
      out.must_be_empty = true;
    } else if (kind == "root") {
      out.must_be_root = true;
    } else if (kind == "scope") {
      out.must_be_scope = true;
    } else if (kind == "checked") {
      out.must_be_checked = true;
    } else {
      fail_at(start, fmt::format("unknown pseudo-class ':{}'", kind));
    }
  }

  // After "name(": its argument and the ')'.
  void functional_pseudo_class(compound& out, const std::string& kind, std::size_t start) {
    if (kind == "not" || kind == "is" || kind == "matches" || kind == "where" || kind == "has") {
      if (nesting_ == max_nesting) fail_at(start, "pseudo-classes nested too deeply");
      if (kind == "has" && inside_has_) fail_at(start, ":has() cannot be nested inside :has()");
      const std::string outer = std::exchange(enclosing_, kind);
      const bool outer_has = std::exchange(inside_has_, inside_has_ || kind == "has");
      ++nesting_;
      nested_selectors nested;
      if (kind == "not") {
        nested.test = nested_selectors::kind::none;
        selector_list_argument(nested, false);
      } else if (kind == "has") {
        nested.test = nested_selectors::kind::has;
        selector_list_argument(nested, true);
      } else {
        forgiving_selector_list_argument(nested);
      }
      --nesting_;
      inside_has_ = outer_has;
      enclosing_ = outer;
      out.nested.push_back(std::move(nested));
      return;
    }
    if (kind == "lang") {
      std::vector<std::string> ranges;
      for (;;) {
        skip_whitespace();
        ranges.push_back(text::ascii_lowered(word_argument(":lang()")));
        skip_whitespace();
        if (peek() != ',' || at_end()) break;
        ++pos_;
      }
      expect(')');
      out.languages.push_back(std::move(ranges));
      return;
    }
    if (kind == "contains") {
      skip_whitespace();
      out.contained_texts.push_back(word_argument(":contains()"));
      skip_whitespace();
      expect(')');
      return;
    }
    if (kind != "nth-child" && kind != "nth-last-child" && kind != "nth-of-type" && kind != "nth-last-of-type")
      fail_at(start, fmt::format("unknown pseudo-class ':{}()'", kind));
    position_test test;
    test.from_end = kind.starts_with("nth-last-");
    test.of_type = kind.ends_with("-of-type");
    nth_argument(test);
    out.positions.push_back(test);
  }

  // An identifier or a string, as :lang() and :contains() take.
  std::string word_argument(std::string_view function) {
    if (peek() == '"' || peek() == '\'') return string_literal();
    if (starts_identifier()) return name();
    fail(fmt::format("expected an identifier or a string in {}, {}", function, unexpected()));
  }

  // A selector list up to ')': unforgiving (any invalid selector fails the whole query), as
  // :not() and :has() take it. Relative selectors (:has()) may start with a combinator.
  void selector_list_argument(nested_selectors& out, bool relative) {
    for (;;) {
      skip_whitespace();
      if (relative) {
        out.leading.push_back(combinator_here().value_or(combinator::descendant));
        skip_whitespace();
      }
      out.alternatives.push_back(complex());
      skip_whitespace();
      if (peek() == ',' && !at_end()) {
        ++pos_;
        continue;
      }
      expect(')');
      return;
    }
  }

  // :is() and :where() (Selectors 4 §3.5): an invalid selector in the list is dropped instead of
  // failing the query, so ":is(a, :unknown)" matches what "a" matches and ":is()" matches nothing.
  void forgiving_selector_list_argument(nested_selectors& out) {
    for (;;) {
      skip_whitespace();
      if (peek() == ')' && !at_end()) {
        ++pos_;
        return;
      }
      const std::size_t start = pos_;
      const std::string enclosing = enclosing_;
      const int nesting = nesting_;
      const bool inside_has = inside_has_;
      try {
        complex_selector selector = complex();
        skip_whitespace();
        if (!at_end() && peek() != ',' && peek() != ')') fail(unexpected());
        out.alternatives.push_back(std::move(selector));
      } catch (const selector_error&) {
        pos_ = start;
        enclosing_ = enclosing;
        nesting_ = nesting;
        inside_has_ = inside_has;
        skip_argument();
      }
      if (peek() == ',' && !at_end()) ++pos_;
    }
  }

  // Skips one invalid argument of a selector list: to the ',' or ')' that ends it, past any
  // bracketed block or string inside it. An argument left open fails the query.
  void skip_argument() {
    std::string closers;  // the brackets open here, innermost last
    while (!at_end()) {
      const char c = peek();
      if (closers.empty() && (c == ',' || c == ')')) return;
      if (c == '"' || c == '\'') {
        string_literal();
        continue;
      }
      if (c == '\\') {
        std::string ignored;
        escape(ignored);
        continue;
      }
      if (c == '(' || c == '[') closers += c == '(' ? ')' : ']';
      else if (!closers.empty() && c == closers.back()) closers.pop_back();
      ++pos_;
    }
    fail(fmt::format("unterminated :{}()", enclosing_));
  }

  bool keyword(std::string_view word) {
    if (query_.size() - pos_ < word.size()) return false;
    for (std::size_t i = 0; i < word.size(); ++i)
      if (ascii_lower(query_[pos_ + i]) != word[i]) return false;
    if (pos_ + word.size() < query_.size() && is_name_char(query_[pos_ + word.size()])) return false;
    pos_ += word.size();
    return true;
  }

  int number() {
    constexpr int limit = 100'000'000;
    int value = 0;
    while (is_digit(peek()) && !at_end()) {
      value = value * 10 + (peek() - '0');
      if (value > limit) fail("number too large");
      ++pos_;
    }
    return value;
  }

  // an+b, odd or even, then ')'.
  void nth_argument(position_test& test) {
    skip_whitespace();
    if (keyword("odd")) {
      test.a = 2;
      test.b = 1;
    } else if (keyword("even")) {
      test.a = 2;
      test.b = 0;
    } else {
      int sign = 1;
      if (peek() == '+' || peek() == '-') {
        sign = peek() == '-' ? -1 : 1;
        ++pos_;
      }
      const bool has_digits = is_digit(peek()) && !at_end();
      const int value = has_digits ? number() : 1;
      if (ascii_lower(peek()) == 'n' && !at_end()) {
        ++pos_;
        test.a = sign * value;
        test.b = 0;
        skip_whitespace();
        if (peek() == '+' || peek() == '-') {
          const int offset_sign = peek() == '-' ? -1 : 1;
          ++pos_;
          skip_whitespace();
          if (!is_digit(peek()) || at_end()) fail("expected a number after the sign in an+b");
          test.b = offset_sign * number();
        }
      } else {
        if (!has_digits) fail("expected an+b, odd or even");
        test.a = 0;
        test.b = sign * value;
      }
    }
    skip_whitespace();
    expect(')');
  }

  std::string query_;
  std::size_t pos_ = 0;
  std::string enclosing_;    // the functional pseudo-class being parsed ("not", "is", ...); empty outside
  int nesting_ = 0;          // functional pseudo-classes open around pos_
  bool inside_has_ = false;
};

}  // namespace

selector_group parse(std::string_view query) { return parser(preprocessed(query)).group(); }

std::shared_ptr<const selector_group> parse_cached(std::string_view query) {
  static compiled_cache<selector_group> cache(1024);
  return cache.get(query, parse);
}

}  // namespace orbweaver::html::css
