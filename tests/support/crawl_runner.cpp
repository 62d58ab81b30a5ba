#include "crawl_runner.hpp"

namespace orbweaver::testing {

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
