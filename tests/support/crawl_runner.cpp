#include "crawl_runner.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace orbweaver::testing {

namespace {

// A proxy set in the environment (as on some CI machines) would divert the loopback crawls of
// every test; the proxy tests set and restore these themselves.
const bool proxy_environment_cleared = [] {
  for (const char* name : {"http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"})
    unsetenv(name);
  return true;
}();

}  // namespace

crawl_result run_crawl(std::unique_ptr<spider> s, const setting_overrides& overrides) {
  settings config;
  config.set("LOG_LEVEL", "WARNING", setting_priority::command_line);
  config.set("LOGSTATS_INTERVAL", "0", setting_priority::command_line);
  config.set("STATS_DUMP", "false", setting_priority::command_line);
  for (const auto& [name, value] : overrides) config.set(name, value, setting_priority::command_line);
  auto c = std::make_unique<crawler>(std::move(s), std::move(config));
  std::string reason = c->run();
  auto& stats = c->stats();
  return {std::move(c), std::move(reason), stats, {}};
}

crawl_result run_finished_crawl(std::unique_ptr<spider> s, const setting_overrides& overrides) {
  auto result = run_crawl(std::move(s), overrides);
  EXPECT_EQ(result.reason, "finished");
  return result;
}

crawl_result run_crawl_with_log(std::unique_ptr<spider> s, const setting_overrides& overrides) {
  static std::atomic<int> crawls{0};
  const auto log_path = std::filesystem::temp_directory_path() /
                        ("orbweaver-test-" + std::to_string(::getpid()) + "-" + std::to_string(++crawls) + ".log");
  std::filesystem::remove(log_path);
  setting_overrides with_log = overrides;
  with_log.emplace_back("LOG_FILE", log_path.string());
  auto result = run_crawl(std::move(s), with_log);
  result.log = read_file(log_path);
  std::filesystem::remove(log_path);
  return result;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace orbweaver::testing
