#include "html/unicode_regex.hpp"

#include "html/compiled_cache.hpp"

#include <orbweaver/selector.hpp>

#include <fmt/format.h>

#include <stdexcept>

namespace orbweaver::html {

std::shared_ptr<const boost::u32regex> unicode_regex(std::string_view pattern,
                                                    boost::regex_constants::syntax_option_type options) {
  static compiled_cache<boost::u32regex> cache(256);
  const std::string key = std::to_string(static_cast<unsigned>(options)) + "/" + std::string(pattern);
  return cache.get(key, [&](std::string_view) {
    try {
      return boost::make_u32regex(std::string(pattern), options);
    } catch (const std::exception& e) {  // boost::regex_error, or std::out_of_range for bad UTF-8
      throw selector_error(fmt::format("invalid regular expression '{}': {}", pattern, e.what()));
    }
  });
}

}  // namespace orbweaver::html
