#include "crawl_workers.hpp"

#include "core/child_process.hpp"
#include "crawl_options.hpp"
#include "feed_export.hpp"
#include "feed_parts.hpp"
#include "redis/client.hpp"
#include "redis/config.hpp"
#include "redis/error.hpp"
#include "redis/frontier_store.hpp"
#include "redis/local_server.hpp"

#include <orbweaver/crawler.hpp>
#include <orbweaver/log.hpp>
#include <orbweaver/spider.hpp>
#include <orbweaver/stats.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <map>
#include <optional>

#include <unistd.h>

namespace orbweaver::launcher {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;

// The field of {P}:sink:<worker> where a worker records where its feed parts end (the feed export
// pipeline's registered name); its value is the JSON of the pipeline's checkpoint: {path: bytes}.
constexpr std::string_view feed_sink = "feed_export";

bool is_option(const option_spec* spec, std::string_view long_name) { return spec->long_name == long_name; }

bool worker_option(const option_spec* spec) {
  return is_option(spec, "workers") || is_option(spec, "keep-alive") || is_option(spec, "output") ||
         is_option(spec, "overwrite-output");
}

// The feeds of the crawl (-o/-O, or FEEDS from -s, the project or the spider), each checked for
// what workers can write.
std::vector<pipelines::feed_target> crawl_feeds(const settings& config) {
  std::vector<pipelines::feed_target> feeds;
  const bool overwrite = config.get_bool("FEED_OVERWRITE");
  for (const auto& uri : config.get_list("FEEDS")) {
    auto target = pipelines::parse_feed_uri(uri);
    if (!target) throw usage_error(fmt::format("cannot export to '{}': {}", uri, pipelines::unknown_feed_format_advice));
    if (target->path == pipelines::standard_output_path)
      throw usage_error(fmt::format(
          "cannot export to '{}' with --workers: the workers' items are merged into a file at the end; name one", uri));
    std::error_code ec;
    if (target->format == pipelines::feed_format::json && !overwrite && fs::exists(target->path, ec) &&
        fs::file_size(target->path, ec) > 0)
      throw usage_error(fmt::format(
          "cannot append to '{}': it already holds a JSON array, and items after it would not be JSON (use -O)",
          target->path));
    feeds.push_back(std::move(*target));
  }
  return feeds;
}

// Signals the launcher handles itself, blocked from construction on and taken with sigtimedwait:
// SIGINT and SIGTERM go on to the workers, SIGCHLD says one ended. Those that come after the
// workers (during the merge) are dropped.
class signal_guard {
 public:
  signal_guard() {
    sigemptyset(&handled_);
    for (int signo : {SIGINT, SIGTERM, SIGCHLD}) sigaddset(&handled_, signo);
    ::sigprocmask(SIG_BLOCK, &handled_, &previous_);
  }
  ~signal_guard() {
    const timespec now{};
    while (::sigtimedwait(&handled_, nullptr, &now) > 0) {
    }
    ::sigprocmask(SIG_SETMASK, &previous_, nullptr);
  }
  signal_guard(const signal_guard&) = delete;
  signal_guard& operator=(const signal_guard&) = delete;

  // The next handled signal within `timeout`, 0 when none came.
  int wait(std::chrono::milliseconds timeout) {
    const timespec limit{.tv_sec = 0, .tv_nsec = std::chrono::nanoseconds(timeout).count()};
    const int signo = ::sigtimedwait(&handled_, nullptr, &limit);
    return signo > 0 ? signo : 0;
  }

 private:
  sigset_t handled_{};
  sigset_t previous_{};
};

struct worker_process {
  std::string id;
  int pid = -1;
  bool ended = false;
};

// Waits for every worker, passing SIGINT and SIGTERM on to those still running. Returns the exit
// status: the first failing worker's (1 for one killed by a signal), 0 when none failed.
int supervise(std::vector<worker_process>& workers, signal_guard& signals, int status) {
  auto running = [&] { return std::ranges::any_of(workers, [](const auto& w) { return !w.ended; }); };
  while (running()) {
    if (const int signo = signals.wait(std::chrono::milliseconds(200)); signo == SIGINT || signo == SIGTERM) {
      log::info("launcher", "Received {}, passing it to the workers", signal_name(signo));
      for (const auto& w : workers)
        if (!w.ended) ::kill(w.pid, signo);
    }
    for (auto& w : workers) {
      if (w.ended) continue;
      const auto end = poll_child(w.pid);
      if (!end) continue;
      w.ended = true;
      const bool failed = end->signal != 0 || end->status != 0;
      if (failed) {
        log::error("launcher", "Worker {} (pid {}) {}", w.id, w.pid, end->describe());
        if (status == 0) status = end->signal != 0 ? 1 : end->status;
      } else {
        log::info("launcher", "Worker {} (pid {}) {}", w.id, w.pid, end->describe());
      }
    }
  }
  return status;
}

// What the workers left in Redis that the launcher reports or acts on.
struct crawl_record {
  std::vector<std::pair<std::string, std::string>> stats;  // {P}:stats, summed by every worker
  long long queued = 0;                                    // requests still queued
  long long leased = 0;                                    // requests still leased
  long long start_urls = 0;                                // start URLs not yet admitted
  std::map<std::string, boost::json::object> feed_ends;   // worker -> {part path: committed bytes}
};

asio::awaitable<void> read_record(redis::client& redis, const std::string& prefix, const std::vector<std::string>& ids,
                                  crawl_record& record) {
  co_await redis.check();
  std::vector<redis::command> commands{{"HGETALL", prefix + ":stats"},
                                       {"GET", prefix + ":queued"},
                                       {"ZCARD", prefix + ":leases"},
                                       {"LLEN", prefix + ":start_urls"}};
  constexpr std::size_t first_per_worker = 4;
  // A worker's taken start URLs wait in its own list until a commit admits them.
  for (const auto& id : ids) commands.push_back({"LLEN", prefix + ":start_urls:" + id});
  for (const auto& id : ids) commands.push_back({"HGET", prefix + ":sink:" + id, std::string(feed_sink)});
  auto replies = co_await redis.exec_all(std::move(commands));
  for (const auto& r : replies)
    if (r.is_error()) throw std::runtime_error(fmt::format("Redis answered {}", redis::to_string(r)));
  const auto& stats = replies[0].elements;
  for (std::size_t i = 0; i + 1 < stats.size(); i += 2) record.stats.emplace_back(stats[i].text, stats[i + 1].text);
  record.queued = replies[1].type == redis::reply::kind::string ? std::stoll(replies[1].text) : 0;
  record.leased = replies[2].integer;
  record.start_urls = replies[3].integer;
  for (std::size_t i = 0; i < ids.size(); ++i) record.start_urls += replies[first_per_worker + i].integer;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto& position = replies[first_per_worker + ids.size() + i];
    if (position.type != redis::reply::kind::string) continue;
    boost::system::error_code ec;
    auto parsed = boost::json::parse(position.text, ec);
    if (ec || !parsed.is_object())
      throw std::runtime_error(fmt::format("{}:sink:{} {} is not a JSON object: {}", prefix, ids[i], feed_sink, position.text));
    record.feed_ends[ids[i]] = std::move(parsed.as_object());
  }
}

// The feeds' positions go once the feeds are merged: a worker that comes back with its id then
// starts its parts afresh instead of cutting back files that are gone.
asio::awaitable<void> forget_feed_ends(redis::client& redis, const std::string& prefix, const std::vector<std::string>& ids) {
  std::vector<redis::command> commands;
  for (const auto& id : ids) commands.push_back({"HDEL", prefix + ":sink:" + id, std::string(feed_sink)});
  auto replies = co_await redis.exec_all(std::move(commands));
  for (const auto& r : replies)
    if (r.is_error()) throw std::runtime_error(fmt::format("Redis answered {}", redis::to_string(r)));
}

// Runs `work` with a client of `where` on a reactor of its own, until it ends; rethrows its failure.
template <class Work>
void with_redis(const redis::config& where, Work work) {
  asio::io_context io;
  redis::client client(io.get_executor(), where);
  std::exception_ptr failure;
  asio::co_spawn(io, work(client), [&](std::exception_ptr e) {
    failure = e;
    io.stop();
  });
  io.run();
  if (failure) std::rethrow_exception(failure);
}

std::optional<std::uintmax_t> committed_bytes(const crawl_record& record, const std::string& worker, const std::string& part) {
  const auto ends = record.feed_ends.find(worker);
  if (ends == record.feed_ends.end()) return std::nullopt;
  const auto* bytes = ends->second.if_contains(part);
  if (!bytes || !bytes->is_int64() || bytes->as_int64() < 0) return std::nullopt;
  return static_cast<std::uintmax_t>(bytes->as_int64());
}

void remove_parts(const pipelines::feed_target& feed, const std::vector<std::string>& ids) {
  std::error_code ec;
  for (const auto& id : ids) fs::remove(pipelines::feed_part_path(feed.path, feed.format, id), ec);
  fs::remove(pipelines::feed_parts_folder(feed.path), ec);  // only when empty: other machines' parts stay
}

// Merges each feed's parts into its file once the crawl is over. Returns false when one could
// not be merged (its parts stay).
bool finish_feeds(const std::vector<pipelines::feed_target>& feeds, bool overwrite, const std::vector<std::string>& ids,
                  const crawl_record& record, bool crawl_over) {
  if (record.feed_ends.empty()) {
    for (const auto& feed : feeds) {
      log::info("launcher", "No worker committed an item to '{}': it is left as it was", feed.path);
      remove_parts(feed, ids);
    }
    return true;
  }
  if (!crawl_over) {
    for (const auto& feed : feeds)
      log::warning("launcher",
                   "The crawl is not over ({} requests queued, {} leased, {} start URLs waiting): the workers' "
                   "parts of '{}' stay in {}, and the same command merges them when it ends the crawl",
                   record.queued, record.leased, record.start_urls, feed.path,
                   pipelines::feed_parts_folder(feed.path).string());
    return true;
  }
  bool merged_all = true;
  for (const auto& feed : feeds) {
    std::vector<pipelines::feed_part> parts;
    for (const auto& id : ids) {
      const auto part = pipelines::feed_part_path(feed.path, feed.format, id);
      parts.push_back({part, committed_bytes(record, id, part.string())});
    }
    try {
      const auto items = pipelines::merge_feed_parts(parts, feed.path, feed.format, overwrite);
      log::info("launcher", "Stored {} feed ({} items from {} workers) in: {}", pipelines::format_name(feed.format),
                items, ids.size(), feed.path);
    } catch (const std::exception& e) {
      log::error("launcher", "Cannot merge the workers' parts into '{}': {}; the parts stay in {}", feed.path, e.what(),
                 pipelines::feed_parts_folder(feed.path).string());
      merged_all = false;
    }
  }
  return merged_all;
}

void dump_stats(const crawl_record& record, std::size_t workers) {
  stats_collector summed;
  for (const auto& [key, value] : record.stats) {
    long long number = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (ec == std::errc() && end == value.data() + value.size()) summed.set(key, number);
    else summed.set(key, boost::json::string(value));
  }
  log::info("launcher", "Dumping orbweaver stats of the whole crawl (every worker's together; {} here):\n{}", workers,
            summed.dump());
}

}  // namespace

int parse_worker_count(std::string_view text) {
  int count = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), count);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || count < 1)
    throw usage_error(fmt::format("--workers takes a number of worker processes, 1 or more (got '{}')", text));
  return count;
}

std::vector<std::string> worker_ids(int count) {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::snprintf(host, sizeof host, "localhost");
  std::string name = host;
  std::ranges::replace(name, '|', '-');  // worker ids have no '|' (the frontier's lease records use it)
  std::vector<std::string> ids;
  for (int i = 1; i <= count; ++i) ids.push_back(fmt::format("{}-{}", name, i));
  return ids;
}

std::vector<std::string> worker_arguments(const parsed_args& parsed, const worker_launch& launch) {
  std::vector<std::string> args{"crawl"};
  for (const auto& [spec, value] : parsed.options) {
    if (worker_option(spec)) continue;
    args.push_back(spec->short_name ? std::string{'-', spec->short_name} : "--" + std::string(spec->long_name));
    if (spec->takes_value) args.push_back(value);
  }
  auto set = [&](std::string name_equals_value) {
    args.emplace_back("-s");
    args.push_back(std::move(name_equals_value));
  };
  set("SCHEDULER=redis");
  set("REDIS_URL=" + launch.redis_url);
  set("REDIS_WORKER_ID=" + launch.worker_id);
  if (launch.keep_alive) set("REDIS_KEEP_ALIVE=true");
  if (!launch.feeds.empty()) {
    std::string joined;
    for (const auto& feed : launch.feeds) joined += (joined.empty() ? "" : ",") + feed;
    set("FEEDS=" + joined);
    // A worker that comes back cuts its part where its last commit says; a new one starts it afresh.
    set("FEED_OVERWRITE=true");
  }
  args.emplace_back("--");
  args.insert(args.end(), parsed.positionals.begin(), parsed.positionals.end());
  return args;
}

int run_workers(const parsed_args& parsed, std::unique_ptr<spider> target, settings config, int count) {
  if (!config.get_string("JOBDIR").empty())
    throw usage_error("--workers cannot be used with --jobdir (JOBDIR): the workers keep the crawl's state in Redis");
  const bool keep_alive = std::ranges::any_of(parsed.options, [](const auto& o) { return is_option(o.spec, "keep-alive"); });
  // The crawler applies the spider's custom_settings (a FEEDS, a REDIS_URL of its own) and the log settings.
  crawler planned(std::move(target), std::move(config));
  settings final_config = planned.config();
  const auto feeds = crawl_feeds(final_config);
  const bool overwrite = final_config.get_bool("FEED_OVERWRITE");
  const std::string prefix = redis::frontier_prefix(final_config, planned.target().name);
  const auto ids = worker_ids(count);

  signal_guard signals;
  std::unique_ptr<redis::local_server> private_server;
  if (final_config.get_string("REDIS_URL").empty()) {
    try {
      private_server = std::make_unique<redis::local_server>();
    } catch (const std::exception& e) {
      fmt::print(stderr, "orbweaver crawl: error: cannot start a private redis-server for the workers: {}\n", e.what());
      return 1;
    }
    log::info("launcher", "Started a private redis-server (pid {}) in {}", private_server->pid(),
              private_server->folder().string());
    apply_setting(final_config, "REDIS_URL", private_server->url());
  }
  redis::config where;
  try {
    where = redis::config_from_settings(final_config);
  } catch (const redis::error& e) {
    throw usage_error(e.what());
  }

  std::vector<worker_process> workers;
  int status = 0;
  for (const auto& id : ids) {
    worker_launch launch{.redis_url = final_config.get_string("REDIS_URL"), .worker_id = id, .keep_alive = keep_alive, .feeds = {}};
    for (const auto& feed : feeds) launch.feeds.push_back(pipelines::feed_part_path(feed.path, feed.format, id).string());
    try {
      // N status lines on one terminal would overwrite each other: the workers log LOGSTATS lines.
      const int pid = spawn_child("/proc/self/exe", worker_arguments(parsed, launch), {.environment = {"TERM=dumb"}});
      workers.push_back({id, pid});
      log::info("launcher", "Started worker {} (pid {})", id, pid);
    } catch (const std::exception& e) {
      log::error("launcher", "Cannot start worker {}: {}", id, e.what());
      status = 1;
      for (const auto& w : workers) ::kill(w.pid, SIGTERM);
      break;
    }
  }
  status = supervise(workers, signals, status);

  crawl_record record;
  try {
    with_redis(where, [&](redis::client& redis) { return read_record(redis, prefix, ids, record); });
  } catch (const std::exception& e) {
    log::error("launcher", "Cannot read what the workers left in Redis at {}: {}", where.describe(), e.what());
    return status == 0 ? 1 : status;
  }
  if (!feeds.empty()) {
    // A private Redis goes with this command: what its workers committed is all there will be.
    const bool crawl_over = private_server || (record.queued == 0 && record.leased == 0 && record.start_urls == 0);
    if (!finish_feeds(feeds, overwrite, ids, record, crawl_over)) {
      if (status == 0) status = 1;
    } else if (crawl_over && !record.feed_ends.empty()) {
      try {
        if (!private_server)
          with_redis(where, [&](redis::client& redis) { return forget_feed_ends(redis, prefix, ids); });
        for (const auto& feed : feeds) remove_parts(feed, ids);
      } catch (const std::exception& e) {
        log::error("launcher", "Cannot clear the feed parts' positions in Redis at {}: {}", where.describe(), e.what());
        if (status == 0) status = 1;
      }
    }
  }
  if (final_config.get_bool("STATS_DUMP") && !record.stats.empty()) dump_stats(record, ids.size());
  return status;
}

}  // namespace orbweaver::launcher
