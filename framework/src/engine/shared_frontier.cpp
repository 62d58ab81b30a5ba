#include "engine/shared_frontier.hpp"

#include "download/downloader.hpp"
#include "engine/fingerprint.hpp"
#include "engine/request_queue.hpp"
#include "redis/error.hpp"
#include "storage/request_codec.hpp"

#include <orbweaver/crawler.hpp>
#include <orbweaver/error.hpp>
#include <orbweaver/log.hpp>
#include <orbweaver/settings.hpp>
#include <orbweaver/spider.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace orbweaver {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// How often a worker with nothing to do asks Redis again: other workers' commits bring new
// requests, and the scripts have no way to wake a worker.
constexpr std::chrono::milliseconds poll_interval{100};
// Between two tries of a step while Redis is down (the client itself waits for the connection).
constexpr std::chrono::milliseconds retry_pause{200};

std::chrono::milliseconds positive_ms(const settings& s, std::string_view name) {
  double seconds = s.get_double(name);
  if (!(seconds > 0)) throw settings_error(fmt::format("{} must be a number of seconds above 0", name));
  return std::chrono::milliseconds(std::max<long long>(1, std::llround(seconds * 1000)));
}

redis::config redis_config(const settings& s) {
  try {
    return redis::config_from_settings(s);
  } catch (const redis::error& e) {
    throw settings_error(fmt::format("SCHEDULER=redis needs a usable REDIS_URL: {}", e.what()));
  }
}

std::string worker_id(const settings& s) {
  if (const auto& id = s.get_string("REDIS_WORKER_ID"); !id.empty()) return id;
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return fmt::format("{}-{}", *host ? host : "worker", ::getpid());
}

redis::frontier_options store_options(crawler& c) {
  const settings& s = c.config();
  redis::frontier_options o;
  o.prefix = redis::frontier_prefix(s, c.target().name);
  o.worker = worker_id(s);
  o.lease = positive_ms(s, "REDIS_LEASE_TIME");
  o.lifo = parse_queue_order(s.get_string("SCHEDULER_MEMORY_QUEUE")) == queue_order::lifo;
  o.default_policy = default_slot_policy(s);
  return o;
}

redis::new_request to_new_request(const request& r, const std::string& slot, std::string record) {
  std::optional<fingerprint> fp;
  if (!r.dont_filter) fp = request_fingerprint(r);
  return redis::new_request{fp, slot, r.priority, std::move(record)};
}

}  // namespace

bool uses_redis_scheduler(const settings& s) {
  const std::string& kind = s.get_string("SCHEDULER");
  if (kind == "redis" || kind == "scrapy_redis.scheduler.Scheduler") return true;
  if (kind == "memory" || kind == "scrapy.core.scheduler.Scheduler") return false;
  throw settings_error(fmt::format("SCHEDULER must be memory or redis, got '{}'", kind));
}

request request_from_start_url(std::string_view entry, const spider& s) {
  auto text = std::string(entry);
  text.erase(0, text.find_first_not_of(" \t\r\n"));
  text.erase(text.find_last_not_of(" \t\r\n") + 1);
  if (text.empty()) throw std::invalid_argument("an empty entry");
  request r;
  r.dont_filter = true;  // start requests, as the spider's own
  if (text.front() != '{') {
    r.url = text;
    return r;
  }
  boost::system::error_code ec;
  json::value parsed = json::parse(text, ec);
  if (ec || !parsed.is_object()) throw std::invalid_argument("neither a URL nor a JSON object");
  const json::object& o = parsed.as_object();
  const json::value* url = o.if_contains("url");
  if (!url || !url->is_string()) throw std::invalid_argument("a JSON object without a \"url\" string");
  r.url = std::string(url->get_string());
  if (const json::value* meta = o.if_contains("meta")) {
    if (!meta->is_object()) throw std::invalid_argument("\"meta\" is not an object");
    r.meta = meta->get_object();
  }
  if (const json::value* method = o.if_contains("method")) {
    if (!method->is_string()) throw std::invalid_argument("\"method\" is not a string");
    r.method = std::string(method->get_string());
  }
  if (const json::value* body = o.if_contains("body")) {
    if (!body->is_string()) throw std::invalid_argument("\"body\" is not a string");
    r.body = std::string(body->get_string());
  }
  if (const json::value* priority = o.if_contains("priority")) {
    if (!priority->is_int64()) throw std::invalid_argument("\"priority\" is not an integer");
    r.priority = static_cast<int>(std::clamp<std::int64_t>(priority->get_int64(), -1'000'000, 1'000'000));
  }
  if (const json::value* callback = o.if_contains("callback")) {
    if (!callback->is_string()) throw std::invalid_argument("\"callback\" is not a string");
    std::string name(callback->get_string());
    auto fn = spider_callback(s, name);
    if (!fn) throw std::invalid_argument(fmt::format("spider '{}' has no callback named '{}'", s.name, name));
    r.callback = std::move(*fn);
    r.callback_name = std::move(name);
  }
  return r;
}

shared_frontier::shared_frontier(asio::any_io_executor executor, crawler& c)
    : executor_(executor),
      crawler_(c),
      client_(executor, redis_config(c.config())),
      store_(client_, store_options(c)),
      commit_interval_(positive_ms(c.config(), "REDIS_COMMIT_INTERVAL")),
      idle_before_close_(c.config().get_double("SCHEDULER_IDLE_BEFORE_CLOSE")),
      keep_alive_(c.config().get_bool("REDIS_KEEP_ALIVE")),
      fill_wait_(executor),
      commit_timer_(executor),
      renew_timer_(executor) {
  if (idle_before_close_.count() < 0) throw settings_error("SCHEDULER_IDLE_BEFORE_CLOSE must be 0 or more seconds");
  if (!c.config().get_string("JOBDIR").empty())
    throw settings_error("JOBDIR cannot be used with SCHEDULER=redis: Redis keeps the crawl's state (docs/distributed.md)");
}

shared_frontier::~shared_frontier() = default;

const std::string& shared_frontier::worker() const { return store_.options().worker; }

asio::awaitable<void> shared_frontier::open() {
  try {
    co_await client_.check();
    commit_number_ = co_await store_.open();
    // A first heartbeat: from now on the others count this worker (its share of each slot, its
    // start URLs in the finish check).
    const std::vector<std::string> no_leases;
    co_await store_.renew(no_leases);
    for (auto& [name, position] : co_await store_.sink_positions()) recorded_sinks_[name] = position;
    const settings& s = crawler_.config();
    slot_policies_ = download::parse_download_slots(s.get_string("DOWNLOAD_SLOTS"), store_.options().default_policy);
    for (const auto& [slot, policy] : slot_policies_) co_await store_.set_slot_policy(slot, policy);
  } catch (const redis::error& e) {
    throw settings_error(fmt::format("cannot use Redis for the frontier: {}", e.what()));
  }
  log::info("redis", "Worker {} on the shared frontier '{}' at {}{}", worker(), store_.options().prefix,
            client_.settings().describe(), commit_number_ > 0 ? fmt::format(" (continuing from commit {})", commit_number_) : "");
}

void shared_frontier::add_sink(std::string name, checkpointed_sink& sink) {
  auto recorded = recorded_sinks_.find(name);
  if (recorded == recorded_sinks_.end()) {
    sink.resume(nullptr);
  } else {
    boost::system::error_code ec;
    json::value at = json::parse(recorded->second, ec);
    if (ec) throw std::runtime_error(fmt::format("the position Redis recorded for {} is not JSON", name));
    sink.resume(&at);
  }
  sinks_.emplace_back(std::move(name), &sink);
}

asio::awaitable<void> shared_frontier::commit_start_positions() {
  bool all_recorded = std::all_of(sinks_.begin(), sinks_.end(),
                                  [&](const auto& sink) { return recorded_sinks_.contains(sink.first); });
  if (all_recorded) co_return;
  redis::commit_batch batch;
  if (!build_commit(batch, false)) throw std::runtime_error("a pipeline cannot make its items durable");
  co_await commit(std::move(batch));
}

asio::awaitable<void> shared_frontier::admit_start(std::vector<std::pair<request, std::string>> requests) {
  // Start URLs this worker id took from PREFIX:start_urls before it stopped, not yet admitted.
  std::vector<std::string> held;
  while (!stopped_) {
    try {
      held = co_await store_.held_start_urls();
      break;
    } catch (const redis::error&) {
    }
    co_await pause(retry_pause);
  }
  if (!held.empty()) schedule_start_urls(held);

  std::vector<redis::new_request> shared;
  std::vector<request> local;  // callbacks without a registered name cannot travel
  for (auto& [r, slot] : requests) {
    if (auto record = storage::encode_request(r))
      shared.push_back(to_new_request(r, slot, std::move(*record)));
    else
      local.push_back(std::move(r));
  }
  redis::admit_result admitted;
  while (!stopped_) {
    try {
      admitted = co_await store_.push_start_urls(shared);
      break;
    } catch (const redis::error&) {
    }
    co_await pause(retry_pause);
  }
  if (!admitted.admitted) {
    log::info("redis", "Start requests were admitted by another worker or an earlier run; not issuing them again");
    co_return;
  }
  log::info("redis", "Start requests admitted to the shared frontier: {} queued, {} duplicates", admitted.queued,
            admitted.duplicates);
  if (!local.empty())
    log::warning("redis", "{} start requests have callbacks without a registered name: this worker crawls them itself",
                 local.size());
  for (auto& r : local) hooks_.deliver(std::move(r));
}

void shared_frontier::schedule_start_urls(const std::vector<std::string>& entries) {
  std::vector<request> requests;
  for (const auto& entry : entries) {
    try {
      requests.push_back(request_from_start_url(entry, crawler_.target()));
    } catch (const std::invalid_argument& e) {
      crawler_.stats().inc("scheduler/invalid_start_url");
      log::error("redis", "Ignoring start URL '{}' from {}:start_urls: {}", entry.substr(0, 200), store_.options().prefix,
                 e.what());
    }
  }
  start_urls_pending_ = true;
  hooks_.schedule(std::move(requests));
}

bool shared_frontier::admitted(const request& r, const std::string& slot) {
  auto record = storage::encode_request(r);
  if (!record) return false;
  admitted_.push_back(to_new_request(r, slot, std::move(*record)));
  return true;
}

void shared_frontier::transfer_ended(const request& r) {
  if (r.frontier_id == 0 || !held_.contains(std::to_string(r.frontier_id))) return;
  freed_.push_back(std::to_string(r.frontier_id));
  wake();
}

void shared_frontier::handed_batch(const request& origin, std::size_t batches) {
  if (origin.frontier_id != 0 && held_.contains(std::to_string(origin.frontier_id)))
    progress_[std::to_string(origin.frontier_id)] = batches;
}

std::size_t shared_frontier::batches_handed(const request& r) const {
  auto it = handed_before_.find(r.frontier_id);
  return it == handed_before_.end() ? 0 : it->second;
}

void shared_frontier::done(const request& r) {
  if (r.frontier_id == 0) return;
  std::string id = std::to_string(r.frontier_id);
  if (!held_.contains(id)) return;
  progress_.erase(id);
  handed_before_.erase(r.frontier_id);
  done_.push_back(std::move(id));
}

void shared_frontier::wake() {
  if (fill_waiting_)
    fill_wait_.cancel();
  else
    fill_woken_ = true;
}

void shared_frontier::raise_slot_delay(const std::string& slot, std::chrono::duration<double> delay) {
  auto& raised = slot_delays_raised_[slot];
  if (delay.count() <= raised) return;
  raised = delay.count();
  // The slot's own policy with the delay raised: its concurrency and randomisation stay.
  const auto configured = slot_policies_.find(slot);
  download::slot_policy policy = configured != slot_policies_.end() ? configured->second : store_.options().default_policy;
  policy.delay = std::max(policy.delay, delay);
  asio::co_spawn(
      executor_,
      [this, slot, policy]() -> asio::awaitable<void> {
        try {
          co_await store_.set_slot_policy(slot, policy);
        } catch (const redis::error& e) {
          log::warning("redis", "Cannot record the delay of slot {} in Redis: {}", slot, e.what());
        }
      },
      asio::detached);
}

void shared_frontier::run(engine_hooks hooks) {
  hooks_ = std::move(hooks);
  auto log_escaped = [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log::error("redis", "Unexpected error in the shared frontier: {}", ex.what());
    }
  };
  asio::co_spawn(executor_, fill(), log_escaped);
  asio::co_spawn(executor_, commit_periodically(), log_escaped);
  asio::co_spawn(executor_, renew_periodically(), log_escaped);
}

void shared_frontier::stop() {
  stopped_ = true;
  fill_wait_.cancel();
  commit_timer_.cancel();
}

asio::awaitable<void> shared_frontier::pause(std::chrono::milliseconds d) {
  asio::steady_timer timer(executor_, d);
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<void> shared_frontier::fill() {
  while (!stopped_) {
    const std::size_t room = hooks_.room();
    std::chrono::steady_clock::duration wait = std::chrono::steady_clock::duration::max();
    if (room > 0 || !freed_.empty()) {
      auto freed = std::exchange(freed_, {});
      redis::take_result taken;
      bool took = false;
      // Kept until the take succeeds: a take whose reply was lost is asked again with it.
      if (take_attempt_ == 0) take_attempt_ = take_attempts_() | 1;
      taking_ = true;
      try {
        taken = co_await store_.take(room, freed, take_attempt_);
        took = true;
        take_attempt_ = 0;
      } catch (const redis::error&) {
        freed_.insert(freed_.end(), freed.begin(), freed.end());
      }
      taking_ = false;
      if (!took) {
        co_await pause(retry_pause);
        continue;
      }
      for (auto& leased : taken.requests) {
        held_.insert(leased.id);
        if (stopped_) continue;  // handed back by finish()
        try {
          request r = storage::decode_request(leased.record, crawler_.target());
          r.frontier_id = std::stoull(leased.id);
          if (leased.batches_handed > 0) handed_before_[r.frontier_id] = leased.batches_handed;
          hooks_.deliver(std::move(r));
        } catch (const serialization_error& e) {
          // A request another version of the spider wrote (a callback renamed): no worker of this
          // version can do it.
          crawler_.stats().inc("scheduler/unreadable_requests");
          log::error("redis", "Dropping a request of the shared frontier that cannot be read: {}", e.what());
          done_.push_back(leased.id);
        }
      }
      if (!taken.requests.empty() || stopped_) continue;
      if (room > 0 && !admitted_.empty() && !committing_) {
        // Starving while new requests wait for the next commit: admit them now.
        admit_soon_ = true;
        commit_timer_.cancel();
      }
      if (room > 0 && taken.start_urls_waiting > 0 && !start_urls_pending_) {
        std::vector<std::string> entries;
        try {
          entries = co_await store_.pop_start_urls(room);
        } catch (const redis::error&) {
        }
        if (!entries.empty()) {
          schedule_start_urls(entries);
          admit_soon_ = true;  // admit them now
          commit_timer_.cancel();
          continue;
        }
      }
      // Nothing to take now: ask again when a slot's delay ends or a lease expires, or poll.
      for (auto at : {taken.next_ready_ms, taken.next_expiry_ms})
        if (at) wait = std::min<std::chrono::steady_clock::duration>(wait, std::chrono::milliseconds(std::max(0LL, *at - taken.now_ms)));
      co_await check_finished();
      if (stopped_) break;
    }
    wait = std::min<std::chrono::steady_clock::duration>(wait, poll_interval);
    if (fill_woken_) {
      fill_woken_ = false;
      continue;
    }
    fill_waiting_ = true;
    fill_wait_.expires_after(wait);
    boost::system::error_code ec;
    co_await fill_wait_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    fill_waiting_ = false;
    fill_woken_ = false;
  }
}

asio::awaitable<void> shared_frontier::check_finished() {
  if (!hooks_.idle() || !held_.empty() || !admitted_.empty() || !done_.empty() || committing_ || start_urls_pending_)
    co_return;
  redis::finish_state state;
  try {
    state = co_await store_.finish_check();
  } catch (const redis::error&) {
    co_return;
  }
  if (!state.idle_since_ms || keep_alive_ || stopped_) co_return;
  const double idle_seconds = static_cast<double>(state.now_ms - *state.idle_since_ms) / 1000.0;
  if (idle_seconds >= idle_before_close_.count()) {
    log::info("redis", "The shared frontier has been idle for {:.1f} s: no request queued or leased by any worker",
              idle_seconds);
    hooks_.close("finished");
  }
}

bool shared_frontier::build_commit(redis::commit_batch& out, bool last) {
  for (auto& [name, sink] : sinks_) {
    try {
      out.sink_positions.emplace_back(name, json::serialize(sink->checkpoint()));
    } catch (const std::exception& e) {
      crawler_.stats().inc("redis/storage_error");
      log::error("redis", "Pipeline {} cannot make its items durable: {}", name, e.what());
      return false;
    }
  }
  out.number = ++commit_number_;
  out.done = std::exchange(done_, {});
  out.requests = std::exchange(admitted_, {});
  out.admits_start_urls = std::exchange(start_urls_pending_, false);
  for (const auto& [id, batches] : progress_) out.progress.emplace_back(id, batches);
  progress_.clear();
  for (const auto& [key, value] : crawler_.stats().all()) {
    // Counters add up over the workers; a maximum (request_depth_max, memusage/max) does not.
    if (!value.is_int64() || key.ends_with("max")) continue;
    auto& sent = stats_sent_[std::string(key)];
    if (value.get_int64() != sent) out.stats.emplace_back(std::string(key), value.get_int64() - sent);
    sent = value.get_int64();
  }
  if (last) {
    std::unordered_set<std::string> finished(out.done.begin(), out.done.end());
    for (const auto& id : held_)
      if (!finished.contains(id)) out.returned.push_back(id);
  }
  return true;
}

asio::awaitable<void> shared_frontier::commit(redis::commit_batch batch) {
  committing_ = true;
  redis::commit_result result;
  while (true) {
    try {
      result = co_await store_.commit(batch);
      break;
    } catch (const redis::error&) {
      // Run again with the same number: applied once whatever happened to the lost reply.
    }
    if (abandoned_) {
      committing_ = false;
      co_return;
    }
    co_await pause(retry_pause);
  }
  for (const auto& id : batch.done) held_.erase(id);
  for (const auto& id : batch.returned) held_.erase(id);
  if (result.lost > 0) crawler_.stats().inc("scheduler/lease_lost", static_cast<std::int64_t>(result.lost));
  committing_ = false;
}

asio::awaitable<void> shared_frontier::commit_periodically() {
  const auto interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(commit_interval_);
  auto next_full = std::chrono::steady_clock::now() + interval;
  while (!stopped_) {
    commit_timer_.expires_at(next_full);
    boost::system::error_code ec;
    co_await commit_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (stopped_) break;
    if (std::exchange(admit_soon_, false) && std::chrono::steady_clock::now() < next_full) {
      // Nothing is ready on Redis while this worker holds new requests: they go now, without the
      // sinks (admitting early is safe: a request done again re-admits them as duplicates).
      if (admitted_.empty()) continue;
      redis::commit_batch admission;
      admission.number = ++commit_number_;
      admission.requests = std::exchange(admitted_, {});
      admission.admits_start_urls = std::exchange(start_urls_pending_, false);
      co_await commit(std::move(admission));
      wake();
      continue;
    }
    next_full = std::chrono::steady_clock::now() + interval;
    if (done_.empty() && admitted_.empty() && progress_.empty() && !start_urls_pending_) continue;
    // Items on their way through the pipelines belong to requests not done yet: wait until none is.
    while (!stopped_ && !hooks_.quiet()) co_await pause(std::chrono::milliseconds(5));
    if (stopped_) break;
    redis::commit_batch batch;
    if (!build_commit(batch, false)) {
      hooks_.close(std::string(storage_failure));
      break;
    }
    co_await commit(std::move(batch));
    wake();  // the crawl may be over
  }
}

asio::awaitable<void> shared_frontier::renew_periodically() {
  const auto every = store_.options().lease / 3;
  while (!finished_) {
    renew_timer_.expires_after(every);
    boost::system::error_code ec;
    co_await renew_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (finished_) break;
    std::vector<std::string> ids(held_.begin(), held_.end());
    try {
      const auto lost = co_await store_.renew(ids);
      for (const auto& id : lost) {
        // Another worker has it now: its outputs here may repeat what that worker yields.
        if (held_.erase(id) == 0) continue;
        crawler_.stats().inc("scheduler/lease_lost");
        log::warning("redis", "The lease on request {} expired before this worker was done with it", id);
      }
    } catch (const redis::error&) {
    }
  }
}

void shared_frontier::abandon() { abandoned_ = true; }

asio::awaitable<bool> shared_frontier::finish(bool abandoned) {
  stop();
  // A take answered after the last commit would leave its leases to expire: wait for its reply,
  // which fill() adds to held_ for the last commit to hand back.
  while (committing_ || (taking_ && !abandoned && !abandoned_)) co_await pause(std::chrono::milliseconds(5));
  bool ok = true;
  if (!abandoned && !abandoned_) {
    redis::commit_batch batch;
    ok = build_commit(batch, true);
    if (ok) co_await commit(std::move(batch));
  }
  finished_ = true;
  renew_timer_.cancel();
  co_return ok;
}

}  // namespace orbweaver
