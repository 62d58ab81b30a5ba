#pragma once
// XML from the network read safely with libxml2, for sitemaps and XML feeds: no network access,
// no DTD loading, entity declarations ignored (so no entity is ever expanded: XXE and "billion
// laughs" have no effect), libxml2's default size limits (no huge-tree), and errors recovered from
// and reported instead of printed.
#include <memory>
#include <string>
#include <string_view>

struct _xmlDoc;
struct _xmlNode;

namespace orbweaver::feeds {

struct xml_document {
  std::unique_ptr<_xmlDoc, void (*)(_xmlDoc*)> doc;
  std::string error;  // the last error, "line N: message"; empty for well-formed XML

  // The root element; nullptr when nothing could be read.
  const _xmlNode* root() const;
};

// Leading whitespace is skipped (some servers send blank lines before the XML declaration).
xml_document read_xml(std::string_view body);

// An attribute's value; empty when absent.
std::string xml_attribute(const _xmlNode* element, const char* name);

}  // namespace orbweaver::feeds

namespace orbweaver::sitemaps {
using feeds::read_xml;
using feeds::xml_attribute;
}  // namespace orbweaver::sitemaps
