#pragma once
// CSS selectors over an HTML document parsed by gumbo, in the manner of parsel:
//   r.css("ul.tags li::text").getall()     text nodes
//   r.css("a::attr(href)").get()           attribute values
//   r.css("article.product").css("h1")    chaining
// Supported: type, universal, .class, #id, [attr], [attr=v], ~=, |=, ^=, $=, *=, (i flag),
// descendant, child (>), adjacent (+) and sibling (~) combinators, selector lists (a, b),
// :first-child, :last-child, :only-child, :nth-child(an+b), :nth-last-child, the *-of-type forms,
// :empty, :not(simple), and the pseudo-elements ::text and ::attr(name). An invalid selector
// throws selector_error.
//
// XPath 1.0 beside CSS, with parsel's semantics (libxml2 evaluates it, as under lxml and parsel):
//   r.xpath("//div[@class='pl2']/a/text()").getall()     text nodes
//   r.xpath("//a/@href").getall()                        attribute values
//   r.xpath("count(//a)").get()                          "3.0" (parsel's str of a number)
//   r.css("div.item").xpath("./a/@href")                 chaining, both ways
// Elements are in no namespace and their names lower case, as lxml's HTML parser has them (SVG
// and MathML too: //svg, //clippath). parsel's extensions are there: EXSLT regular expressions
// re:test, re:match, re:replace (prefix re) and has-class("a", "b"). An invalid query throws
// selector_error with libxml2's message.
//
// A selection may be empty: get() and first() then give a default or nullopt, as parsel's get()
// gives None, while front(), back(), [i] and at(i) throw empty_selection naming the selector.
#include <orbweaver/error.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace orbweaver {

namespace html {
class document;
}

struct selector_error : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// A match was asked for that the selection does not have: css("h2.title").front() on a page
// without one. The message names the selector and how many matches there were.
struct empty_selection : value_error {
  using value_error::value_error;
};

class selector_list;

// One match: an element, or a string: ::text / ::attr() in CSS; in XPath a text node, an attribute
// value, a comment's markup, or a string, number or boolean result (kind text).
class selector {
 public:
  enum class kind { element, text, attribute };

  // Made by css() and xpath(): an element of a parsed document, or the text or attribute value of a match.
  // An element without its document and node, or a value of kind element, throws
  // std::invalid_argument.
  selector(std::shared_ptr<const html::document> doc, const void* node);
  selector(std::shared_ptr<const html::document> doc, std::string value, kind k);

  kind type() const { return kind_; }
  selector_list css(std::string_view query) const;
  // XPath with this element as the context node ("./a", "@href"; "//a" still searches the whole
  // document). A string, number or boolean result is one selector of kind text holding it as
  // parsel prints it ("2.0", "1"/"0" for booleans). Text and attributes select nothing.
  selector_list xpath(std::string_view query) const;
  // Outer HTML of an element; the value itself for text and attributes.
  std::string get() const;
  // Every descendant text of an element, concatenated (the value itself for text/attributes).
  std::string text() const;
  // Attribute of an element; nullopt when absent or not an element.
  std::optional<std::string> attrib(std::string_view name) const;
  std::string_view tag() const;  // element tag name, lower case; empty otherwise
  // Regular expression over get(): each match's first group, or the whole match without groups.
  std::vector<std::string> re(std::string_view pattern) const;
  std::optional<std::string> re_first(std::string_view pattern) const;

 private:
  std::shared_ptr<const html::document> doc_;  // keeps the parsed tree alive
  const void* node_ = nullptr;                 // GumboNode* for elements
  std::string value_;
  kind kind_ = kind::element;
};

class selector_list : public std::vector<selector> {
 public:
  using std::vector<selector>::vector;
  // The matches of `query`, which names the selection in messages: css("article").css("h1").
  selector_list(std::vector<selector> matches, std::string query)
      : std::vector<selector>(std::move(matches)), query_(std::move(query)) {}

  selector_list css(std::string_view query) const;
  // Each element's xpath() results in turn, as parsel's SelectorList.xpath.
  selector_list xpath(std::string_view query) const;
  // First match's get(), or the default when nothing matched.
  std::string get(std::string_view default_value = {}) const;
  std::optional<std::string> first() const;
  std::vector<std::string> getall() const;
  std::optional<std::string> attrib(std::string_view name) const;  // of the first element
  std::vector<std::string> re(std::string_view pattern) const;
  std::optional<std::string> re_first(std::string_view pattern) const;

  // Checked access, unlike std::vector's: a match that is not there throws empty_selection.
  const selector& front() const { return at(0); }
  selector& front() { return at(0); }
  const selector& back() const { return at(empty() ? 0 : size() - 1); }
  selector& back() { return at(empty() ? 0 : size() - 1); }
  const selector& operator[](std::size_t i) const { return at(i); }
  selector& operator[](std::size_t i) { return at(i); }
  const selector& at(std::size_t i) const {
    if (i >= size()) throw_missing(i);
    return std::vector<selector>::operator[](i);
  }
  selector& at(std::size_t i) {
    if (i >= size()) throw_missing(i);
    return std::vector<selector>::operator[](i);
  }

  // How the selection was made, as code writes it: css("article").xpath("./h1"); empty for a list
  // built otherwise.
  const std::string& query() const { return query_; }

 private:
  [[noreturn]] void throw_missing(std::size_t index) const;

  std::string query_;
};

}  // namespace orbweaver
