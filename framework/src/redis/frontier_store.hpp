#pragma once
// The frontier's shared state on Redis, one call per atomic step (the scripts of
// frontier_scripts.hpp; docs/distributed.md has the key layout and the protocol). A thin layer:
// it turns C++ values into script arguments and replies into C++ values, and keeps no state of
// the crawl itself, so any number of stores (workers, each with its own id) work on one prefix.
//
// Every call may throw redis::error as client::exec does (connection_lost: the step may or may
// not have run). take, renew and finish_check can simply be called again; commit is applied once
// per (worker, commit number), so the caller retries it with the same batch and number.
#include "download/slot.hpp"
#include "engine/fingerprint.hpp"
#include "redis/client.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orbweaver {
class settings;
}

namespace orbweaver::redis {

struct frontier_options {
  std::string prefix;  // every key starts with "PREFIX:" (frontier_prefix() from the settings)
  std::string worker;  // this worker's id: unique in the crawl, no '|', the same after a restart
  std::chrono::milliseconds lease{30'000};  // a taken request comes back to its queue after this unless renewed
  bool lifo = false;  // within one priority: last in, first out (SCHEDULER_MEMORY_QUEUE=lifo)
  // The policy a slot gets when a request first names it (set_slot_policy overrides it).
  download::slot_policy default_policy;
  // Seen-set shards (a power of two): each shard stays an intset (8 bytes a fingerprint) while it
  // holds at most Redis's set-max-intset-entries (512 by default), so 4096 shards keep about 2M
  // URLs compact. The first store of a crawl records it; later ones use the recorded value.
  std::uint32_t seen_shards = 4096;
};

// REDIS_KEY_PREFIX, or the spider's name when it is empty.
std::string frontier_prefix(const settings& s, std::string_view spider_name);

// A request leased to this worker: its id (for renew and commit), slot and request_codec record.
struct leased_request {
  std::string id;
  std::string slot;
  std::string record;
  std::size_t batches_handed = 0;  // batches of outputs its callback handed on in an earlier lease
};

struct take_result {
  std::vector<leased_request> requests;
  long long now_ms = 0;                       // Redis's clock when the step ran
  std::optional<long long> next_ready_ms;     // when the earliest slot in the schedule may start
  std::optional<long long> next_expiry_ms;    // when the earliest lease (anyone's) may come back
  std::size_t start_urls_waiting = 0;         // entries in PREFIX:start_urls (pop_start_urls takes them)
};

// A request to admit: dropped when its fingerprint was admitted before, by any worker, unless it
// is never filtered (a start request, a retry: dont_filter), which is not recorded either.
struct new_request {
  std::optional<fingerprint> fp;  // nullopt: never filtered
  std::string slot;
  int priority = 0;  // clamped to +/-(2^20 - 1), the range the queue's ranks hold exactly
  std::string record;
};

struct commit_batch {
  std::uint64_t number = 0;                 // this worker's commit number: 1, 2, ... (grows; a retry reuses it)
  std::vector<std::string> done;            // ids of leased requests that are finished
  std::vector<new_request> requests;        // the callbacks' new requests
  std::vector<std::pair<std::string, long long>> stats;           // counters to add
  // Where this worker's sinks end (their checkpoint(), as JSON text), by pipeline name.
  std::vector<std::pair<std::string, std::string>> sink_positions;
  std::vector<std::string> returned;        // leases given back undone: back to their queues now
  bool admits_start_urls = false;           // the requests hold the start URLs taken by pop_start_urls
  // Leased requests whose callback has handed on this many batches of outputs (not done yet).
  std::vector<std::pair<std::string, std::size_t>> progress;
};

struct commit_result {
  bool applied = false;        // false: this commit number was applied before (a retry)
  std::size_t queued = 0;      // new requests admitted
  std::size_t duplicates = 0;  // new requests whose fingerprint was seen before
  std::size_t lost = 0;        // done ids this worker no longer held (the lease expired)
};

struct admit_result {
  bool admitted = false;  // false: start requests were admitted before (another worker, or before a restart)
  std::size_t queued = 0;
  std::size_t duplicates = 0;
};

struct finish_state {
  long long now_ms = 0;
  std::optional<long long> idle_since_ms;  // set while no request is queued and no lease held
};

class frontier_store {
 public:
  // The client must outlive the store. Throws std::invalid_argument for a worker id that is empty
  // or has a '|', a prefix that is empty, or a shard count that is not a power of two.
  frontier_store(client& redis, frontier_options options);

  // Reads what the crawl recorded (the seen-set shard count, written by the first store) and this
  // worker's last applied commit number (0 for a new worker): a restarted worker numbers on from it.
  boost::asio::awaitable<std::uint64_t> open();

  // Leases up to n requests. `freed`: this worker's leases whose transfer has ended since the last
  // call; their slots get the transfer back (and their next start moves a delay on) at once,
  // while the leases wait for the commit that says the requests are done.
  boost::asio::awaitable<take_result> take(std::size_t n, const std::vector<std::string>& freed = {});
  // Ids among `ids` whose lease this worker no longer holds.
  boost::asio::awaitable<std::vector<std::string>> renew(const std::vector<std::string>& ids);
  boost::asio::awaitable<commit_result> commit(const commit_batch& batch);
  boost::asio::awaitable<finish_state> finish_check();
  // The spider's start requests, admitted once for the whole crawl.
  boost::asio::awaitable<admit_result> push_start_urls(const std::vector<new_request>& requests);
  // A slot's concurrency, delay and randomisation for every worker (DOWNLOAD_SLOTS, robots.txt's
  // Crawl-delay).
  boost::asio::awaitable<void> set_slot_policy(const std::string& slot, const download::slot_policy& policy);

  // scrapy-redis's PREFIX:start_urls: moves up to n entries (a URL, or a JSON object) into this
  // worker's own list, where they stay until the commit that admits them (admits_start_urls), so
  // that a worker that dies holding them loses nothing: the same worker id finds them again with
  // held_start_urls().
  boost::asio::awaitable<std::vector<std::string>> pop_start_urls(std::size_t n);
  boost::asio::awaitable<std::vector<std::string>> held_start_urls();
  // Where this worker's sinks ended at its last commit (name -> JSON text), for a restarted worker.
  boost::asio::awaitable<std::vector<std::pair<std::string, std::string>>> sink_positions();
  // Every worker's counters, summed by the commits.
  boost::asio::awaitable<std::vector<std::pair<std::string, long long>>> crawl_stats();

  const frontier_options& options() const { return options_; }

 private:
  void append_requests(std::vector<std::string>& args, const std::vector<new_request>& requests) const;
  void append_policy(std::vector<std::string>& args, const download::slot_policy& policy) const;

  client& redis_;
  frontier_options options_;
  std::mt19937_64 rng_;
};

}  // namespace orbweaver::redis
