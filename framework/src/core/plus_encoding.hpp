#pragma once
// One name or value of application/x-www-form-urlencoded data as it is written: the bytes `keep`
// accepts as they are, spaces as '+', every other byte percent-encoded in upper-case hex. Forms
// keep the HTML Standard's set (form_request.cpp), w3lib's canonical queries Python's quote_plus
// set (url.cpp).
#include <string>
#include <string_view>

namespace orbweaver::text {

template <class Keep>
void append_plus_encoded(std::string& out, std::string_view s, Keep keep) {
  constexpr char upper_hex[] = "0123456789ABCDEF";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (keep(c)) {
      out.push_back(ch);
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(upper_hex[c >> 4]);
      out.push_back(upper_hex[c & 15]);
    }
  }
}

}  // namespace orbweaver::text
