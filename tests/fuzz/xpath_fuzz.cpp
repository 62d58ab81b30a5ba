// Random XPath over random HTML: the input's first line is the query, the rest the page. A query
// either evaluates or throws selector_error, the documented failure; the libxml2 copy of whatever
// tree gumbo made must hold, and element results are queried again from themselves.
#include <orbweaver/selector.hpp>

#include "html/document.hpp"
#include "html/xpath.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t line_end = input.find('\n');
  const std::string_view query = input.substr(0, line_end);
  const std::string_view page = line_end == std::string_view::npos ? std::string_view() : input.substr(line_end + 1);
  const auto doc = std::make_shared<const orbweaver::html::document>(std::string(page));
  try {
    const auto results = orbweaver::html::xpath_select(doc, nullptr, query);
    for (const auto& result : results) {
      (void)result.get();
      if (result.type() == orbweaver::selector::kind::element) (void)result.xpath(query).getall();
    }
  } catch (const orbweaver::selector_error&) {
    return 0;
  }
  return 0;
}
