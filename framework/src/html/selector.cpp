#include <orbweaver/selector.hpp>

#include "html/css_matcher.hpp"
#include "html/css_parser.hpp"
#include "html/document.hpp"
#include "html/dom.hpp"
#include "html/serialize.hpp"
#include "html/unicode_regex.hpp"
#include "html/xpath.hpp"

#include <fmt/format.h>

namespace orbweaver {

namespace {

const GumboNode* as_node(const void* node) { return static_cast<const GumboNode*>(node); }

// parsel's rule: a match's first group when the expression has groups, else the whole match.
std::string extracted(const boost::smatch& match) { return match.size() > 1 ? match[1].str() : match[0].str(); }

std::vector<std::string> all_matches(const std::string& subject, std::string_view pattern) {
  const auto regex = html::unicode_regex(pattern);
  std::vector<std::string> results;
  html::for_each_match(subject, *regex, [&](const boost::smatch& match) { results.push_back(extracted(match)); });
  return results;
}

std::optional<std::string> first_match(const std::string& subject, std::string_view pattern) {
  const auto regex = html::unicode_regex(pattern);
  boost::smatch match;
  if (!boost::u32regex_search(subject, match, *regex)) return std::nullopt;
  return extracted(match);
}

}  // namespace

selector::selector(std::shared_ptr<const html::document> doc, const void* node)
    : doc_(std::move(doc)), node_(node), kind_(kind::element) {
  if (!doc_ || !node_) throw std::invalid_argument("an element selector needs its document and its node");
  // gumbo names only the tags it knows; keep the lower-cased name of any other for tag().
  const GumboElement& element = as_node(node)->v.element;
  if (element.tag == GUMBO_TAG_UNKNOWN) {
    value_ = html::source_tag_name(element);
    for (char& c : value_) c = html::ascii_lower(c);
  }
}

selector::selector(std::shared_ptr<const html::document> doc, std::string value, kind k)
    : doc_(std::move(doc)), value_(std::move(value)), kind_(k) {
  if (k == kind::element) throw std::invalid_argument("an element selector is made from its node, not from text");
}

selector_list selector::css(std::string_view query) const {
  const auto group = html::css::parse_cached(query);
  if (kind_ != kind::element) return selector_list({}, html::describe_query(query));
  return selector_list(html::select(doc_, as_node(node_), *group), html::describe_query(query));
}

selector_list selector::xpath(std::string_view query) const {
  if (kind_ != kind::element) return selector_list({}, html::describe_xpath(query));
  return selector_list(html::xpath_select(doc_, as_node(node_), query), html::describe_xpath(query));
}

std::string selector::get() const {
  if (kind_ != kind::element) return value_;
  std::string html;
  html::append_outer_html(html, as_node(node_));
  return html;
}

std::string selector::text() const {
  if (kind_ != kind::element) return value_;
  std::string text;
  html::append_text_content(text, as_node(node_));
  return text;
}

std::optional<std::string> selector::attrib(std::string_view name) const {
  if (kind_ != kind::element) return std::nullopt;
  std::string lowered(name);
  for (char& c : lowered) c = html::ascii_lower(c);
  if (const GumboAttribute* attribute = html::find_attribute(as_node(node_)->v.element, lowered))
    return std::string(attribute->value);
  return std::nullopt;
}

std::string_view selector::tag() const {
  if (kind_ != kind::element) return {};
  const GumboTag tag = as_node(node_)->v.element.tag;
  return tag == GUMBO_TAG_UNKNOWN ? std::string_view(value_) : gumbo_normalized_tagname(tag);
}

std::vector<std::string> selector::re(std::string_view pattern) const { return all_matches(get(), pattern); }

std::optional<std::string> selector::re_first(std::string_view pattern) const {
  return first_match(get(), pattern);
}

// parsel's SelectorList.css: each element's matches in turn (nested elements may repeat some).
selector_list selector_list::css(std::string_view query) const {
  html::css::parse_cached(query);  // an invalid query throws even when the list is empty
  selector_list results({}, query_.empty() ? html::describe_query(query) : query_ + "." + html::describe_query(query));
  for (const auto& item : *this) {
    if (item.type() != selector::kind::element) continue;
    selector_list found = item.css(query);
    results.insert(results.end(), std::make_move_iterator(found.begin()), std::make_move_iterator(found.end()));
  }
  return results;
}

selector_list selector_list::xpath(std::string_view query) const {
  selector_list results({}, query_.empty() ? html::describe_xpath(query) : query_ + "." + html::describe_xpath(query));
  for (const auto& item : *this) {
    selector_list found = item.xpath(query);
    results.insert(results.end(), std::make_move_iterator(found.begin()), std::make_move_iterator(found.end()));
  }
  return results;
}

std::string selector_list::get(std::string_view default_value) const {
  return empty() ? std::string(default_value) : front().get();
}

std::optional<std::string> selector_list::first() const {
  if (empty()) return std::nullopt;
  return front().get();
}

std::vector<std::string> selector_list::getall() const {
  std::vector<std::string> values;
  values.reserve(size());
  for (const auto& item : *this) values.push_back(item.get());
  return values;
}

std::optional<std::string> selector_list::attrib(std::string_view name) const {
  if (empty()) return std::nullopt;
  return front().attrib(name);
}

std::vector<std::string> selector_list::re(std::string_view pattern) const {
  std::vector<std::string> results;
  for (const auto& item : *this) {
    auto found = item.re(pattern);
    results.insert(results.end(), std::make_move_iterator(found.begin()), std::make_move_iterator(found.end()));
  }
  return results;
}

void selector_list::throw_missing(std::size_t index) const {
  const std::string what = query_.empty() ? std::string("the selection") : query_;
  if (empty())
    throw empty_selection(fmt::format("{} matched nothing, so it has no element [{}]; get() and first() give a default "
                                      "or nullopt when nothing matches",
                                      what, index));
  throw empty_selection(fmt::format("{} has {} match{}, so it has no element [{}]", what, size(),
                                    size() == 1 ? "" : "es", index));
}

std::optional<std::string> selector_list::re_first(std::string_view pattern) const {
  for (const auto& item : *this)
    if (auto found = item.re_first(pattern)) return found;
  return std::nullopt;
}

}  // namespace orbweaver
