#pragma once
// What the log does on a terminal: level colours, and a status line kept under the scrolling log
// (each log line clears it, prints itself, and redraws it). Neither when standard error is not a
// terminal or the log goes to LOG_FILE, so files and pipes get plain lines. The decisions are pure
// functions of the facts, so they are tested without a terminal.
#include <orbweaver/log.hpp>

#include <cstdint>
#include <string>
#include <vector>
#include <string_view>

namespace orbweaver::log {

struct terminal_facts {
  bool stderr_is_terminal = false;
  bool logging_to_file = false;  // LOG_FILE is set
  const char* no_color = nullptr;  // $NO_COLOR (https://no-color.org: set and not empty disables colour)
  const char* term = nullptr;      // $TERM ("dumb" terminals have no escape sequences)
};

// The facts of this process now: isatty(2), the log file, the environment.
terminal_facts current_terminal_facts();
bool wants_colour(const terminal_facts& facts);
bool wants_status_line(const terminal_facts& facts);

// "2026-11-23 15:04:05 [component] LEVEL: message\n", the level coloured when `colour`.
std::string format_line(std::string_view stamp, std::string_view component, level l, std::string_view message,
                        bool colour);

// The status line. show_status draws or redraws it (nothing happens unless wants_status_line);
// clear_status erases it, before the final lines of a crawl.
void show_status(std::string_view text);
void clear_status();
// Columns of the terminal on standard error (80 when unknown).
std::size_t terminal_width();
// Lines logged at ERROR or above since the process started.
std::uint64_t error_lines_logged();
// The last lines logged at ERROR or above (at most recent_error_capacity, oldest first), for the
// dashboard.
inline constexpr std::size_t recent_error_capacity = 20;
std::vector<std::string> recent_error_lines();

}  // namespace orbweaver::log
