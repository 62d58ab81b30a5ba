// Selector text a spider builds from page content (or a settings file) reaches the CSS parser:
// arbitrary bytes either compile or throw selector_error, the documented failure. What compiles is
// then run over a small fixed document, which exercises the matcher with odd selectors too.
#include <orbweaver/selector.hpp>

#include "html/css_matcher.hpp"
#include "html/css_parser.hpp"
#include "html/document.hpp"

#include <cstdint>
#include <memory>
#include <string_view>

namespace {

const std::shared_ptr<const orbweaver::html::document>& fixed_document() {
  static const auto doc = std::make_shared<const orbweaver::html::document>(
      "<!DOCTYPE html><html lang=en><head><title>T</title><base href=\"/b/\"></head><body>"
      "<div id=main class=\"a b\"><ul><li>1</li><li class=x data-k=\"v-w\">2</li><li></li></ul>"
      "<p>text <a href=\"/x?q=1\" rel=next>link</a><br><img src=i.png alt=\"\"></p>"
      "<table><tr><td>c</td><th>h</th></tr></table><custom-el foo=bar>z</custom-el>"
      "<svg><circle r=1></circle></svg><!-- c --></div><p></p></body></html>");
  return doc;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view query(reinterpret_cast<const char*>(data), size);
  orbweaver::html::css::selector_group group;
  try {
    group = orbweaver::html::css::parse(query);
  } catch (const orbweaver::selector_error&) {
    return 0;  // the documented failure
  }
  const auto& doc = fixed_document();
  const auto matches = orbweaver::html::select(doc, doc->root(), group);
  for (const auto& match : matches) {
    (void)match.get();
    (void)match.text();
  }
  return 0;
}
