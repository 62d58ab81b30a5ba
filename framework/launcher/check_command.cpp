// orbweaver check [SPIDER...]: Scrapy's spider contracts (orbweaver/contracts.hpp). As in Scrapy,
// each spider is crawled with the requests of its contracts in place of its start requests, so
// the pages come through the spider's settings and middlewares; the callbacks are wrapped to
// check what they return and to keep it from going further. The report is Scrapy's (unittest's):
// a dot or, with -v, a line per contract, the failures and errors, "Ran N contracts", OK/FAILED.
#include "command_line.hpp"
#include "commands.hpp"
#include "crawl_options.hpp"
#include "project.hpp"

#include "core/contract_lines.hpp"
#include "core/exception_text.hpp"

#include <orbweaver/contracts.hpp>
#include <orbweaver/crawler.hpp>
#include <orbweaver/error.hpp>
#include <orbweaver/settings.hpp>
#include <orbweaver/spider.hpp>
#include <orbweaver/url.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <set>

namespace orbweaver::launcher {
namespace {

constexpr std::string_view check_help =
    "Usage\n"
    "=====\n"
    "  orbweaver check [options] [spider...]\n"
    "\n"
    "Check spider contracts: for each spider (every spider when none is named) and\n"
    "each callback with ORBWEAVER_CONTRACTS, download the @url through the spider's\n"
    "settings and middlewares, run the callback and check what it returned\n"
    "\n"
    "Options\n"
    "=======\n"
    "  -h, --help            show this help message and exit\n"
    "  -l, --list            only list contracts, without checking them\n"
    "  -v, --verbose         print contract tests for all spiders\n"
    "  -a NAME=VALUE         set spider argument (may be repeated)\n"
    "  -s NAME=VALUE, --set NAME=VALUE\n"
    "                        set/override setting (may be repeated)\n"
    "  -L LEVEL, --loglevel LEVEL\n"
    "                        log level of the crawls (default ERROR)\n"
    "\n"
    "Exit status: 0 when every contract holds, 1 when one fails or cannot be checked\n"
    "(the download failed, the callback threw, a contract is malformed), 2 for a\n"
    "mistake in the command line\n";

constexpr std::array check_options{
    option_spec{'l', "list", false},
    option_spec{'v', "verbose", false},
    option_spec{'a', "", true},
    option_spec{'s', "set", true},
    option_spec{'L', "loglevel", true},
};
// parse_args reports which spec matched by address.
constexpr const option_spec* list_option = &check_options[0];
constexpr const option_spec* verbose_option = &check_options[1];
constexpr const option_spec* spider_arg = &check_options[2];
constexpr const option_spec* set_setting = &check_options[3];
constexpr const option_spec* log_level = &check_options[4];

// unittest's TextTestResult as Scrapy's check prints it, to standard error. Callbacks report from
// the parse pool, several at once.
class contract_report {
 public:
  explicit contract_report(bool verbose) : verbose_(verbose) {}

  void success(const std::string& test) { record(test, "ok", '.', true, nullptr, {}); }
  void failure(const std::string& test, std::string text) { record(test, "FAIL", 'F', true, &failures_, std::move(text)); }
  // An error outside a contract (the download, the callback) is not counted as a contract run.
  void error(const std::string& test, std::string text) { record(test, "ERROR", 'E', false, &errors_, std::move(text)); }

  bool successful() const { return failures_.empty() && errors_.empty(); }

  void print_summary(double seconds) const {
    std::string text = "\n";
    auto list = [&](std::string_view flavour, const std::vector<std::pair<std::string, std::string>>& entries) {
      for (const auto& [test, detail] : entries)
        text += fmt::format("{:=<70}\n{}: {}\n{:-<70}\n{}\n\n", "", flavour, test, "", detail);
    };
    list("ERROR", errors_);
    list("FAIL", failures_);
    text += fmt::format("{:-<70}\nRan {} contract{} in {:.3f}s\n\n", "", run_, run_ == 1 ? "" : "s", seconds);
    if (successful()) {
      text += "OK\n";
    } else {
      std::string counts;
      if (!failures_.empty()) counts = fmt::format("failures={}", failures_.size());
      if (!errors_.empty()) counts += fmt::format("{}errors={}", counts.empty() ? "" : ", ", errors_.size());
      text += fmt::format("FAILED ({})\n", counts);
    }
    std::fputs(text.c_str(), stderr);
  }

 private:
  using entries = std::vector<std::pair<std::string, std::string>>;
  void record(const std::string& test, std::string_view status, char dot, bool counts_as_run, entries* list,
              std::string text) {
    std::lock_guard lock(mutex_);
    if (counts_as_run) ++run_;
    if (list) list->emplace_back(test, std::move(text));
    if (verbose_)
      fmt::print(stderr, "{} ... {}\n", test, status);
    else
      std::fputc(dot, stderr);
    std::fflush(stderr);
  }

  bool verbose_;
  std::mutex mutex_;
  int run_ = 0;
  entries failures_, errors_;
};

// unittest's name of a contract test, as Scrapy's _create_testcase: "[books] parse_book (callback)".
std::string test_name(const std::string& spider_name, const std::string& callback, std::string_view what) {
  return fmt::format("[{}] {} ({})", spider_name, callback, what);
}

struct check_options_given {
  bool list = false;
  bool verbose = false;
  std::map<std::string, std::string> spider_args;
  settings config;
  std::vector<std::string> spiders;
};

check_options_given read_options(const parsed_args& parsed) {
  check_options_given given;
  apply_project_settings(given.config);
  // Callbacks' output goes no further than the contracts, so, as in Scrapy, no pipeline or feed is
  // opened; -s can set them back. Logging is for what goes wrong: the report is the output.
  for (const char* off : {"ITEM_PIPELINES", "FEEDS", "STORE_URI"}) apply_setting(given.config, off, "");
  apply_setting(given.config, "LOG_LEVEL", "ERROR");
  apply_setting(given.config, "LOGSTATS_INTERVAL", "0");
  apply_setting(given.config, "STATS_DUMP", "false");
  for (const auto& [spec, value] : parsed.options) {
    if (spec == list_option) given.list = true;
    if (spec == verbose_option) given.verbose = true;
    if (spec == spider_arg) add_spider_argument(given.spider_args, value);
    if (spec == set_setting) apply_setting_option(given.config, value);
    if (spec == log_level) apply_setting(given.config, "LOG_LEVEL", value);
  }
  require_log_level(given.config);

  const auto known = spider_names();
  given.spiders = parsed.positionals.empty() ? known : parsed.positionals;
  for (const auto& name : given.spiders)
    if (std::find(known.begin(), known.end(), name) == known.end()) throw unknown_spider(name);
  return given;
}

// Scrapy's `check -l`: each spider with its checked callbacks (with -v, spiders without too).
void print_list(const check_options_given& given) {
  std::vector<std::string> blocks;
  for (const auto& name : given.spiders) {
    std::set<std::string> callbacks;
    for (const auto& d : spider_contracts(*create_spider(name))) callbacks.insert(d.callback);
    if (callbacks.empty() && !given.verbose) continue;
    std::string block = name;
    for (const auto& callback : callbacks) block += "\n  * " + callback;
    blocks.push_back(std::move(block));
  }
  std::string text;
  for (const auto& block : blocks) text += (text.empty() ? "" : "\n") + block;
  fmt::print("{}\n", text);
}

// One callback's check: whether its callback or errback ever ran, for requests dropped on the way.
struct pending_check {
  std::string spider_name;
  std::string callback;
  std::string url;
  std::shared_ptr<std::atomic<bool>> answered = std::make_shared<std::atomic<bool>>(false);
};

struct spider_run {
  std::unique_ptr<crawler> crawl;
  std::vector<request> requests;
};

// The contract's request: the callback runs the real one and checks its output, the errback
// reports the failure; neither lets anything further.
request contract_request(const pending_check& check, contracts::callback_contracts parsed, callback_fn real,
                         const std::shared_ptr<contract_report>& report) {
  request r(check.url);
  r.dont_filter = true;  // several callbacks may be checked on one page
  r.meta = std::move(parsed.meta);
  r.cb_kwargs = std::move(parsed.cb_kwargs);
  r.callback_name = check.callback;
  r.callback = [report, check, real = std::move(real), checks = std::move(parsed.checks)](
                   spider& s, const response& resp, output&) {
    check.answered->store(true);
    output returned(&resp);
    try {
      real(s, resp, returned);
    } catch (const std::exception& e) {
      report->error(test_name(check.spider_name, check.callback, "callback"),
                    fmt::format("{}: {}", exception_type(e), exception_message(e)));
      return;
    } catch (...) {
      report->error(test_name(check.spider_name, check.callback, "callback"), "an exception of unknown type");
      return;
    }
    for (const auto& c : checks) {
      auto name = test_name(check.spider_name, check.callback, fmt::format("@{} post-hook", c.tag));
      if (auto failed = contracts::check_output(c, returned.items(), returned.requests().size()))
        report->failure(name, "ContractFail: " + *failed);
      else
        report->success(name);
    }
  };
  r.errback = [report, check](spider&, const failure& f, output&) {
    check.answered->store(true);
    report->error(test_name(check.spider_name, check.callback, "errback"),
                  fmt::format("{}: {}", error_name(f.error), f.message));
  };
  return r;
}

// The spider's class as its source names it: a class in an anonymous namespace without the prefix.
std::string class_name(std::type_index cls) {
  constexpr std::string_view anonymous = "(anonymous namespace)::";
  auto name = demangled(cls.name());
  for (auto at = name.find(anonymous); at != std::string::npos; at = name.find(anonymous)) name.erase(at, anonymous.size());
  return name;
}

// The contract's @url, absolute or resolved against the spider's first start URL. Throws
// contract_error when it cannot be requested.
std::string contract_url(const std::string& written, const spider& s) {
  if (auto absolute = url::normalize(written)) return *absolute;
  if (s.start_urls.empty())
    throw contracts::contract_error(
        fmt::format("@url {} is not an absolute URL and the spider has no start URL to resolve it against", written));
  std::error_code why;
  if (auto joined = url::join(s.start_urls.front(), written, &why)) return *joined;
  throw contracts::contract_error(fmt::format("@url {} cannot be requested ({})", written, error_name(why)));
}

}  // namespace

int check_command(std::span<const std::string> args) {
  auto parsed = parse_args(args, check_options);
  if (parsed.help) {
    fmt::print("{}", check_help);
    return 0;
  }
  if (spider_names().empty() && !running_project_file()) {
    fmt::print(stderr, "orbweaver check: error: {}\n", no_project_message());
    return 1;
  }
  auto given = read_options(parsed);
  if (given.list) {
    print_list(given);
    return 0;
  }

  // Every contract is parsed and every request built before the first download: a malformed
  // contract stops the check with every problem named.
  auto report = std::make_shared<contract_report>(given.verbose);
  std::vector<spider_run> runs;
  std::vector<pending_check> checks;
  std::vector<std::string> problems;
  for (const auto& name : given.spiders) {
    auto target = create_spider(name);
    auto declarations = spider_contracts(*target);
    if (declarations.empty()) continue;
    target->args = given.spider_args;
    spider_run run;
    try {
      run.crawl = std::make_unique<crawler>(std::move(target), given.config);
    } catch (const settings_error& e) {
      fmt::print(stderr, "orbweaver check: error: spider '{}': {}\n", name, e.what());
      return 2;
    } catch (const std::exception& e) {
      problems.push_back(fmt::format("spider '{}' could not start: {}", name, e.what()));
      continue;
    }
    std::set<std::string> declared;
    for (const auto& d : declarations) {
      auto where = fmt::format("{}: [{}] {}", d.declared_at, name, d.callback);
      if (!declared.insert(d.callback).second) {
        problems.push_back(fmt::format("{}: a second ORBWEAVER_CONTRACTS for the same callback", where));
        continue;
      }
      auto callback = spider_callback(run.crawl->target(), d.callback);
      if (!callback) {
        auto cls = class_name(d.spider_class);
        problems.push_back(fmt::format("{}: {}::{} is not a named callback; name it in ORBWEAVER_SPIDER({}, {}, ...)",
                                       where, cls, d.callback, cls, d.callback));
        continue;
      }
      try {
        auto contract = contracts::parse_contracts(d.lines);
        pending_check check{name, d.callback, contract_url(contract.url, run.crawl->target())};
        run.requests.push_back(contract_request(check, std::move(contract), std::move(*callback), report));
        checks.push_back(std::move(check));
      } catch (const contracts::contract_error& e) {
        problems.push_back(fmt::format("{}: {}", where, e.what()));
      }
    }
    runs.push_back(std::move(run));
  }
  if (!problems.empty()) {
    for (const auto& p : problems) fmt::print(stderr, "orbweaver check: error: {}\n", p);
    return 1;
  }

  const auto started = std::chrono::steady_clock::now();
  for (auto& run : runs) {
    try {
      run.crawl->run(std::move(run.requests));
    } catch (const std::exception& e) {
      fmt::print(stderr, "orbweaver check: error: the crawl of '{}' could not start: {}\n", run.crawl->target().name,
                 e.what());
      return 1;
    }
  }
  for (const auto& check : checks)
    if (!check.answered->load())
      report->error(test_name(check.spider_name, check.callback, "download"),
                    fmt::format("<GET {}> was dropped before its callback or errback ran; run with -L DEBUG to see why",
                                check.url));
  report->print_summary(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return report->successful() ? 0 : 1;
}

}  // namespace orbweaver::launcher
