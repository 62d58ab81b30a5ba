// One process-wide log sink. A mutex keeps lines from different threads whole (and the status line
// under them, on a terminal); the level is an atomic so the check before formatting costs nothing
// when a level is filtered out.
#include <orbweaver/log.hpp>
#include <orbweaver/settings.hpp>

#include "core/terminal_log.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string>

namespace orbweaver::log {
namespace {

constexpr std::array level_names{"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"};

std::atomic<level> threshold{level::info};
std::atomic<std::uint64_t> error_lines{0};

// ANSI SGR colours of the level names: DEBUG cyan, INFO green, WARNING yellow, ERROR red,
// CRITICAL bold red.
constexpr std::array level_colours{"\033[36m", "\033[32m", "\033[33m", "\033[31m", "\033[1;31m"};
constexpr std::string_view colour_reset = "\033[0m";
// Back to the start of the line and erase it: where the status line was.
constexpr std::string_view erase_line = "\r\033[K";

struct sink {
  std::mutex mutex;
  std::FILE* file = nullptr;  // null: stderr
  std::string path;
  bool colour = false;        // decided when the destination changes (set_file)
  bool decided = false;
  std::string status;         // the status line on screen, empty when none
  std::deque<std::string> recent_errors;

  void decide() {
    auto facts = current_terminal_facts();
    colour = wants_colour(facts);
    decided = true;
  }

  ~sink() {
    if (file) std::fclose(file);
  }
};

sink& the_sink() {
  static sink s;
  return s;
}

bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(a[i])) != std::toupper(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

}  // namespace

void set_level(level l) { threshold.store(l, std::memory_order_relaxed); }

level current_level() { return threshold.load(std::memory_order_relaxed); }

level parse_level(std::string_view name) {
  for (std::size_t i = 0; i < level_names.size(); ++i)
    if (iequals_ascii(name, level_names[i])) return static_cast<level>(i);
  throw settings_error(
      fmt::format("unknown log level '{}' (expected DEBUG, INFO, WARNING, ERROR or CRITICAL)", name));
}

void set_file(std::string_view path) {
  sink& s = the_sink();
  std::lock_guard lock(s.mutex);
  if (path == s.path) return;
  std::FILE* opened = nullptr;
  if (!path.empty()) {
    std::string path_text(path);
    opened = std::fopen(path_text.c_str(), "a");
    if (!opened)
      throw std::runtime_error(fmt::format("cannot open log file '{}': {}", path, std::strerror(errno)));
  }
  if (s.file) std::fclose(s.file);
  s.file = opened;
  s.path = std::string(path);
  s.decide();
}

terminal_facts current_terminal_facts() {
  terminal_facts facts;
  facts.stderr_is_terminal = isatty(STDERR_FILENO) == 1;
  facts.logging_to_file = the_sink().file != nullptr;
  facts.no_color = std::getenv("NO_COLOR");
  facts.term = std::getenv("TERM");
  return facts;
}

bool wants_colour(const terminal_facts& facts) {
  bool no_color = facts.no_color && *facts.no_color;
  return wants_status_line(facts) && !no_color;
}

bool wants_status_line(const terminal_facts& facts) {
  bool dumb = facts.term && std::string_view(facts.term) == "dumb";
  return facts.stderr_is_terminal && !facts.logging_to_file && !dumb;
}

std::string format_line(std::string_view stamp, std::string_view component, level l, std::string_view message,
                        bool colour) {
  auto index = static_cast<std::size_t>(l);
  if (!colour) return fmt::format("{} [{}] {}: {}\n", stamp, component, level_names[index], message);
  return fmt::format("{} [{}] {}{}{}: {}\n", stamp, component, level_colours[index], level_names[index], colour_reset,
                     message);
}

void show_status(std::string_view text) {
  sink& s = the_sink();
  std::lock_guard lock(s.mutex);
  if (s.file || !wants_status_line(current_terminal_facts())) return;
  s.status = std::string(text);
  std::string out = std::string(erase_line) + s.status;
  std::fwrite(out.data(), 1, out.size(), stderr);
  std::fflush(stderr);
}

void clear_status() {
  sink& s = the_sink();
  std::lock_guard lock(s.mutex);
  if (s.status.empty()) return;
  s.status.clear();
  std::fwrite(erase_line.data(), 1, erase_line.size(), stderr);
  std::fflush(stderr);
}

std::size_t terminal_width() {
  winsize size{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

std::uint64_t error_lines_logged() { return error_lines.load(std::memory_order_relaxed); }

std::vector<std::string> recent_error_lines() {
  sink& s = the_sink();
  std::lock_guard lock(s.mutex);
  return {s.recent_errors.begin(), s.recent_errors.end()};
}

void write(level l, std::string_view component, std::string_view message) {
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &local);
  if (l >= level::error) error_lines.fetch_add(1, std::memory_order_relaxed);

  sink& s = the_sink();
  std::lock_guard lock(s.mutex);
  if (!s.decided) s.decide();
  std::string line = format_line(stamp, component, l, message, s.colour && !s.file);
  if (l >= level::error) {
    if (s.recent_errors.size() == recent_error_capacity) s.recent_errors.pop_front();
    s.recent_errors.push_back(format_line(stamp, component, l, message, false));
    s.recent_errors.back().pop_back();  // the newline
  }
  // The status line gives way to the log line and comes back under it.
  if (!s.status.empty()) line = std::string(erase_line) + line + s.status;
  std::FILE* out = s.file ? s.file : stderr;
  std::fwrite(line.data(), 1, line.size(), out);
  // A crash or a kill must not lose the lines that explain it.
  std::fflush(out);
}

}  // namespace orbweaver::log
