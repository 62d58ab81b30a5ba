#include "crawl_runner.hpp"

#include <cstdlib>

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
  return {std::move(c), std::move(reason), stats};
}

}  // namespace orbweaver::testing
