#pragma once
// Runs compiled selectors over gumbo's tree.
#include "html/css_parser.hpp"

#include <orbweaver/selector.hpp>

#include <gumbo.h>

#include <memory>
#include <string>
#include <string_view>

namespace orbweaver::html {

class document;

// Whether an element matches one compound selector (no combinators); scope is the element :scope
// names.
bool matches(const css::compound& compound, const GumboNode* element, const GumboNode* scope);

// Every match of the group, in document order and without duplicates, with parsel's meaning of
// a query run on an element: the selector's first step matches the scope element or something
// inside it (from a <li>, "li" finds the <li> itself and "ul li" finds nothing); later steps
// follow the combinators, so "li + li" finds the next <li> even though it lies outside.
selector_list select(const std::shared_ptr<const document>& doc, const GumboNode* scope,
                     const css::selector_group& group);

// A query as code writes it, naming a selection in messages: css("h1.title").
std::string describe_query(std::string_view query);

}  // namespace orbweaver::html
