#include "feeds/xml_reader.hpp"

#include "core/text.hpp"
#include "html/xpath.hpp"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <fmt/format.h>

#include <climits>
#include <mutex>

namespace orbweaver::feeds {

namespace {

// Entity declarations are dropped here, so that references to them stay unresolved (and add no
// text) whatever the document declares.
void ignore_entity_declaration(void*, const xmlChar*, int, const xmlChar*, const xmlChar*, xmlChar*) {}

// Errors are read from the parser context afterwards, not printed.
void ignore_error(void*, xmlErrorPtr) {}

void free_document(xmlDocPtr doc) {
  if (doc) xmlFreeDoc(doc);
}

}  // namespace

const xmlNode* xml_document::root() const { return doc ? xmlDocGetRootElement(doc.get()) : nullptr; }

xml_document read_xml(std::string_view body) {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
  html::silence_libxml2_generic_errors();
  body = text::trim_html_space(body);
  xml_document result{{nullptr, free_document}, {}};
  if (body.size() > INT_MAX) {
    result.error = "the document is larger than libxml2 reads";
    return result;
  }
  std::unique_ptr<xmlParserCtxt, void (*)(xmlParserCtxtPtr)> context(xmlNewParserCtxt(), xmlFreeParserCtxt);
  if (!context) throw std::bad_alloc();
  context->sax->entityDecl = ignore_entity_declaration;
  context->sax->serror = ignore_error;
  constexpr int options = XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOWARNING |
                          XML_PARSE_NOERROR;
  result.doc.reset(xmlCtxtReadMemory(context.get(), body.data(), static_cast<int>(body.size()), nullptr, nullptr,
                                     options));
  if (!context->wellFormed) {
    const xmlError* error = xmlCtxtGetLastError(context.get());
    std::string message = error && error->message ? error->message : "not well-formed";
    while (!message.empty() && text::is_html_space(message.back())) message.pop_back();
    result.error = error ? fmt::format("line {}: {}", error->line, message) : message;
  }
  return result;
}

std::string xml_attribute(const xmlNode* element, const char* name) {
  xmlChar* value = xmlGetProp(element, reinterpret_cast<const xmlChar*>(name));
  std::string result = value ? reinterpret_cast<const char*>(value) : "";
  xmlFree(value);
  return result;
}

}  // namespace orbweaver::feeds
