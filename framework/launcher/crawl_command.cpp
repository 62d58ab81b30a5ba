// orbweaver crawl NAME: every option is checked, and the settings built, before the spider is
// created; a mistake exits with status 2 without a single request made.
#include "command_line.hpp"
#include "commands.hpp"
#include "crawl_options.hpp"
#include "crawl_workers.hpp"
#include "project.hpp"

#include "feed_export.hpp"

#include <orbweaver/crawler.hpp>
#include <orbweaver/settings.hpp>
#include <orbweaver/spider.hpp>

#include <fmt/format.h>

#include <array>
#include <exception>
#include <map>
#include <optional>

namespace orbweaver::launcher {
namespace {

constexpr std::string_view crawl_help =
    "Usage\n"
    "=====\n"
    "  orbweaver crawl [options] <spider>\n"
    "\n"
    "Run a spider\n"
    "\n"
    "Options\n"
    "=======\n"
    "  -h, --help            show this help message and exit\n"
    "  -a NAME=VALUE         set spider argument (may be repeated)\n"
    "  -o FILE, --output FILE\n"
    "                        append scraped items to the end of FILE (may be\n"
    "                        repeated); the format follows the extension\n"
    "                        (.jsonl or .jl for JSON lines, .json, .csv) or a\n"
    "                        colon: items.out:csv; -:jsonl writes to standard output\n"
    "  -O FILE, --overwrite-output FILE\n"
    "                        dump scraped items into FILE, overwriting any existing\n"
    "                        file (may be repeated; not with -o)\n"
    "  -s NAME=VALUE, --set NAME=VALUE\n"
    "                        set/override setting (may be repeated); \"orbweaver\n"
    "                        settings\" lists them all\n"
    "  -L LEVEL, --loglevel LEVEL\n"
    "                        log level: DEBUG, INFO (default), WARNING, ERROR or\n"
    "                        CRITICAL\n"
    "  --logfile FILE        append the log to FILE instead of standard error\n"
    "  --jobdir DIR          keep the crawl's state in DIR (-s JOBDIR=DIR): the same\n"
    "                        command resumes it after any stop, kill -9 included\n"
    "  --workers N           crawl with N worker processes sharing one frontier on\n"
    "                        Redis: REDIS_URL's, or a private redis-server started\n"
    "                        for them and stopped at the end; the same command on\n"
    "                        another machine (same REDIS_URL) joins the crawl. -o/-O\n"
    "                        FILE: each worker writes FILE.parts/HOST-i, merged into\n"
    "                        FILE at the end. Not with --jobdir\n"
    "  --keep-alive          workers wait for new start URLs (-s\n"
    "                        REDIS_KEEP_ALIVE=true) instead of closing when idle\n"
    "\n"
    "Exit status: 0 when the crawl ran to its end or was stopped by a signal, 1 when\n"
    "it could not start (a pipeline or middleware failed to open, a JOBDIR in use)\n"
    "or its storage failed (disk full), 2 for a mistake in the command line; with\n"
    "--workers, 0 when every worker exited 0, else the first failing worker's status\n";

constexpr std::array crawl_options{
    option_spec{'a', "", true},
    option_spec{'o', "output", true},
    option_spec{'O', "overwrite-output", true},
    option_spec{'s', "set", true},
    option_spec{'L', "loglevel", true},
    option_spec{'\0', "logfile", true},
    option_spec{'\0', "jobdir", true},
    option_spec{'\0', "workers", true},
    option_spec{'\0', "keep-alive", false},
};
// parse_args reports which spec matched by address.
constexpr const option_spec* spider_arg = &crawl_options[0];
constexpr const option_spec* output = &crawl_options[1];
constexpr const option_spec* overwrite_output = &crawl_options[2];
constexpr const option_spec* set_setting = &crawl_options[3];
constexpr const option_spec* log_level = &crawl_options[4];
constexpr const option_spec* log_file = &crawl_options[5];
constexpr const option_spec* jobdir = &crawl_options[6];
constexpr const option_spec* workers = &crawl_options[7];
constexpr const option_spec* keep_alive = &crawl_options[8];

struct crawl_plan {
  std::string spider_name;
  std::optional<int> workers;  // --workers N
  std::map<std::string, std::string> spider_args;
  settings config;
};

// Settings from -s first, then the dedicated options, which are more specific: "-o" replaces a
// FEEDS given with -s, as in Scrapy.
crawl_plan plan_crawl(const parsed_args& parsed) {
  crawl_plan plan;
  apply_project_settings(plan.config);
  if (parsed.positionals.empty()) throw usage_error("missing spider name");
  if (parsed.positionals.size() > 1) throw usage_error(fmt::format("unexpected argument: {}", parsed.positionals[1]));
  plan.spider_name = parsed.positionals[0];

  std::vector<std::string> feeds;
  bool appending = false, overwriting = false;
  for (const auto& [spec, value] : parsed.options) {
    if (spec == spider_arg) {
      add_spider_argument(plan.spider_args, value);
    } else if (spec == set_setting) {
      apply_setting_option(plan.config, value);
    } else if (spec == output || spec == overwrite_output) {
      (spec == output ? appending : overwriting) = true;
      if (!pipelines::parse_feed_uri(value))
        throw usage_error(fmt::format("cannot export to '{}': {}", value, pipelines::unknown_feed_format_advice));
      // FEEDS is a comma-separated list.
      if (value.find(',') != std::string::npos)
        throw usage_error(fmt::format("cannot export to '{}': a feed path cannot contain a comma", value));
      feeds.push_back(value);
    }
  }
  if (appending && overwriting) throw usage_error("use only one of -o/--output and -O/--overwrite-output");

  if (!feeds.empty()) {
    std::string joined;
    for (const auto& feed : feeds) joined += (joined.empty() ? "" : ",") + feed;
    apply_setting(plan.config, "FEEDS", joined);
    apply_setting(plan.config, "FEED_OVERWRITE", overwriting ? "true" : "false");
  }
  for (const auto& [spec, value] : parsed.options) {
    if (spec == log_level) apply_setting(plan.config, "LOG_LEVEL", value);
    if (spec == log_file) apply_setting(plan.config, "LOG_FILE", value);
    if (spec == jobdir) apply_setting(plan.config, "JOBDIR", value);
    if (spec == workers) plan.workers = parse_worker_count(value);
    if (spec == keep_alive) apply_setting(plan.config, "REDIS_KEEP_ALIVE", "true");
  }
  require_log_level(plan.config);
  return plan;
}

}  // namespace

std::span<const option_spec> crawl_option_table() { return crawl_options; }

int crawl_command(std::span<const std::string> args) {
  auto parsed = parse_args(args, crawl_options);
  if (parsed.help) {
    fmt::print("{}", crawl_help);
    return 0;
  }
  crawl_plan plan = plan_crawl(parsed);

  auto target = create_spider(plan.spider_name);
  if (!target) {
    if (spider_names().empty() && !running_project_file()) {
      fmt::print(stderr, "orbweaver crawl: error: {}\n", no_project_message());
      return 1;
    }
    throw unknown_spider(plan.spider_name);
  }
  target->args = std::move(plan.spider_args);
  if (plan.workers)
    return run_with_spider("crawl", "the workers could not start: ", [&] {
      return run_workers(parsed, std::move(target), std::move(plan.config), *plan.workers);
    });

  return run_with_spider("crawl", "the crawl could not start: ", [&] {
    // The crawler applies the spider's custom_settings, then LOG_LEVEL and LOG_FILE.
    crawler c(std::move(target), std::move(plan.config));
    log_configuration(c.config());
    return c.run() == storage_failure ? 1 : 0;  // the error is logged
  });
}

}  // namespace orbweaver::launcher
