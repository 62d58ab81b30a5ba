#include "html/css_parser.hpp"
#include "html/markup.hpp"

#include "html/compiled_cache.hpp"
#include "html/dom.hpp"

#include <orbweaver/selector.hpp>

#include <fmt/format.h>

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

// Recursive descent over the selector grammar of Selectors Level 3 (plus the i/s attribute flags
// and parsel's pseudo-elements), producing the compiled tree in one pass.
class parser {
 public:
  explicit parser(std::string_view query) : query_(query) {}

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
           c.negations.empty();
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

  // A backslash at `ahead` starts a valid escape when something other than a newline follows it.
  bool valid_escape(std::size_t ahead) const {
    return peek(ahead) == '\\' && has(ahead + 1) && peek(ahead + 1) != '\n';
  }

  bool starts_identifier() const {
    if (at_end()) return false;
    const char c = peek();
    if (c == '-') return is_name_start(peek(1)) || peek(1) == '-' || valid_escape(1);
    return is_name_start(c) || valid_escape(0);
  }

  bool starts_name_char() const { return (!at_end() && is_name_char(peek())) || valid_escape(0); }

  // At a valid escape: appends what it stands for.
  void escape(std::string& out) {
    ++pos_;  // the backslash
    if (is_hex_digit(peek())) {
      char32_t code_point = 0;
      for (int digits = 0; digits < 6 && is_hex_digit(peek()); ++digits, ++pos_) {
        const char c = peek();
        code_point = code_point * 16 + static_cast<char32_t>(is_digit(c) ? c - '0' : ascii_lower(c) - 'a' + 10);
      }
      append_escaped_code_point(out, code_point);
      if (peek() == '\r' && peek(1) == '\n')
        pos_ += 2;
      else if (!at_end() && is_whitespace(peek()))
        ++pos_;
      return;
    }
    out += query_[pos_++];
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

  complex_selector complex() {
    complex_selector selector;
    compound first;
    if (!compound_selector(first, selector, false)) fail(at_end() ? "expected a selector" : unexpected());
    selector.compounds.push_back(std::move(first));
    for (;;) {
      const std::size_t before = pos_;
      const bool spaced = skip_whitespace();
      if (at_end() || peek() == ',') {
        pos_ = before;
        return selector;
      }
      if (selector.pseudo != pseudo_element::none) fail("a pseudo-element must end the selector");
      combinator link = combinator::descendant;
      const char c = peek();
      if (c == '>' || c == '+' || c == '~') {
        link = c == '>' ? combinator::child : c == '+' ? combinator::adjacent : combinator::sibling;
        ++pos_;
        skip_whitespace();
      } else if (!spaced) {
        fail(unexpected());
      }
      compound next;
      if (!compound_selector(next, selector, false))
        fail(at_end() ? "expected a selector after the combinator" : unexpected());
      selector.combinators.push_back(link);
      selector.compounds.push_back(std::move(next));
    }
  }

  // Returns false when nothing here starts a compound selector.
  bool compound_selector(compound& out, complex_selector& owner, bool inside_negation) {
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
        pseudo(out, owner, inside_negation);
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

  void pseudo(compound& out, complex_selector& owner, bool inside_negation) {
    const std::size_t start = pos_;
    ++pos_;  // ':'
    const bool is_element = peek() == ':';
    if (is_element) ++pos_;
    if (!starts_identifier()) fail(is_element ? "expected a pseudo-element name" : "expected a pseudo-class name");
    const std::string kind = text::ascii_lowered(name());
    if (is_element) {
      if (inside_negation) fail_at(start, "a pseudo-element cannot appear inside :not()");
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
    if (peek() == '(') {
      ++pos_;
      if (kind == "not") {
        if (inside_negation) fail_at(start, ":not() cannot be nested");
        for (;;) {
          skip_whitespace();
          compound negated;
          if (!compound_selector(negated, owner, true)) fail("expected a selector inside :not(), " + unexpected());
          out.negations.push_back(std::move(negated));
          skip_whitespace();
          if (peek() == ',' && !at_end()) {
            ++pos_;
            continue;
          }
          expect(')');
          return;
        }
      }
      if (kind != "nth-child" && kind != "nth-last-child" && kind != "nth-of-type" && kind != "nth-last-of-type")
        fail_at(start, fmt::format("unknown pseudo-class ':{}()'", kind));
      position_test test;
      test.from_end = kind.starts_with("nth-last-");
      test.of_type = kind.ends_with("-of-type");
      nth_argument(test);
      out.positions.push_back(test);
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
    } else {
      fail_at(start, fmt::format("unknown pseudo-class ':{}'", kind));
    }
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

  std::string_view query_;
  std::size_t pos_ = 0;
};

}  // namespace

selector_group parse(std::string_view query) { return parser(query).group(); }

std::shared_ptr<const selector_group> parse_cached(std::string_view query) {
  static compiled_cache<selector_group> cache(1024);
  return cache.get(query, parse);
}

}  // namespace orbweaver::html::css
