#pragma once
// Regular expressions over UTF-8 text that match code points, not bytes, as Python's re does for
// parsel: \w matches "é" and "日", a dot one character, case folding is Unicode's. Boost.Regex
// with ICU; compiled once per pattern and options (html::compiled_cache).
#include <boost/regex/icu.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace orbweaver::html {

// The compiled pattern; throws selector_error naming the pattern when it is not valid (or not
// UTF-8).
std::shared_ptr<const boost::u32regex> unicode_regex(std::string_view pattern,
                                                    boost::regex_constants::syntax_option_type options =
                                                        boost::regex_constants::perl);

// Each match of regex in subject, in order, as boost::smatch over subject's bytes.
template <class Visit>
void for_each_match(const std::string& subject, const boost::u32regex& regex, Visit&& visit) {
  for (auto it = boost::make_u32regex_iterator(subject, regex); it != boost::u32regex_iterator<std::string::const_iterator>();
       ++it)
    visit(*it);
}

}  // namespace orbweaver::html
