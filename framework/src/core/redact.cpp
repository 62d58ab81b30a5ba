#include "core/redact.hpp"

#include <algorithm>

namespace orbweaver {

std::string redact_password(std::string_view uri) {
  std::string out(uri);
  // user:password@ before the first slash, as libpq reads it.
  if (auto scheme = out.find("://"); scheme != std::string::npos) {
    auto begin = scheme + 3;
    auto at = out.find_first_of("@/?", begin);
    if (at != std::string::npos && out[at] == '@') {
      auto colon = out.find(':', begin);
      if (colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // ...&password=secret&...
  if (auto query = out.find('?'); query != std::string::npos) {
    for (auto start = query + 1; start < out.size();) {
      auto end = std::min(out.find('&', start), out.size());
      if (std::string_view(out).substr(start, end - start).starts_with("password=")) {
        out.replace(start + 9, end - start - 9, "***");
        end = start + 9 + 3;
      }
      start = end + 1;
    }
  }
  return out;
}

}  // namespace orbweaver
