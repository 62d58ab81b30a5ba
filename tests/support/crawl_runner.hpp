#pragma once
// Runs a whole crawl in the test process, quietly, and keeps the crawler (with its spider and its
// stats) alive for the assertions that follow.
#include <orbweaver/crawler.hpp>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace orbweaver::testing {

struct [[nodiscard]] crawl_result {
  std::unique_ptr<crawler> owner;
  std::string reason;
  stats_collector& stats;
};

using setting_overrides = std::vector<std::pair<std::string, std::string>>;

// LOG_LEVEL=WARNING, no periodic or final stats lines; overrides are set at command-line priority.
crawl_result run_crawl(std::unique_ptr<spider> s, const setting_overrides& overrides = {});

}  // namespace orbweaver::testing
