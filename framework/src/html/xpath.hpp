#pragma once
// XPath 1.0 over a parsed document, evaluated by libxml2 (the engine behind lxml and parsel) on a
// libxml2 copy of gumbo's tree. The copy is made the first time a document is asked an XPath
// query (html::document::xpath_tree), so pages read only with CSS never pay for it.
//
// The copy is the tree lxml's HTML parser would give for gumbo's HTML5 tree: every element in no
// namespace, element and attribute names lower case (SVG's <clipPath> is "clippath", @viewBox is
// "viewbox"), CDATA as text. Elements map back to gumbo's nodes, so results chain with css().
#include <orbweaver/selector.hpp>

#include <gumbo.h>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct _xmlDoc;
struct _xmlNode;

namespace orbweaver::html {

class document;

class xpath_tree {
 public:
  // Copies the tree under root (a document node) without recursion.
  explicit xpath_tree(const GumboNode* root);
  ~xpath_tree();
  xpath_tree(const xpath_tree&) = delete;
  xpath_tree& operator=(const xpath_tree&) = delete;

  _xmlDoc* doc() const { return doc_; }
  // The copy of a gumbo element or document node.
  _xmlNode* node_for(const GumboNode* node) const;

 private:
  _xmlDoc* doc_;
  std::unordered_map<const GumboNode*, _xmlNode*> nodes_;
};

// The results of query evaluated with scope as the context node (nullptr: the document's root
// element, as parsel's Selector(text=...) evaluates), as parsel gives them: elements, text nodes
// and attribute values in document order, or one string for a string, number (Python's str of a
// float: "2.0", "nan", "1e+20") or boolean ("1"/"0") result. An invalid query throws
// selector_error with libxml2's message.
std::vector<selector> xpath_select(const std::shared_ptr<const document>& doc, const GumboNode* scope,
                                   std::string_view query);

// Some of libxml2's messages bypass a context's error callback for its "generic" handler, which
// prints to standard error (XPath's "xmlXPathCompOpEval: function nope not found", the XML
// parser's "input conversion failed"); the callers report those errors themselves. The handler
// is per thread in libxml2: this silences the calling thread's.
void silence_libxml2_generic_errors();

// A query as code writes it, naming a selection in messages: xpath("//h1").
std::string describe_xpath(std::string_view query);

// Python's repr of a float, which parsel's results are made of.
std::string python_float(double value);

}  // namespace orbweaver::html
