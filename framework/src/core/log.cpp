// One process-wide log sink. A mutex keeps lines from different threads whole; the level is an
// atomic so the check before formatting costs nothing when a level is filtered out.
#include <orbweaver/log.hpp>
#include <orbweaver/settings.hpp>

#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>
#include <stdexcept>
#include <string>

namespace orbweaver::log {
namespace {

constexpr std::array level_names{"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"};

std::atomic<level> threshold{level::info};

struct sink {
  std::mutex mutex;
  std::FILE* file = nullptr;  // null: stderr
  std::string path;

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
}

void write(level l, std::string_view component, std::string_view message) {
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &local);
  std::string line = fmt::format("{} [{}] {}: {}\n", stamp, component, level_names[static_cast<std::size_t>(l)], message);

  sink& s = the_sink();
  std::lock_guard lock(s.mutex);
  std::FILE* out = s.file ? s.file : stderr;
  std::fwrite(line.data(), 1, line.size(), out);
  // A crash or a kill must not lose the lines that explain it.
  std::fflush(out);
}

}  // namespace orbweaver::log
