#include "html/serialize.hpp"

#include "html/dom.hpp"

namespace orbweaver::html {

namespace {

// Escapes as the serialisation algorithm does: &, no-break space, < and > always; " inside
// attribute values.
void append_escaped(std::string& out, std::string_view text, bool in_attribute) {
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::string_view replacement;
    switch (text[i]) {
      case '&':
        replacement = "&amp;";
        break;
      case '<':
        replacement = "&lt;";
        break;
      case '>':
        replacement = "&gt;";
        break;
      case '"':
        if (in_attribute) replacement = "&quot;";
        break;
      case '\xC2':
        if (i + 1 < text.size() && text[i + 1] == '\xA0') replacement = "&nbsp;";
        break;
      default:
        break;
    }
    if (replacement.empty()) continue;
    out.append(text.substr(run, i - run));
    out.append(replacement);
    run = text[i] == '\xC2' ? i + 2 : i + 1;
    i = run - 1;
  }
  out.append(text.substr(run));
}

bool is_void(const GumboElement& element) {
  if (element.tag_namespace != GUMBO_NAMESPACE_HTML) return false;
  switch (element.tag) {
    case GUMBO_TAG_AREA:
    case GUMBO_TAG_BASE:
    case GUMBO_TAG_BASEFONT:
    case GUMBO_TAG_BGSOUND:
    case GUMBO_TAG_BR:
    case GUMBO_TAG_COL:
    case GUMBO_TAG_EMBED:
    case GUMBO_TAG_FRAME:
    case GUMBO_TAG_HR:
    case GUMBO_TAG_IMG:
    case GUMBO_TAG_INPUT:
    case GUMBO_TAG_KEYGEN:
    case GUMBO_TAG_LINK:
    case GUMBO_TAG_META:
    case GUMBO_TAG_PARAM:
    case GUMBO_TAG_SOURCE:
    case GUMBO_TAG_TRACK:
    case GUMBO_TAG_WBR:
      return true;
    default:
      return false;
  }
}

void append_attribute_name(std::string& out, const GumboAttribute& attribute) {
  switch (attribute.attr_namespace) {
    case GUMBO_ATTR_NAMESPACE_XLINK:
      out += "xlink:";
      break;
    case GUMBO_ATTR_NAMESPACE_XML:
      out += "xml:";
      break;
    case GUMBO_ATTR_NAMESPACE_XMLNS:
      if (std::string_view(attribute.name) != "xmlns") out += "xmlns:";
      break;
    case GUMBO_ATTR_NAMESPACE_NONE:
      break;
  }
  out += attribute.name;
}

}  // namespace

std::string_view element_name(const GumboElement& element, std::string& scratch) {
  std::string_view name;
  if (element.tag == GUMBO_TAG_UNKNOWN) {
    const std::string_view source = source_tag_name(element);
    scratch.assign(source);
    for (char& c : scratch) c = ascii_lower(c);
    name = scratch;
  } else {
    name = gumbo_normalized_tagname(element.tag);
  }
  if (element.tag_namespace == GUMBO_NAMESPACE_SVG) {
    const GumboStringPiece piece{name.data(), name.size()};
    if (const char* adjusted = gumbo_normalize_svg_tagname(&piece)) return adjusted;
  }
  return name;
}

void append_outer_html(std::string& out, const GumboNode* node) {
  std::string scratch;
  walk(
      node,
      [&](const GumboNode* current) {
        switch (current->type) {
          case GUMBO_NODE_ELEMENT:
          case GUMBO_NODE_TEMPLATE: {
            const GumboElement& element = current->v.element;
            out += '<';
            out += element_name(element, scratch);
            for (unsigned i = 0; i < element.attributes.length; ++i) {
              const auto& attribute = *static_cast<const GumboAttribute*>(element.attributes.data[i]);
              out += ' ';
              append_attribute_name(out, attribute);
              out += "=\"";
              append_escaped(out, attribute.value, true);
              out += '"';
            }
            out += '>';
            return !is_void(element);
          }
          case GUMBO_NODE_TEXT:
          case GUMBO_NODE_WHITESPACE:
            if (holds_raw_text(current->parent))
              out += current->v.text.text;
            else
              append_escaped(out, current->v.text.text, false);
            return false;
          case GUMBO_NODE_CDATA:
            out += "<![CDATA[";
            out += current->v.text.text;
            out += "]]>";
            return false;
          case GUMBO_NODE_COMMENT:
            out += "<!--";
            out += current->v.text.text;
            out += "-->";
            return false;
          case GUMBO_NODE_DOCUMENT:
            return true;
        }
        return false;
      },
      [&](const GumboNode* current) {
        if (current->type == GUMBO_NODE_DOCUMENT || is_void(current->v.element)) return;
        out += "</";
        out += element_name(current->v.element, scratch);
        out += '>';
      });
}

void append_text_content(std::string& out, const GumboNode* node) {
  walk(
      node,
      [&](const GumboNode* current) {
        if (is_text(current)) out += current->v.text.text;
        return current->type == GUMBO_NODE_DOCUMENT || is_element(current);
      },
      [](const GumboNode*) {});
}

}  // namespace orbweaver::html
