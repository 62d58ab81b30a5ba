// orbweaver parse URL: one callback on one page (and, with --depth, on the pages its requests lead
// to), through the spider's settings and downloader middlewares, with what it yields printed in
// Scrapy's layout. Items are printed, not sent to the pipelines.
#include "command_line.hpp"
#include "commands.hpp"
#include "crawl_options.hpp"
#include "page_tools.hpp"

#include "engine/fingerprint.hpp"
#include "item_json.hpp"

#include <orbweaver/error.hpp>
#include <orbweaver/item.hpp>
#include <orbweaver/log.hpp>
#include <orbweaver/url.hpp>

#include <boost/json.hpp>
#include <fmt/format.h>

#include <string>
#include <unordered_set>
#include <vector>

namespace orbweaver::launcher {
namespace {

constexpr std::string_view parse_help =
    "Usage\n"
    "=====\n"
    "  orbweaver parse [options] <url>\n"
    "\n"
    "Parse URL (using its spider) and print the results\n"
    "\n"
    "Options\n"
    "=======\n"
    "  -h, --help            show this help message and exit\n"
    "  -c CALLBACK, --callback CALLBACK\n"
    "                        use this callback for parsing, instead looking for a\n"
    "                        callback\n"
    "  -d DEPTH, --depth DEPTH\n"
    "                        maximum depth for parsing requests [default: 1]\n"
    "  -m JSON, --meta JSON  inject extra meta into the Request, it must be a valid\n"
    "                        raw json string (a JSON object)\n"
    "  --cbkwargs JSON       inject extra callback kwargs into the Request, it must\n"
    "                        be a valid raw json string (a JSON object)\n"
    "  -a NAME=VALUE         set spider argument (may be repeated)\n"
    "  -v, --verbose         print each depth level one by one\n"
    "  --noitems             don't show scraped items\n"
    "  --nolinks             don't show links to follow (extracted requests)\n";

constexpr std::array parse_options{
    page_option_specs[0], page_option_specs[1], page_option_specs[2],
    option_spec{'c', "callback", true},
    option_spec{'d', "depth", true},
    option_spec{'m', "meta", true},
    option_spec{'\0', "cbkwargs", true},
    option_spec{'a', "", true},
    option_spec{'v', "verbose", false},
    option_spec{'\0', "noitems", false},
    option_spec{'\0', "nolinks", false},
};

struct parse_plan {
  std::string url;
  std::optional<std::string> callback;
  int depth = 1;
  json::object meta, cb_kwargs;
  std::map<std::string, std::string> spider_args;
  bool verbose = false, show_items = true, show_requests = true;
};

json::object json_object_option(std::string_view option, const std::string& text) {
  json::value value;
  try {
    value = parse_json(text, option);
  } catch (const value_error& e) {
    throw usage_error(e.what());
  }
  if (!value.is_object()) throw usage_error(fmt::format("{}: '{}' is not a JSON object", option, text));
  return std::move(value.as_object());
}

parse_plan plan_parse(const parsed_args& parsed) {
  parse_plan plan;
  plan.url = url_argument(parsed);
  for (const auto& [spec, value] : parsed.options) {
    if (spec->short_name == 'c') plan.callback = value;
    if (spec->short_name == 'm') plan.meta = json_object_option("--meta", value);
    if (spec->long_name == "cbkwargs") plan.cb_kwargs = json_object_option("--cbkwargs", value);
    if (spec->short_name == 'v') plan.verbose = true;
    if (spec->long_name == "noitems") plan.show_items = false;
    if (spec->long_name == "nolinks") plan.show_requests = false;
    if (spec->short_name == 'd') {
      try {
        std::size_t used = 0;
        plan.depth = std::stoi(value, &used);
        if (used != value.size() || plan.depth < 1) throw std::invalid_argument(value);
      } catch (const std::exception&) {
        throw usage_error(fmt::format("--depth: '{}' is not a whole number of at least 1", value));
      }
    }
    if (spec->short_name == 'a') add_spider_argument(plan.spider_args, value);
  }
  return plan;
}

// Without --spider, the one spider that handles the URL (Scrapy's parse needs one).
std::unique_ptr<spider> spider_to_parse_with(const page_options& options, const parse_plan& plan) {
  if (options.spider_name) return named_spider(*options.spider_name);
  const auto& address = plan.url;
  auto names = spiders_for_url(address, plan.spider_args);
  if (names.size() == 1) return create_spider(names.front());
  if (names.empty())
    throw usage_error(fmt::format("no spider handles {} (none has its host in allowed_domains or start_urls); "
                                  "choose one with --spider NAME",
                                  address));
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  throw usage_error(fmt::format("several spiders handle {}: {}; choose one with --spider NAME", address, list));
}

// What the callbacks yielded at one depth level.
struct level_output {
  std::vector<item> items;
  std::vector<request> requests;
};

// pprint's layout of a list too long for one line: one element a line.
template <class T, class Show>
void print_list(const std::vector<const T*>& elements, Show show) {
  if (elements.empty()) {
    fmt::print("[]\n\n");
    return;
  }
  for (std::size_t i = 0; i < elements.size(); ++i)
    fmt::print("{}{}{}\n", i == 0 ? "[" : " ", show(*elements[i]), i + 1 == elements.size() ? "]" : ",");
  fmt::print("\n");
}

void print_items(const std::vector<const item*>& items) {
  fmt::print("# Scraped Items  {}\n", std::string(60, '-'));
  print_list(items, [](const item& it) {
    std::string text;
    pipelines::append_json(text, it);
    return text;
  });
}

void print_requests(const std::vector<const request*>& requests) {
  fmt::print("# Requests  {}\n", std::string(65, '-'));
  print_list(requests, [](const request& r) { return fmt::format("<{} {}>", r.method, r.url); });
}

template <class T>
std::vector<const T*> pointers(const std::vector<T>& elements) {
  std::vector<const T*> result;
  for (const auto& e : elements) result.push_back(&e);
  return result;
}

// Scrapy's output: with -v each level on its own, else every item and the last level's requests.
void print_results(const parse_plan& plan, const std::vector<level_output>& levels) {
  if (plan.verbose) {
    for (std::size_t level = 0; level < levels.size(); ++level) {
      fmt::print("\n>>> DEPTH LEVEL: {} <<<\n", level + 1);
      if (plan.show_items) print_items(pointers(levels[level].items));
      if (plan.show_requests) print_requests(pointers(levels[level].requests));
    }
    return;
  }
  fmt::print("\n>>> STATUS DEPTH LEVEL: {} <<<\n", levels.size());
  if (plan.show_items) {
    std::vector<const item*> all;
    for (const auto& level : levels)
      for (const auto& it : level.items) all.push_back(&it);
    print_items(all);
  }
  if (plan.show_requests) print_requests(levels.empty() ? std::vector<const request*>{} : pointers(levels.back().requests));
}

std::string callback_label(const request& r) { return r.callback_name.empty() ? "parse" : r.callback_name; }

// Downloads and parses level by level, up to the plan's depth; `failed` is set when a download or
// a callback failed. nullopt when the first page could not be downloaded: nothing to print.
std::optional<std::vector<level_output>> parse_levels(page_session& session, request first, const parse_plan& plan,
                                                      bool& failed) {
  std::vector<level_output> levels;
  std::unordered_set<fingerprint, fingerprint_hash> seen{request_fingerprint(first)};
  std::vector<request> pending{std::move(first)};
  for (int depth = 1; depth <= plan.depth && !pending.empty(); ++depth) {
    level_output level;
    for (auto& r : pending) {
      auto result = session.download(r);
      if (!result.resp) {
        if (depth > 1 && refused_by_policy(result)) {
          log::debug("parse", "{}", download_error_message(r, result));
          continue;
        }
        fmt::print(stderr, "orbweaver parse: error: {}\n", download_error_message(r, result));
        if (depth == 1) return std::nullopt;
        failed = true;
        continue;
      }
      auto yield = run_callback(session.target(), *result.resp);
      if (!yield.error.empty()) {
        fmt::print(stderr, "orbweaver parse: error: spider '{}' callback '{}' raised on <{} {}>: {}\n",
                   session.target().name, callback_label(r), r.method, r.url, yield.error);
        failed = true;
      }
      std::move(yield.items.begin(), yield.items.end(), std::back_inserter(level.items));
      std::move(yield.requests.begin(), yield.requests.end(), std::back_inserter(level.requests));
    }
    // The requests of this level lead to the next one, each once, as the scheduler would.
    pending.clear();
    if (depth < plan.depth) {
      for (const auto& r : level.requests) {
        auto follow = r;
        auto normalized = url::normalize(follow.url);
        if (!normalized) continue;
        follow.url = *normalized;
        if (seen.insert(request_fingerprint(follow)).second) pending.push_back(std::move(follow));
      }
    }
    levels.push_back(std::move(level));
  }
  return levels;
}

}  // namespace

int parse_command(std::span<const std::string> args) {
  auto parsed = parse_args(args, parse_options);
  if (parsed.help) {
    fmt::print("{}{}", parse_help, page_options_help);
    return 0;
  }
  const auto plan = plan_parse(parsed);
  const auto options = read_page_options(parsed);
  auto config = page_settings(options);
  auto target = spider_to_parse_with(options, plan);
  target->args = plan.spider_args;

  request first(plan.url);
  first.dont_filter = true;
  first.meta = plan.meta;
  first.cb_kwargs = plan.cb_kwargs;
  if (plan.callback) {
    auto callback = spider_callback(*target, *plan.callback);
    if (!callback) {
      std::string names;
      for (const auto& n : callback_names(*target)) names += (names.empty() ? "" : ", ") + n;
      throw usage_error(fmt::format("spider '{}' has no callback '{}'; its callbacks: {}", target->name,
                                    *plan.callback, names));
    }
    first.callback = std::move(*callback);
    first.callback_name = *plan.callback;
  }

  return run_with_spider("parse", "", [&] {
    page_session session(std::move(target), std::move(config));
    bool failed = false;
    auto levels = parse_levels(session, std::move(first), plan, failed);
    if (!levels) return 1;
    print_results(plan, *levels);
    return failed ? 1 : 0;
  });
}

}  // namespace orbweaver::launcher
