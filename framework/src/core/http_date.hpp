#pragma once
// HTTP-dates (RFC 9110 section 5.6.7), read by the HTTP cache (Date, Expires, Last-Modified) and by
// retry (Retry-After). A recipient must accept all three forms, so both read them with this.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace orbweaver::http_date {

// IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT" or asctime
// "Sun Nov  6 08:49:37 1994", surrounding whitespace allowed, as seconds since 1970-01-01 UTC;
// nullopt when the text is none of them.
std::optional<std::int64_t> parse(std::string_view text);
// IMF-fixdate, as servers send Date.
std::string format(std::int64_t epoch);

}  // namespace orbweaver::http_date
