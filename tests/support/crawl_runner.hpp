#pragma once
// Runs a whole crawl in the test process, quietly, and keeps the crawler (with its spider and its
// stats) alive for the assertions that follow.
#include <orbweaver/crawler.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace orbweaver::testing {

struct [[nodiscard]] crawl_result {
  std::unique_ptr<crawler> owner;
  std::string reason;
  stats_collector& stats;
  std::string log;  // what the crawl logged, from run_crawl_with_log only
};

using setting_overrides = std::vector<std::pair<std::string, std::string>>;

// LOG_LEVEL=WARNING, no periodic or final stats lines; overrides are set at command-line priority.
crawl_result run_crawl(std::unique_ptr<spider> s, const setting_overrides& overrides = {});

// As run_crawl, and the test fails unless the crawl ends with "finished".
crawl_result run_finished_crawl(std::unique_ptr<spider> s, const setting_overrides& overrides = {});

// As run_crawl, with the log written to a temporary file and returned in crawl_result::log
// (the overrides choose LOG_LEVEL).
crawl_result run_crawl_with_log(std::unique_ptr<spider> s, const setting_overrides& overrides = {});

// A whole file as bytes; empty when it cannot be read.
std::string read_file(const std::filesystem::path& path);

}  // namespace orbweaver::testing
