#pragma once
// A worker's side of the frontier on Redis (SCHEDULER=redis; docs/distributed.md). The engine
// stays as it is: requests its callbacks yield are admitted here instead of into the local
// frontier, and the requests Redis leases to this worker are delivered into the local frontier,
// which hands them out as before. Three loops run beside the engine:
// - fill: takes as many requests as the worker can start now (Redis grants each slot's delay
//   and concurrency across every worker), tells Redis which transfers have ended, pops
//   PREFIX:start_urls when nothing is queued, and closes the crawl when every worker has been
//   idle for SCHEDULER_IDLE_BEFORE_CLOSE seconds;
// - commit: every REDIS_COMMIT_INTERVAL, at a moment when no item is between pipelines, makes
//   the sinks durable and commits in one atomic step the requests done, the new requests, the
//   stats and where each sink ends (the JOBDIR's checkpoint, with Redis as the store);
// - renew: keeps this worker's leases and heartbeat alive.
// When Redis is down, each step waits for it (the client logs the outage once and reconnects)
// and runs again; a commit runs again with its number, so it applies once.
#include "engine/checkpointed_sink.hpp"
#include "redis/client.hpp"
#include "redis/frontier_store.hpp"

#include <orbweaver/request.hpp>
#include <orbweaver/stats.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace orbweaver {

class crawler;
class settings;
class spider;

// SCHEDULER: false for the frontier in this process (memory, Scrapy's default scheduler), true
// for the one on Redis (redis, scrapy-redis's name too). Throws settings_error on anything else.
bool uses_redis_scheduler(const settings& s);

// An entry of PREFIX:start_urls as scrapy-redis reads it: a URL, or a JSON object with "url" and
// optionally "meta", "callback" (a registered name), "method", "body", "priority". Throws
// std::invalid_argument saying what is wrong.
request request_from_start_url(std::string_view entry, const spider& s);

class shared_frontier {
 public:
  // What the worker's engine provides.
  struct engine_hooks {
    std::function<std::size_t()> room;                     // requests the worker could start now
    std::function<void(request)> deliver;                  // a leased request, into the local frontier
    std::function<void(std::vector<request>)> schedule;    // start URLs read from Redis
    std::function<bool()> quiet;                           // no item between pipelines
    std::function<bool()> idle;                            // nothing in flight or waiting locally
    std::function<void(std::string)> close;
  };

  // Reads the settings (REDIS_URL must be set); throws settings_error on a bad value.
  shared_frontier(boost::asio::any_io_executor executor, crawler& c);
  ~shared_frontier();

  // Connects, checks the password and opens the crawl's keys. Throws settings_error naming the
  // server and the cause (the crawl then exits 2 before any request).
  boost::asio::awaitable<void> open();
  // Cuts the sink back to where this worker's last commit left it (a worker restarted with its
  // id), or lets it start afresh, and records its position in every commit from now on.
  void add_sink(std::string name, checkpointed_sink& sink);
  // Records where the sinks start before any request, so that a crash before the first commit
  // cuts them back to it.
  boost::asio::awaitable<void> commit_start_positions();

  // The spider's start requests (with their slots), admitted once for the whole crawl; and the
  // start URLs this worker had taken from PREFIX:start_urls when it died, scheduled again.
  boost::asio::awaitable<void> admit_start(std::vector<std::pair<request, std::string>> requests);

  // A request admitted by the local filter, to go to Redis under `slot` with the next commit.
  // False when it cannot travel (a callback without a registered name): the engine keeps it.
  bool admitted(const request& r, const std::string& slot);
  // The transfer of a leased request has ended (its slot may start another).
  void transfer_ended(const request& r);
  // The callback of a leased request handed on its `batches`th batch of outputs.
  void handed_batch(const request& origin, std::size_t batches);
  // Batches of its outputs `r` handed on in an earlier lease (its worker died): a callback run
  // again skips them.
  std::size_t batches_handed(const request& r) const;
  // Every output of a leased request has been handed on.
  void done(const request& r);
  // Something the fill loop waits for may have changed (a request ended).
  void wake();
  // A delay every worker keeps for the slot (robots.txt's Crawl-delay).
  void raise_slot_delay(const std::string& slot, std::chrono::duration<double> delay);

  void run(engine_hooks hooks);  // starts the loops
  void stop();                   // at close: the loops end; leases not started stay held until finish()
  // The last commit, after the requests in flight ended: done requests, new ones, the sinks; the
  // leases not done go back to their queues. With `abandoned` (a second Ctrl-C), nothing: the
  // previous commit stands and the leases expire. Returns false when the sinks failed.
  boost::asio::awaitable<bool> finish(bool abandoned);
  // A second Ctrl-C: a commit waiting for Redis gives up (its leases expire, others redo them).
  void abandon();

  const std::string& worker() const;

 private:
  boost::asio::awaitable<void> fill();
  boost::asio::awaitable<void> commit_periodically();
  boost::asio::awaitable<void> renew_periodically();
  boost::asio::awaitable<void> check_finished();
  // Builds the next commit from what changed; false when a sink cannot make its items durable.
  bool build_commit(redis::commit_batch& out, bool last);
  boost::asio::awaitable<void> commit(redis::commit_batch batch);
  boost::asio::awaitable<void> pause(std::chrono::milliseconds d);
  // Entries of PREFIX:start_urls (popped, or held from before a restart) into the engine; the
  // next commit admits them and empties this worker's list. Bad entries are counted and logged.
  void schedule_start_urls(const std::vector<std::string>& entries);

  boost::asio::any_io_executor executor_;
  crawler& crawler_;
  redis::client client_;
  redis::frontier_store store_;
  engine_hooks hooks_;
  std::chrono::duration<double> commit_interval_;
  std::chrono::duration<double> idle_before_close_;
  bool keep_alive_;
  std::uint64_t commit_number_ = 0;
  bool stopped_ = false;    // closing: no more takes or periodic commits
  bool finished_ = false;   // the last commit is done: no more renewals
  bool abandoned_ = false;
  bool committing_ = false;
  bool taking_ = false;     // a take is on its way: its reply may lease more to this worker
  bool admit_soon_ = false;  // the fill loop found nothing to take while new requests wait

  std::vector<std::pair<std::string, checkpointed_sink*>> sinks_;
  std::unordered_map<std::string, std::string> recorded_sinks_;
  std::unordered_set<std::string> held_;     // leased to this worker, not committed done
  std::vector<std::string> freed_;           // transfers ended since the last take
  std::mt19937_64 take_attempts_{std::random_device{}()};  // numbers no other take of this id had
  std::uint64_t take_attempt_ = 0;           // the take being tried (0: none)
  std::vector<std::string> done_;            // since the last commit
  std::vector<redis::new_request> admitted_; // since the last commit
  bool start_urls_pending_ = false;          // admitted_ holds start URLs taken from Redis
  std::unordered_map<std::string, std::int64_t> stats_sent_;
  std::unordered_map<std::string, download::slot_policy> slot_policies_;  // DOWNLOAD_SLOTS
  std::unordered_map<std::string, double> slot_delays_raised_;
  std::unordered_map<std::string, std::size_t> progress_;        // since the last commit, by id
  std::unordered_map<std::uint64_t, std::size_t> handed_before_;  // from earlier leases, by id

  boost::asio::steady_timer fill_wait_;
  bool fill_waiting_ = false;
  bool fill_woken_ = false;
  boost::asio::steady_timer commit_timer_;
  boost::asio::steady_timer renew_timer_;
};

}  // namespace orbweaver
