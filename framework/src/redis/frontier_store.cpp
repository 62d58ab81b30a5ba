#include "redis/frontier_store.hpp"

#include "redis/error.hpp"
#include "redis/frontier_scripts.hpp"

#include <orbweaver/settings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>

namespace orbweaver::redis {
namespace {

// Recorded in PREFIX:meta; a crawl written by another layout is refused.
constexpr std::string_view layout_version = "1";
constexpr int max_priority = (1 << 20) - 1;
// Lua's math.randomseed takes a C int: a larger seed would not reach the generator intact.
constexpr std::uint64_t seed_limit = 2147483647;

// The script's reply, or redis::error naming the step when Redis answered an error (a script
// that failed, a key of another type under the prefix).
const reply& checked(const reply& r, std::string_view step, const client& c) {
  if (r.is_error())
    throw error(errc::server_error, fmt::format("Redis at {}: frontier step {} failed: {}", c.settings().describe(), step, r.text));
  return r;
}

long long integer_at(const reply& r, std::size_t i) { return i < r.elements.size() ? r.elements[i].integer : 0; }

std::optional<long long> time_at(const reply& r, std::size_t i) {
  const long long t = integer_at(r, i);
  return t < 0 ? std::nullopt : std::optional<long long>(t);
}

std::uint64_t read_big_endian(const fingerprint& fp, std::size_t from, std::size_t bytes) {
  std::uint64_t value = 0;
  for (std::size_t i = from; i < from + bytes; ++i) value = value << 8 | fp[i];
  return value;
}

}  // namespace

std::string frontier_prefix(const settings& s, std::string_view spider_name) {
  const std::string& prefix = s.get_string("REDIS_KEY_PREFIX");
  return prefix.empty() ? std::string(spider_name) : prefix;
}

frontier_store::frontier_store(client& redis, frontier_options options)
    : redis_(redis), options_(std::move(options)), rng_(std::random_device{}()) {
  if (options_.prefix.empty()) throw std::invalid_argument("the Redis frontier's key prefix is empty");
  if (options_.worker.empty() || options_.worker.find('|') != std::string::npos)
    throw std::invalid_argument(fmt::format("worker id '{}' must be non-empty and have no '|'", options_.worker));
  if (!std::has_single_bit(options_.seen_shards))
    throw std::invalid_argument(fmt::format("seen_shards {} is not a power of two", options_.seen_shards));
}

boost::asio::awaitable<std::uint64_t> frontier_store::open() {
  const std::string meta = options_.prefix + ":meta";
  std::vector<command> steps{
      {"HSETNX", meta, "version", std::string(layout_version)},
      {"HSETNX", meta, "seen_shards", std::to_string(options_.seen_shards)},
      {"HMGET", meta, "version", "seen_shards"},
      {"HGET", options_.prefix + ":commits", options_.worker},
  };
  const std::vector<reply> replies = co_await redis_.exec_all(std::move(steps));
  for (const reply& r : replies) checked(r, "open", redis_);
  const reply& recorded = replies[2];
  if (recorded.elements.size() != 2 || recorded.elements[0].text != layout_version)
    throw error(errc::server_error,
                fmt::format("Redis at {}: the crawl under '{}' was written by another frontier layout (version {}, "
                            "this orbweaver writes {}): use another REDIS_KEY_PREFIX or delete its keys",
                            redis_.settings().describe(), options_.prefix,
                            recorded.elements.empty() ? "?" : recorded.elements[0].text, layout_version));
  options_.seen_shards = static_cast<std::uint32_t>(std::stoul(recorded.elements[1].text));
  const reply& last_commit = replies[3];
  co_return last_commit.type == reply::kind::string ? std::stoull(last_commit.text) : 0;
}

void frontier_store::append_policy(std::vector<std::string>& args, const download::slot_policy& policy) const {
  args.push_back(std::to_string(policy.concurrency));
  args.push_back(std::to_string(std::llround(policy.delay.count() * 1000)));
  args.push_back(policy.randomize_delay ? "1" : "0");
}

void frontier_store::append_requests(std::vector<std::string>& args, const std::vector<new_request>& requests) const {
  args.push_back(std::to_string(requests.size()));
  for (const new_request& r : requests) {
    // The fingerprint's first 8 bytes as a signed 64-bit integer, so that the set stores it in an
    // intset; the next 4 choose the shard (SHA-1 bytes are uniform, and independent of the first).
    if (r.fp) {
      args.push_back(std::to_string(static_cast<std::int64_t>(read_big_endian(*r.fp, 0, 8))));
      args.push_back(std::to_string(read_big_endian(*r.fp, 8, 4) & (options_.seen_shards - 1)));
    } else {
      args.push_back("-");
      args.push_back("0");
    }
    args.push_back(r.slot);
    args.push_back(std::to_string(std::clamp(r.priority, -max_priority, max_priority)));
    args.push_back(r.record);
  }
}

boost::asio::awaitable<take_result> frontier_store::take(std::size_t n, const std::vector<std::string>& freed) {
  std::vector<std::string> args{options_.prefix, options_.worker, std::to_string(n),
                                std::to_string(options_.lease.count()), std::to_string(rng_() % seed_limit)};
  args.insert(args.end(), freed.begin(), freed.end());
  const reply r = co_await frontier_scripts::take().run(redis_, {}, std::move(args));
  checked(r, "take", redis_);
  take_result result;
  result.now_ms = integer_at(r, 0);
  result.next_ready_ms = time_at(r, 1);
  result.next_expiry_ms = time_at(r, 2);
  result.start_urls_waiting = static_cast<std::size_t>(std::max(0LL, integer_at(r, 3)));
  for (std::size_t i = 4; i + 3 < r.elements.size(); i += 4)
    result.requests.push_back({r.elements[i].text, r.elements[i + 1].text, r.elements[i + 2].text,
                               static_cast<std::size_t>(std::max(0LL, r.elements[i + 3].integer))});
  co_return result;
}

boost::asio::awaitable<std::vector<std::string>> frontier_store::renew(const std::vector<std::string>& ids) {
  std::vector<std::string> args{options_.prefix, options_.worker, std::to_string(options_.lease.count())};
  args.insert(args.end(), ids.begin(), ids.end());
  const reply r = co_await frontier_scripts::renew().run(redis_, {}, std::move(args));
  checked(r, "renew", redis_);
  std::vector<std::string> lost;
  for (const reply& id : r.elements) lost.push_back(id.text);
  co_return lost;
}

boost::asio::awaitable<commit_result> frontier_store::commit(const commit_batch& batch) {
  std::vector<std::string> args{options_.prefix, options_.worker, std::to_string(batch.number),
                                options_.lifo ? "lifo" : "fifo"};
  append_policy(args, options_.default_policy);
  args.push_back(std::to_string(batch.done.size()));
  args.insert(args.end(), batch.done.begin(), batch.done.end());
  append_requests(args, batch.requests);
  args.push_back(std::to_string(batch.stats.size()));
  for (const auto& [name, delta] : batch.stats) {
    args.push_back(name);
    args.push_back(std::to_string(delta));
  }
  args.push_back(std::to_string(batch.sink_positions.size()));
  for (const auto& [name, position] : batch.sink_positions) {
    args.push_back(name);
    args.push_back(position);
  }
  args.push_back(std::to_string(batch.returned.size()));
  args.insert(args.end(), batch.returned.begin(), batch.returned.end());
  args.push_back(batch.admits_start_urls ? "1" : "0");
  args.push_back(std::to_string(batch.progress.size()));
  for (const auto& [id, batches] : batch.progress) {
    args.push_back(id);
    args.push_back(std::to_string(batches));
  }
  const reply r = co_await frontier_scripts::commit().run(redis_, {}, std::move(args));
  checked(r, "commit", redis_);
  co_return commit_result{integer_at(r, 0) == 1, static_cast<std::size_t>(integer_at(r, 1)),
                          static_cast<std::size_t>(integer_at(r, 2)), static_cast<std::size_t>(integer_at(r, 3))};
}

boost::asio::awaitable<finish_state> frontier_store::finish_check() {
  std::vector<std::string> args{options_.prefix};
  const reply r = co_await frontier_scripts::finish_check().run(redis_, {}, std::move(args));
  checked(r, "finish_check", redis_);
  co_return finish_state{integer_at(r, 0), time_at(r, 1)};
}

boost::asio::awaitable<admit_result> frontier_store::push_start_urls(const std::vector<new_request>& requests) {
  std::vector<std::string> args{options_.prefix, options_.lifo ? "lifo" : "fifo"};
  append_policy(args, options_.default_policy);
  append_requests(args, requests);
  const reply r = co_await frontier_scripts::admit_start().run(redis_, {}, std::move(args));
  checked(r, "admit_start", redis_);
  co_return admit_result{integer_at(r, 0) == 1, static_cast<std::size_t>(integer_at(r, 1)),
                         static_cast<std::size_t>(integer_at(r, 2))};
}

boost::asio::awaitable<void> frontier_store::set_slot_policy(const std::string& slot, const download::slot_policy& policy) {
  std::vector<std::string> args{options_.prefix, slot};
  append_policy(args, policy);
  const reply r = co_await frontier_scripts::set_slot_policy().run(redis_, {}, std::move(args));
  checked(r, "set_slot_policy", redis_);
}

boost::asio::awaitable<std::vector<std::string>> frontier_store::pop_start_urls(std::size_t n) {
  std::vector<command> moves(n, command{"LMOVE", options_.prefix + ":start_urls",
                                        options_.prefix + ":start_urls:" + options_.worker, "LEFT", "RIGHT"});
  const std::vector<reply> replies = co_await redis_.exec_all(std::move(moves));
  std::vector<std::string> urls;
  for (const reply& r : replies)
    if (checked(r, "pop_start_urls", redis_).type == reply::kind::string) urls.push_back(r.text);
  co_return urls;
}

boost::asio::awaitable<std::vector<std::string>> frontier_store::held_start_urls() {
  command list{"LRANGE", options_.prefix + ":start_urls:" + options_.worker, "0", "-1"};
  const reply r = co_await redis_.exec(std::move(list));
  checked(r, "held_start_urls", redis_);
  std::vector<std::string> urls;
  for (const reply& url : r.elements) urls.push_back(url.text);
  co_return urls;
}

namespace {
std::vector<std::pair<std::string, std::string>> field_pairs(const reply& r) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) pairs.emplace_back(r.elements[i].text, r.elements[i + 1].text);
  return pairs;
}
}  // namespace

boost::asio::awaitable<std::vector<std::pair<std::string, std::string>>> frontier_store::sink_positions() {
  command read{"HGETALL", options_.prefix + ":sink:" + options_.worker};
  const reply r = co_await redis_.exec(std::move(read));
  co_return field_pairs(checked(r, "sink_positions", redis_));
}

boost::asio::awaitable<std::vector<std::pair<std::string, long long>>> frontier_store::crawl_stats() {
  command read{"HGETALL", options_.prefix + ":stats"};
  const reply r = co_await redis_.exec(std::move(read));
  std::vector<std::pair<std::string, long long>> stats;
  for (auto& [name, value] : field_pairs(checked(r, "crawl_stats", redis_))) stats.emplace_back(name, std::stoll(value));
  co_return stats;
}

}  // namespace orbweaver::redis
