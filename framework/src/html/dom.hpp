#pragma once
// Small read-only helpers over gumbo's tree, shared by the matcher, the serialiser and the document.
#include "core/text.hpp"

#include <gumbo.h>

#include <string_view>

namespace orbweaver::html {

inline bool is_element(const GumboNode* node) {
  return node->type == GUMBO_NODE_ELEMENT || node->type == GUMBO_NODE_TEMPLATE;
}

// Text as a text node contributes it: ordinary, whitespace-only and CDATA text.
inline bool is_text(const GumboNode* node) {
  return node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_WHITESPACE ||
         node->type == GUMBO_NODE_CDATA;
}

// Text inside these elements was not parsed for markup (no tags, no character references), so
// the serialiser writes it back unescaped.
inline bool holds_raw_text(const GumboNode* parent) {
  if (!parent || !is_element(parent) || parent->v.element.tag_namespace != GUMBO_NAMESPACE_HTML) return false;
  switch (parent->v.element.tag) {
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_XMP:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_NOEMBED:
    case GUMBO_TAG_NOFRAMES:
    case GUMBO_TAG_PLAINTEXT:
      return true;
    default:
      return false;
  }
}

// Children of the document or of an element; nullptr for leaves (text, comments).
inline const GumboVector* child_nodes(const GumboNode* node) {
  if (node->type == GUMBO_NODE_DOCUMENT) return &node->v.document.children;
  if (is_element(node)) return &node->v.element.children;
  return nullptr;
}

inline const GumboNode* child_at(const GumboVector& children, unsigned index) {
  return static_cast<const GumboNode*>(children.data[index]);
}

using text::ascii_lower;

// a equals b ignoring ASCII case; b is already lower case.
inline bool equals_lowered(std::string_view a, std::string_view lowered) {
  if (a.size() != lowered.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != lowered[i]) return false;
  return true;
}

// The tag name as written in the source, for elements gumbo does not know (GUMBO_TAG_UNKNOWN):
// "<My-Widget a=b>" gives "My-Widget". Empty when the element has no source tag.
inline std::string_view source_tag_name(const GumboElement& element) {
  std::string_view tag(element.original_tag.data, element.original_tag.length);
  std::size_t begin = 0;
  while (begin < tag.size() && (tag[begin] == '<' || tag[begin] == '/')) ++begin;
  std::size_t end = begin;
  while (end < tag.size() && tag[end] != '>' && tag[end] != '/' && tag[end] != ' ' &&
         tag[end] != '\t' && tag[end] != '\n' && tag[end] != '\r' && tag[end] != '\f')
    ++end;
  return tag.substr(begin, end - begin);
}

// An attribute by name, ignoring ASCII case; lowered_name is already lower case.
inline const GumboAttribute* find_attribute(const GumboElement& element, std::string_view lowered_name) {
  for (unsigned i = 0; i < element.attributes.length; ++i) {
    auto* attribute = static_cast<const GumboAttribute*>(element.attributes.data[i]);
    if (equals_lowered(attribute->name, lowered_name)) return attribute;
  }
  return nullptr;
}

// Visits the subtree of root in document order without recursion, so that any depth is safe.
// enter(node) runs before a node's children and returns whether to visit them; leave(node) runs
// after them, for the document and elements only (once per enter of such a node).
template <class Enter, class Leave>
void walk(const GumboNode* root, Enter&& enter, Leave&& leave) {
  const GumboNode* node = root;
  for (;;) {
    const GumboVector* children = child_nodes(node);
    if (enter(node) && children && children->length > 0) {
      node = child_at(*children, 0);
      continue;
    }
    // node is finished: climb until a node has a next sibling.
    for (;;) {
      if (child_nodes(node)) leave(node);
      if (node == root) return;
      const GumboNode* parent = node->parent;
      const GumboVector& siblings = *child_nodes(parent);
      const unsigned next = static_cast<unsigned>(node->index_within_parent) + 1;
      if (next < siblings.length) {
        node = child_at(siblings, next);
        break;
      }
      node = parent;
    }
  }
}

}  // namespace orbweaver::html
