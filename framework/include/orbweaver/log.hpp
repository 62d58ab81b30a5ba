#pragma once
// Log lines as Scrapy prints them: "2026-11-23 15:04:05 [component] LEVEL: message".
// Thread-safe: callbacks on the parse pool may log.
#include <fmt/format.h>

#include <string_view>

namespace orbweaver::log {

enum class level { debug = 0, info = 1, warning = 2, error = 3, critical = 4 };

void set_level(level l);
level current_level();
level parse_level(std::string_view name);  // DEBUG/INFO/WARNING/ERROR/CRITICAL; throws settings_error
void set_file(std::string_view path);      // append to a file instead of stderr ("" = stderr)
void write(level l, std::string_view component, std::string_view message);

template <class... Args>
void debug(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  if (current_level() <= level::debug) write(level::debug, component, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void info(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  if (current_level() <= level::info) write(level::info, component, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void warning(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  if (current_level() <= level::warning) write(level::warning, component, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void error(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  if (current_level() <= level::error) write(level::error, component, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace orbweaver::log
