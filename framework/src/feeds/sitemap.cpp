#include "feeds/sitemap.hpp"

#include "core/text.hpp"
#include "feeds/xml_reader.hpp"

#include <libxml/tree.h>

namespace orbweaver::sitemaps {

namespace {

std::string_view local_name(const xmlNode* node) { return reinterpret_cast<const char*>(node->name); }

// The text directly inside an element, trimmed as Python's strip() does. Entity references
// (undeclared ones, since declarations are ignored) add nothing.
std::string own_text(const xmlNode* element) {
  std::string text;
  for (const xmlNode* child = element->children; child; child = child->next)
    if ((child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) && child->content)
      text += reinterpret_cast<const char*>(child->content);
  return std::string(text::trim_html_space(text));
}

// A <url> or <sitemap> element as Scrapy's _process_sitemap_element reads it: children by local
// name (the last of a name wins), every <link href> an alternate; nothing without a <loc>.
std::optional<sitemap_entry> read_entry(const xmlNode* element) {
  sitemap_entry entry;
  bool has_loc = false;
  for (const xmlNode* child = element->children; child; child = child->next) {
    if (child->type != XML_ELEMENT_NODE) continue;
    const auto name = local_name(child);
    if (name == "link") {
      if (auto href = xml_attribute(child, "href"); !href.empty()) entry.alternate.push_back(std::move(href));
    } else if (name == "loc") {
      entry.loc = own_text(child);
      has_loc = true;
    } else {
      entry.fields[std::string(name)] = own_text(child);
    }
  }
  if (!has_loc) return std::nullopt;
  return entry;
}

// Every <url> and <sitemap> element in document order (not looking inside them).
void collect_entries(const xmlNode* node, std::vector<sitemap_entry>& entries) {
  for (; node; node = node->next) {
    if (node->type != XML_ELEMENT_NODE) continue;
    const auto name = local_name(node);
    if (name == "url" || name == "sitemap") {
      if (auto entry = read_entry(node)) entries.push_back(std::move(*entry));
    } else {
      collect_entries(node->children, entries);
    }
  }
}

}  // namespace

parsed_xml parse_xml(std::string_view body) {
  parsed_xml result;
  auto doc = read_xml(body);
  result.error = std::move(doc.error);
  const xmlNode* root = doc.root();
  if (!root) return result;
  result.type = local_name(root);
  collect_entries(root, result.entries);
  return result;
}

std::vector<std::string> parse_text(std::string_view body) {
  std::vector<std::string> urls;
  while (!body.empty()) {
    const auto end = body.find('\n');
    const auto line = text::trim_html_space(body.substr(0, end));
    if (!line.empty()) urls.emplace_back(line);
    body = end == std::string_view::npos ? std::string_view{} : body.substr(end + 1);
  }
  return urls;
}

}  // namespace orbweaver::sitemaps
