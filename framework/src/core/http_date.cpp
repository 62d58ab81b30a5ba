#include "core/http_date.hpp"

#include "core/text.hpp"

#include <fmt/format.h>

#include <ctime>

namespace orbweaver::http_date {

std::optional<std::int64_t> parse(std::string_view text) {
  const std::string date(text::trim_ows(text));
  for (const char* form : {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"}) {
    std::tm tm{};
    const char* end = strptime(date.c_str(), form, &tm);
    if (end && *end == '\0') return static_cast<std::int64_t>(timegm(&tm));
  }
  return std::nullopt;
}

std::string format(std::int64_t epoch) {
  static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} GMT", days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
                     tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

}  // namespace orbweaver::http_date
