#include <orbweaver/feed_spiders.hpp>
#include <orbweaver/log.hpp>
#include <orbweaver/output.hpp>

#include "feeds/csv_reader.hpp"
#include "feeds/xml_reader.hpp"
#include "html/document.hpp"
#include "html/dom.hpp"
#include "html/xpath.hpp"

#include <libxml/tree.h>

#include <algorithm>
#include <iterator>
#include <vector>

namespace orbweaver {

namespace {

std::string_view chars(const xmlChar* text) { return text ? reinterpret_cast<const char*>(text) : ""; }

void append_escaped(std::string& out, std::string_view text, bool attribute) {
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += attribute ? "&quot;" : "\""; break;
      default: out += c;
    }
  }
}

// Element names the HTML parser does not leave to foreign content: the start tags that end it
// (HTML standard 13.2.6.5: b, div, p, table, ...; <font> with some attributes; the end tags </br>
// and </p>), SVG's HTML integration points, whose content is parsed as HTML (title, desc,
// foreignObject), and <math>, which would start MathML. Lower case.
constexpr std::string_view names_html_takes_over[] = {
    "b",      "big",   "blockquote", "body",   "br",     "center", "code", "dd",   "div",    "dl",
    "dt",     "em",    "embed",      "h1",     "h2",     "h3",     "h4",   "h5",   "h6",     "head",
    "hr",     "i",     "img",        "li",     "listing", "menu",  "meta", "nobr", "ol",     "p",
    "pre",    "ruby",  "s",          "small",  "span",   "strong", "strike", "sub", "sup",   "table",
    "tt",     "u",     "ul",         "var",    "font",   "title",  "desc", "foreignobject", "math"};

bool html_takes_over(std::string_view name) {
  return std::any_of(std::begin(names_html_takes_over), std::end(names_html_takes_over),
                     [&](std::string_view taken) { return html::equals_lowered(name, taken); });
}

// An XML element written as markup that the HTML parser reads back as the same tree: inside
// <svg> (foreign content) unknown elements nest, <x/> is empty and <link> holds text, as in XML.
// A name the parser would take over is written as a stand-in of the same length ("z0..."), and
// `names` gives the element its own name back after the parse. Names lose their namespace
// prefix; comments and processing instructions are left out.
class node_markup {
 public:
  std::string text = "<svg>";
  std::vector<html::document::source_patch> names;

  void add(const xmlNode* node) {
    if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
      append_escaped(text, chars(node->content), false);
      return;
    }
    if (node->type != XML_ELEMENT_NODE) return;
    text += '<';
    add_name(chars(node->name));
    for (const xmlAttr* attribute = node->properties; attribute; attribute = attribute->next) {
      text += ' ';
      text += chars(attribute->name);
      text += "=\"";
      xmlChar* value = xmlNodeListGetString(node->doc, attribute->children, 1);
      append_escaped(text, chars(value), true);
      xmlFree(value);
      text += '"';
    }
    if (!node->children) {
      text += "/>";
      return;
    }
    text += '>';
    for (const xmlNode* child = node->children; child; child = child->next) add(child);
    text += "</";
    add_name(chars(node->name));
    text += '>';
  }

 private:
  void add_name(std::string_view name) {
    if (name.empty() || !html_takes_over(name)) {
      text += name;
      return;
    }
    std::string stand_in = "z" + std::string(name.size() - 1, '0');
    names.push_back({text.size(), stand_in, std::string(name)});
    text += stand_in;
  }
};

struct node_matcher {
  std::string_view local_name;
  std::string_view prefix;
  std::string_view namespace_uri;  // empty: the feed's own declaration of prefix

  bool matches(const xmlNode* node) const {
    if (node->type != XML_ELEMENT_NODE || chars(node->name) != local_name) return false;
    if (prefix.empty()) return true;
    if (!node->ns) return false;
    return namespace_uri.empty() ? chars(node->ns->prefix) == prefix : chars(node->ns->href) == namespace_uri;
  }
};

// The matching nodes in document order, not looking inside a match (as Scrapy's xmliter).
void collect(const xmlNode* node, const node_matcher& matcher, node_markup& markup, std::size_t& count) {
  for (; node; node = node->next) {
    if (matcher.matches(node)) {
      markup.add(node);
      ++count;
    } else if (node->type == XML_ELEMENT_NODE) {
      collect(node->children, matcher, markup, count);
    }
  }
}

}  // namespace

void xml_feed_spider::parse(const response& r, output& out) {
  node_matcher matcher{itertag, {}, {}};
  if (auto colon = itertag.find(':'); colon != std::string::npos) {
    matcher.prefix = std::string_view(itertag).substr(0, colon);
    matcher.local_name = std::string_view(itertag).substr(colon + 1);
    for (const auto& [prefix, uri] : namespaces)
      if (prefix == matcher.prefix) matcher.namespace_uri = uri;
  }
  auto feed = feeds::read_xml(r.body());
  if (!feed.root()) {
    log::warning("xmlfeed", "Ignoring invalid XML feed: <{} {}>: {}", r.status(), r.url(), feed.error);
    out.inc_stat("xmlfeed/invalid");
    return;
  }
  if (!feed.error.empty()) {
    log::warning("xmlfeed", "XML feed <{}> is not well-formed ({}); using the nodes read", r.url(), feed.error);
    out.inc_stat("xmlfeed/malformed");
  }
  node_markup markup;
  std::size_t count = 0;
  collect(feed.root(), matcher, markup, count);
  if (count == 0) return;
  markup.text += "</svg>";
  auto doc = std::make_shared<const html::document>(std::move(markup.text), markup.names);
  const auto nodes = html::xpath_select(doc, nullptr, "/html/body/svg[1]/*");
  if (nodes.size() != count)  // a node nested more than 512 deep is cut (html/nesting.hpp)
    log::warning("xmlfeed", "XML feed <{}>: {} of its {} <{}> nodes read as a tree", r.url(), nodes.size(), count,
                 itertag);
  for (const auto& node : nodes) parse_node(r, node, out);
}

void csv_feed_spider::parse(const response& r, output& out) {
  auto records = feeds::read_csv(r.text(), delimiter, quotechar);
  auto names = headers;
  std::size_t first = 0;
  if (names.empty()) {
    if (records.empty()) return;
    names = std::move(records.front().fields);
    first = 1;
  }
  for (std::size_t i = first; i < records.size(); ++i) {
    const auto& record = records[i];
    if (record.fields.size() != names.size()) {
      log::warning("csvfeed", "ignoring row {} of <{}> (length: {}, should be: {})", record.line, r.url(),
                   record.fields.size(), names.size());
      out.inc_stat("csvfeed/ignored_rows");
      continue;
    }
    std::map<std::string, std::string> row;
    for (std::size_t k = 0; k < names.size(); ++k) row.emplace(names[k], record.fields[k]);
    parse_row(r, row, out);
  }
}

}  // namespace orbweaver
