#include "html/xpath.hpp"

#include "html/document.hpp"
#include "html/dom.hpp"
#include "html/serialize.hpp"
#include "html/unicode_regex.hpp"

#include <libxml/HTMLtree.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <mutex>
#include <vector>

namespace orbweaver::html {

namespace {

const xmlChar* xml(const char* text) { return reinterpret_cast<const xmlChar*>(text); }
const char* chars(const xmlChar* text) { return reinterpret_cast<const char*>(text); }

// A libxml2 string that the caller owns, as a std::string.
std::string take(xmlChar* text) {
  std::string result = text ? chars(text) : "";
  xmlFree(text);
  return result;
}

std::string lowered(std::string_view name) {
  std::string result(name);
  for (char& c : result) c = ascii_lower(c);
  return result;
}

void initialise_libxml2() {
  // Once, before any thread uses libxml2: its global tables are set up here.
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

void ignore_generic_error(void*, const char*, ...) {}

}  // namespace

void silence_libxml2_generic_errors() {
  thread_local bool silenced = false;
  if (silenced) return;
  xmlSetGenericErrorFunc(nullptr, ignore_generic_error);
  silenced = true;
}

xpath_tree::xpath_tree(const GumboNode* root) {
  initialise_libxml2();
  // An HTML document, as lxml's HTML parser makes; freed here if the copy fails halfway.
  std::unique_ptr<xmlDoc, void (*)(xmlDocPtr)> doc(htmlNewDocNoDtD(nullptr, nullptr), xmlFreeDoc);
  if (!doc) throw std::bad_alloc();
  doc_ = doc.get();
  std::vector<xmlNodePtr> parents{reinterpret_cast<xmlNodePtr>(doc_)};
  nodes_.emplace(root, parents.back());
  std::string scratch;
  walk(
      root,
      [&](const GumboNode* node) {
        if (node == root) return true;
        xmlNodePtr copy = nullptr;
        if (is_element(node)) {
          const GumboElement& element = node->v.element;
          copy = xmlNewDocNode(doc_, nullptr, xml(lowered(element_name(element, scratch)).c_str()), nullptr);
          if (!copy) throw std::bad_alloc();
          for (unsigned i = 0; i < element.attributes.length; ++i) {
            const auto& attribute = *static_cast<const GumboAttribute*>(element.attributes.data[i]);
            xmlNewProp(copy, xml(lowered(attribute.name).c_str()), xml(attribute.value));
          }
          copy->_private = const_cast<GumboNode*>(node);
          nodes_.emplace(node, copy);
        } else if (is_text(node)) {
          copy = xmlNewDocText(doc_, xml(node->v.text.text));
        } else if (node->type == GUMBO_NODE_COMMENT) {
          copy = xmlNewDocComment(doc_, xml(node->v.text.text));
        }
        if (!copy) return false;
        // Adjacent text (gumbo's CDATA beside text) merges into one node here, as in lxml: the
        // copy is freed then, so only an element is looked at after this.
        xmlAddChild(parents.back(), copy);
        if (!is_element(node)) return false;
        parents.push_back(copy);
        return true;
      },
      [&](const GumboNode* node) {
        if (node != root) parents.pop_back();
      });
  // Numbers the elements in document order, which spares libxml2 comparing their ancestors when
  // it sorts a node-set. Done here, once: evaluation never writes to the tree, so any number of
  // threads can query it.
  xmlXPathOrderDocElems(doc_);
  doc.release();  // the destructor frees it now
}

xpath_tree::~xpath_tree() { xmlFreeDoc(doc_); }

_xmlNode* xpath_tree::node_for(const GumboNode* node) const {
  const auto found = nodes_.find(node);
  return found == nodes_.end() ? nullptr : found->second;
}

std::string describe_xpath(std::string_view query) { return "xpath(\"" + std::string(query) + "\")"; }

std::string python_float(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  // The shortest digits that read back as the same double, as Python's repr chooses them.
  char buffer[64];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific).ptr;
  const std::string_view scientific(buffer, static_cast<std::size_t>(end - buffer));
  const std::size_t e = scientific.find('e');
  std::string_view mantissa = scientific.substr(0, e);
  const int exponent = std::atoi(std::string(scientific.substr(e + 1)).c_str());
  std::string sign;
  if (mantissa.front() == '-') {
    sign = "-";
    mantissa.remove_prefix(1);
  }
  std::string digits;
  for (char c : mantissa)
    if (c != '.') digits += c;
  if (exponent < -4 || exponent >= 16) {
    std::string text = sign + digits.substr(0, 1);
    if (digits.size() > 1) text += "." + digits.substr(1);
    return text + fmt::format("e{}{:02}", exponent < 0 ? '-' : '+', std::abs(exponent));
  }
  if (exponent < 0) return sign + "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
  const auto point = static_cast<std::size_t>(exponent) + 1;
  if (digits.size() <= point) return sign + digits + std::string(point - digits.size(), '0') + ".0";
  return sign + digits.substr(0, point) + "." + digits.substr(point);
}

namespace {

// What one evaluation needs beyond libxml2's context: the message of an extension function's
// error, and the document that re:match() results live in.
struct evaluation {
  std::string error;
  xmlDocPtr matches = nullptr;

  evaluation() = default;
  evaluation(const evaluation&) = delete;
  evaluation& operator=(const evaluation&) = delete;
  ~evaluation() {
    if (matches) xmlFreeDoc(matches);
  }
};

evaluation& state_of(xmlXPathParserContextPtr parser) { return *static_cast<evaluation*>(parser->context->userData); }

void fail(xmlXPathParserContextPtr parser, std::string message) {
  state_of(parser).error = std::move(message);
  xmlXPathErr(parser, XPATH_EXPR_ERROR);
}

// The arguments of an extension function, first one first; they own the popped objects.
class arguments {
 public:
  arguments(xmlXPathParserContextPtr parser, int count) : objects_(static_cast<std::size_t>(count)) {
    for (int i = count - 1; i >= 0; --i) objects_[static_cast<std::size_t>(i)] = valuePop(parser);
  }
  ~arguments() {
    for (xmlXPathObjectPtr object : objects_) xmlXPathFreeObject(object);
  }
  arguments(const arguments&) = delete;
  arguments& operator=(const arguments&) = delete;

  std::size_t size() const { return objects_.size(); }
  xmlXPathObjectPtr operator[](std::size_t i) const { return objects_[i]; }

  // An argument as a string, as lxml hands it to a Python extension function: a node-set's first
  // node's string value ("" when empty), a number as Python's str, a boolean "True"/"False".
  std::string text(std::size_t i) const {
    const xmlXPathObjectPtr object = objects_[i];
    if (!object) return {};
    switch (object->type) {
      case XPATH_NODESET:
      case XPATH_XSLT_TREE:
        if (!object->nodesetval || object->nodesetval->nodeNr == 0) return {};
        return take(xmlXPathCastNodeToString(object->nodesetval->nodeTab[0]));
      case XPATH_NUMBER:
        return python_float(object->floatval);
      case XPATH_BOOLEAN:
        return object->boolval ? "True" : "False";
      default:
        return take(xmlXPathCastToString(object));
    }
  }

 private:
  std::vector<xmlXPathObjectPtr> objects_;
};

// Runs an extension function's work: nothing may unwind through libxml2's C frames, so an
// exception (Boost.Regex gives up on a pattern too complex for a subject) becomes an XPath error.
template <class Work>
void guarded(xmlXPathParserContextPtr parser, Work&& work) {
  try {
    work();
  } catch (const std::exception& e) {
    fail(parser, e.what());
  }
}

bool check_count(xmlXPathParserContextPtr parser, const char* name, int given, int least, int most) {
  if (given >= least && given <= most) return true;
  const std::string wanted = least == most ? std::to_string(least) : fmt::format("{} to {}", least, most);
  fail(parser, fmt::format("{}() takes {} arguments ({} given)", name, wanted, given));
  return false;
}

// lxml compiles the EXSLT patterns with Python's re: no multi-line ^ and $, no dot matching a
// newline, "i" in the flags for case-insensitive.
std::shared_ptr<const boost::u32regex> exslt_regex(xmlXPathParserContextPtr parser, const std::string& pattern,
                                                   const std::string& flags) {
  auto options = boost::regex::perl | boost::regex::no_mod_m | boost::regex::no_mod_s;
  if (flags.find('i') != std::string::npos) options |= boost::regex::icase;
  try {
    return unicode_regex(pattern, options);
  } catch (const selector_error& e) {
    fail(parser, e.what());
    return nullptr;
  }
}

// re:test(string, pattern, flags?): whether the pattern matches anywhere in the string.
void regex_test(xmlXPathParserContextPtr parser, int count) {
  guarded(parser, [&] {
    if (!check_count(parser, "re:test", count, 2, 3)) return;
    const arguments args(parser, count);
    const auto regex = exslt_regex(parser, args.text(1), count == 3 ? args.text(2) : "");
    if (!regex) return;
    valuePush(parser, xmlXPathNewBoolean(boost::u32regex_search(args.text(0), *regex)));
  });
}

// re:match(string, pattern, flags?): <match> elements, as lxml builds them: without "g", the
// whole first match and then each group; with "g", every match (its first group when the
// pattern has groups).
void regex_match(xmlXPathParserContextPtr parser, int count) {
  guarded(parser, [&] {
    if (!check_count(parser, "re:match", count, 2, 3)) return;
    const arguments args(parser, count);
    const std::string flags = count == 3 ? args.text(2) : "";
    const auto regex = exslt_regex(parser, args.text(1), flags);
    if (!regex) return;
    const std::string subject = args.text(0);
    std::vector<std::string> found;
    if (flags.find('g') != std::string::npos) {
      for_each_match(subject, *regex,
                     [&](const boost::smatch& match) { found.push_back(match[match.size() > 1 ? 1 : 0].str()); });
    } else if (boost::smatch match; boost::u32regex_search(subject, match, *regex)) {
      for (std::size_t i = 0; i < match.size(); ++i) found.push_back(match[i].str());
    }
    evaluation& state = state_of(parser);
    if (!state.matches) {
      state.matches = htmlNewDocNoDtD(nullptr, nullptr);
      xmlDocSetRootElement(state.matches, xmlNewDocNode(state.matches, nullptr, xml("matches"), nullptr));
    }
    xmlNodeSetPtr nodes = xmlXPathNodeSetCreate(nullptr);
    for (const auto& text : found) {
      xmlNodePtr element = xmlNewDocNode(state.matches, nullptr, xml("match"), nullptr);
      xmlAddChild(element, xmlNewDocTextLen(state.matches, xml(text.c_str()), static_cast<int>(text.size())));
      xmlAddChild(xmlDocGetRootElement(state.matches), element);
      xmlXPathNodeSetAdd(nodes, element);
    }
    valuePush(parser, xmlXPathWrapNodeSet(nodes));
  });
}

// Python's re.sub template: \1 to \99 and \g<n> name groups, \n \t \r \\ are characters.
std::string expand_template(const std::string& replacement, const boost::smatch& match) {
  std::string out;
  for (std::size_t i = 0; i < replacement.size(); ++i) {
    const char c = replacement[i];
    if (c != '\\' || i + 1 == replacement.size()) {
      out += c;
      continue;
    }
    const char next = replacement[++i];
    if (next >= '0' && next <= '9') {
      std::size_t group = static_cast<std::size_t>(next - '0');
      if (i + 1 < replacement.size() && replacement[i + 1] >= '0' && replacement[i + 1] <= '9')
        group = group * 10 + static_cast<std::size_t>(replacement[++i] - '0');
      if (group < match.size()) out += match[static_cast<int>(group)].str();
    } else if (next == 'g' && i + 1 < replacement.size() && replacement[i + 1] == '<') {
      const std::size_t close = replacement.find('>', i);
      const std::string name = replacement.substr(i + 2, close == std::string::npos ? 0 : close - i - 2);
      if (close == std::string::npos || name.empty()) {
        out += "\\g";
        continue;
      }
      i = close;
      if (name.find_first_not_of("0123456789") == std::string::npos) {
        const auto group = std::stoul(name);
        if (group < match.size()) out += match[static_cast<int>(group)].str();
      } else {
        out += match[name].str();
      }
    } else if (next == 'n') {
      out += '\n';
    } else if (next == 't') {
      out += '\t';
    } else if (next == 'r') {
      out += '\r';
    } else if (next == '\\') {
      out += '\\';
    } else {
      out += '\\';
      out += next;
    }
  }
  return out;
}

// re:replace(string, pattern, flags, replacement): the first match replaced, or every one with
// "g" (Python's re.sub with count 1 or 0).
void regex_replace(xmlXPathParserContextPtr parser, int count) {
  guarded(parser, [&] {
    if (!check_count(parser, "re:replace", count, 4, 4)) return;
    const arguments args(parser, count);
    const std::string flags = args.text(2);
    const auto regex = exslt_regex(parser, args.text(1), flags);
    if (!regex) return;
    const std::string subject = args.text(0);
    const std::string replacement = args.text(3);
    const bool every = flags.find('g') != std::string::npos;
    std::string out;
    auto copied = subject.cbegin();
    bool replaced = false;
    for_each_match(subject, *regex, [&](const boost::smatch& match) {
      if (replaced && !every) return;
      out.append(copied, match[0].first);
      out += expand_template(replacement, match);
      copied = match[0].second;
      replaced = true;
    });
    out.append(copied, subject.cend());
    valuePush(parser, xmlXPathNewString(xml(out.c_str())));
  });
}

// parsel's has-class("a", "b"): whether the context element has every one of these classes.
void has_class(xmlXPathParserContextPtr parser, int count) {
  guarded(parser, [&] {
    if (count == 0) return fail(parser, "has-class must have at least 1 argument");
    const arguments args(parser, count);
    for (std::size_t i = 0; i < args.size(); ++i)
      if (!args[i] || args[i]->type != XPATH_STRING) return fail(parser, "has-class arguments must be strings");
    const xmlNodePtr node = parser->context->node;
    xmlChar* value = node && node->type == XML_ELEMENT_NODE ? xmlGetNoNsProp(node, xml("class")) : nullptr;
    if (!value) {
      valuePush(parser, xmlXPathNewBoolean(false));
      return;
    }
    std::string classes = " " + take(value) + " ";
    for (char& c : classes)
      if (c == '\t' || c == '\n' || c == '\f' || c == '\r') c = ' ';
    bool all = true;
    for (std::size_t i = 0; i < args.size() && all; ++i)
      all = classes.find(" " + std::string(chars(args[i]->stringval)) + " ") != std::string::npos;
    valuePush(parser, xmlXPathNewBoolean(all));
  });
}

void ignore_error(void*, xmlErrorPtr) {}  // read from the context afterwards, not printed


// Python's repr of a str, for the one place a result is a tuple of strings.
std::string quoted(const xmlChar* text) {
  if (!text) return "None";
  std::string out = "'";
  for (const char* c = chars(text); *c; ++c) {
    if (*c == '\'' || *c == '\\') out += '\\';
    out += *c;
  }
  return out + "'";
}

// One node of a node-set result as parsel gives it; nothing for the document node.
void add_node(std::vector<selector>& results, const std::shared_ptr<const document>& doc, xmlNodePtr node) {
  switch (node->type) {
    case XML_ELEMENT_NODE:
      if (node->_private) {
        results.emplace_back(doc, node->_private);
      } else {  // made by re:match()
        xmlBufferPtr buffer = xmlBufferCreate();
        htmlNodeDump(buffer, node->doc, node);
        results.emplace_back(doc, std::string(chars(xmlBufferContent(buffer))), selector::kind::text);
        xmlBufferFree(buffer);
      }
      return;
    case XML_ATTRIBUTE_NODE:
      results.emplace_back(doc, take(xmlNodeGetContent(node)), selector::kind::attribute);
      return;
    case XML_TEXT_NODE:
    case XML_CDATA_SECTION_NODE:
      results.emplace_back(doc, std::string(node->content ? chars(node->content) : ""), selector::kind::text);
      return;
    case XML_COMMENT_NODE:
      results.emplace_back(doc, fmt::format("<!--{}-->", node->content ? chars(node->content) : ""),
                           selector::kind::text);
      return;
    case XML_PI_NODE:
      results.emplace_back(doc, fmt::format("<?{} {}>", chars(node->name), node->content ? chars(node->content) : ""),
                           selector::kind::text);
      return;
    case XML_NAMESPACE_DECL: {  // lxml gives a (prefix, URI) tuple
      const auto* ns = reinterpret_cast<xmlNsPtr>(node);
      results.emplace_back(doc, fmt::format("({}, {})", quoted(ns->prefix), quoted(ns->href)), selector::kind::text);
      return;
    }
    default:
      return;
  }
}

// libxml2 compiles with recursion, one level per nested parenthesis or predicate; a bound far
// below its own (5,000) keeps a callback on a thread with a small stack safe.
constexpr int max_query_nesting = 256;

bool nests_too_deeply(std::string_view query) {
  int depth = 0;
  char quote = 0;
  for (char c : query) {
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '(' || c == '[') {
      if (++depth > max_query_nesting) return true;
    } else if ((c == ')' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return false;
}

struct context_deleter {
  void operator()(xmlXPathContextPtr context) const { xmlXPathFreeContext(context); }
};
struct compiled_deleter {
  void operator()(xmlXPathCompExprPtr compiled) const { xmlXPathFreeCompExpr(compiled); }
};
struct object_deleter {
  void operator()(xmlXPathObjectPtr object) const { xmlXPathFreeObject(object); }
};

// libxml2's own words for its XPath errors (xpath.c's xmlXPathErrorMessages, which lxml shows):
// with an error callback set, libxml2 hands over only the code.
const char* xpath_error_message(int code) {
  switch (code - XML_XPATH_EXPRESSION_OK) {
    case XPATH_NUMBER_ERROR: return "Number encoding";
    case XPATH_UNFINISHED_LITERAL_ERROR: return "Unfinished literal";
    case XPATH_START_LITERAL_ERROR: return "Start of literal";
    case XPATH_VARIABLE_REF_ERROR: return "Expected $ for variable reference";
    case XPATH_UNDEF_VARIABLE_ERROR: return "Undefined variable";
    case XPATH_INVALID_PREDICATE_ERROR: return "Invalid predicate";
    case XPATH_UNCLOSED_ERROR: return "Missing closing curly brace";
    case XPATH_UNKNOWN_FUNC_ERROR: return "Unregistered function";
    case XPATH_INVALID_OPERAND: return "Invalid operand";
    case XPATH_INVALID_TYPE: return "Invalid type";
    case XPATH_INVALID_ARITY: return "Invalid number of arguments";
    case XPATH_INVALID_CTXT_SIZE: return "Invalid context size";
    case XPATH_INVALID_CTXT_POSITION: return "Invalid context position";
    case XPATH_MEMORY_ERROR: return "Memory allocation error";
    case XPATH_UNDEF_PREFIX_ERROR: return "Undefined namespace prefix";
    case XPATH_ENCODING_ERROR: return "Encoding error";
    case XPATH_INVALID_CHAR_ERROR: return "Char out of XML range";
    case XPATH_INVALID_CTXT: return "Invalid or incomplete context";
    case XPATH_STACK_ERROR: return "Stack usage error";
    case XPATH_OP_LIMIT_EXCEEDED: return "Operation limit exceeded";
    case XPATH_RECURSION_LIMIT_EXCEEDED: return "Recursion limit exceeded";
    default: return "Invalid expression";
  }
}

[[noreturn]] void throw_error(const evaluation& state, xmlXPathContextPtr context, std::string_view query) {
  const std::string message = state.error.empty() ? xpath_error_message(context->lastError.code) : state.error;
  throw selector_error(fmt::format("XPath error: {} in {}", message, query));
}

}  // namespace

std::vector<selector> xpath_select(const std::shared_ptr<const document>& doc, const GumboNode* scope,
                                   std::string_view query) {
  const std::string text(query);
  if (nests_too_deeply(text))
    throw selector_error(fmt::format("XPath error: more than {} nested parentheses or predicates in {}",
                                     max_query_nesting, text));
  const xpath_tree& tree = doc->xpath_tree();
  silence_libxml2_generic_errors();
  evaluation state;
  const std::unique_ptr<xmlXPathContext, context_deleter> context(xmlXPathNewContext(tree.doc()));
  if (!context) throw std::bad_alloc();
  context->userData = &state;
  context->error = ignore_error;
  xmlNodePtr node = scope ? tree.node_for(scope) : xmlDocGetRootElement(tree.doc());
  context->node = node ? node : reinterpret_cast<xmlNodePtr>(tree.doc());
  const xmlChar* exslt = xml("http://exslt.org/regular-expressions");
  xmlXPathRegisterNs(context.get(), xml("re"), exslt);
  xmlXPathRegisterFuncNS(context.get(), xml("test"), exslt, regex_test);
  xmlXPathRegisterFuncNS(context.get(), xml("match"), exslt, regex_match);
  xmlXPathRegisterFuncNS(context.get(), xml("replace"), exslt, regex_replace);
  xmlXPathRegisterFunc(context.get(), xml("has-class"), has_class);

  const std::unique_ptr<xmlXPathCompExpr, compiled_deleter> compiled(xmlXPathCtxtCompile(context.get(), xml(text.c_str())));
  if (!compiled) throw_error(state, context.get(), text);
  const std::unique_ptr<xmlXPathObject, object_deleter> result(xmlXPathCompiledEval(compiled.get(), context.get()));
  if (!result) throw_error(state, context.get(), text);

  std::vector<selector> results;
  switch (result->type) {
    case XPATH_NODESET:
    case XPATH_XSLT_TREE:
      if (const xmlNodeSetPtr nodes = result->nodesetval)
        for (int i = 0; i < nodes->nodeNr; ++i) add_node(results, doc, nodes->nodeTab[i]);
      break;
    case XPATH_BOOLEAN:
      results.emplace_back(doc, result->boolval ? "1" : "0", selector::kind::text);
      break;
    case XPATH_NUMBER:
      results.emplace_back(doc, python_float(result->floatval), selector::kind::text);
      break;
    case XPATH_STRING:
      results.emplace_back(doc, std::string(result->stringval ? chars(result->stringval) : ""), selector::kind::text);
      break;
    default:
      throw selector_error(fmt::format("XPath error: a result of a type parsel does not give in {}", text));
  }
  return results;
}

}  // namespace orbweaver::html
