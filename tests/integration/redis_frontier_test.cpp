// The frontier's atomic steps on a real redis-server (tests/support/redis_server): order within a
// slot, cluster-wide slot policy by Redis's clock, leases shared by two workers, expiry, commits
// applied once, the exact seen sets and their memory, and the idle state that ends a crawl.
#include "redis/client.hpp"
#include "redis/frontier_store.hpp"

#include "redis_server.hpp"
#include "run_coroutine.hpp"

#include <orbweaver/settings.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <set>

namespace orbweaver::redis {
namespace {

namespace asio = boost::asio;
using testing::redis_server;
using testing::run;
using testing::sleep_for;
using namespace std::chrono_literals;

// A fingerprint as uniform as SHA-1's, one per number.
fingerprint fingerprint_of(int n) {
  std::mt19937_64 bits(static_cast<std::uint64_t>(n) * 7919 + 1);
  fingerprint fp;
  for (auto& byte : fp) byte = static_cast<std::uint8_t>(bits());
  return fp;
}

// A request whose record is its name, so that tests read the order back.
new_request named(int n, std::string name, std::string slot = "example.com", int priority = 0) {
  return {fingerprint_of(n), std::move(slot), priority, std::move(name)};
}

commit_batch admitting(std::uint64_t number, std::vector<new_request> requests) {
  commit_batch b;
  b.number = number;
  b.requests = std::move(requests);
  return b;
}

commit_batch finishing(std::uint64_t number, std::vector<std::string> done) {
  commit_batch b;
  b.number = number;
  b.done = std::move(done);
  return b;
}

frontier_options options_for(std::string worker) {
  frontier_options o;
  o.prefix = "crawl";
  o.worker = std::move(worker);
  o.default_policy.concurrency = 100;
  o.default_policy.randomize_delay = false;
  return o;
}

std::vector<std::string> records(const take_result& taken) {
  std::vector<std::string> out;
  for (const auto& r : taken.requests) out.push_back(r.record);
  return out;
}

std::vector<std::string> ids(const take_result& taken) {
  std::vector<std::string> out;
  for (const auto& r : taken.requests) out.push_back(r.id);
  return out;
}

class RedisFrontier : public ::testing::Test {
 protected:
  redis_server server;
  asio::io_context io;
  client redis{io.get_executor(), parse_url(server.url())};

  long long integer(const command& c) { return server.command(c).integer; }
  std::string text(const command& c) { return server.command(c).text; }
};

// Two workers, w1 and w2, on one crawl.
class RedisFrontierTwoWorkers : public RedisFrontier {
 protected:
  frontier_store one{redis, options_for("w1")};
  frontier_store two{redis, options_for("w2")};

  asio::awaitable<void> open_both() {
    co_await one.open();
    co_await two.open();
  }
};

// Five requests in one slot, admitted in the order a, b, c, d, e with priorities 0, 0, 5, 0, -1.
std::vector<std::string> order_taken(client& redis, asio::io_context& io, bool lifo) {
  frontier_options o = options_for("w1");
  o.lifo = lifo;
  frontier_store store(redis, o);
  std::vector<std::string> order;
  auto body = [&]() -> asio::awaitable<void> {
    co_await store.open();
    commit_batch batch = admitting(1, {named(1, "a"), named(2, "b"), named(3, "c", "example.com", 5), named(4, "d"),
                                       named(5, "e", "example.com", -1)});
    co_await store.commit(batch);
    const take_result taken = co_await store.take(10);
    order = records(taken);
  };
  run(io, body());
  return order;
}

TEST_F(RedisFrontier, PriorityFirstThenFifoWithinASlot) {
  SKIP_WITHOUT(server);
  EXPECT_EQ(order_taken(redis, io, false), (std::vector<std::string>{"c", "a", "b", "d", "e"}));
}

TEST_F(RedisFrontier, PriorityFirstThenLifoWithinASlot) {
  SKIP_WITHOUT(server);
  EXPECT_EQ(order_taken(redis, io, true), (std::vector<std::string>{"c", "d", "b", "a", "e"}));
}

TEST_F(RedisFrontier, SlotConcurrencyAndDelayHoldByRedisTime) {
  SKIP_WITHOUT(server);
  frontier_store store(redis, options_for("w1"));
  auto body = [&]() -> asio::awaitable<void> {
    co_await store.open();
    download::slot_policy polite{.concurrency = 1, .delay = 200ms, .randomize_delay = false};
    co_await store.set_slot_policy("slow.example", polite);
    commit_batch admit = admitting(1, {named(1, "first", "slow.example"), named(2, "second", "slow.example"),
                                       named(3, "third", "slow.example"), named(4, "other", "fast.example")});
    co_await store.commit(admit);

    const take_result first = co_await store.take(10);
    // One from the slow slot (its one transfer), the fast slot's too; nothing else is ready.
    const std::vector<std::string> first_records = records(first);
    EXPECT_EQ(std::set<std::string>(first_records.begin(), first_records.end()),
              (std::set<std::string>{"first", "other"}));
    EXPECT_FALSE(first.next_ready_ms) << "the slow slot's transfer is taken: it is out of the schedule";
    if (first.requests.size() != 2) co_return;

    const take_result while_leased = co_await store.take(10);
    EXPECT_TRUE(while_leased.requests.empty());

    // The lease ends: the slot is back in the schedule, at the time its delay allows.
    const std::string slow_id = first.requests[0].record == "first" ? first.requests[0].id : first.requests[1].id;
    commit_batch done = finishing(2, {slow_id});
    co_await store.commit(done);
    const take_result too_early = co_await store.take(10);
    EXPECT_TRUE(too_early.requests.empty()) << "taken " << too_early.now_ms - first.now_ms << " ms after the first";
    EXPECT_EQ(too_early.next_ready_ms, first.now_ms + 200);
    if (!too_early.next_ready_ms) co_return;

    co_await sleep_for(std::chrono::milliseconds(*too_early.next_ready_ms - too_early.now_ms + 5));
    const take_result second = co_await store.take(10);
    EXPECT_EQ(records(second), std::vector<std::string>{"second"});
    EXPECT_GE(second.now_ms, first.now_ms + 200);

    // The other way round: the delay has passed, the lease has not ended.
    const long long delay_over = second.now_ms + 200;
    const finish_state now = co_await store.finish_check();
    co_await sleep_for(std::chrono::milliseconds(std::max(0LL, delay_over - now.now_ms) + 5));
    const take_result still_leased = co_await store.take(10);
    EXPECT_TRUE(still_leased.requests.empty());
    EXPECT_GE(still_leased.now_ms, delay_over);
    commit_batch second_done = finishing(3, ids(second));
    co_await store.commit(second_done);
    const take_result third = co_await store.take(10);
    EXPECT_EQ(records(third), std::vector<std::string>{"third"});
  };
  run(io, body());
}

TEST_F(RedisFrontier, RandomizedDelayStaysWithinHalfAndOneAndAHalfTimes) {
  SKIP_WITHOUT(server);
  frontier_store store(redis, options_for("w1"));
  auto body = [&]() -> asio::awaitable<void> {
    co_await store.open();
    download::slot_policy polite{.concurrency = 1, .delay = 10'000ms, .randomize_delay = true};
    std::set<long long> delays;
    for (int slot = 0; slot < 20; ++slot) {
      const std::string name = fmt::format("host{}", slot);
      co_await store.set_slot_policy(name, polite);
      commit_batch admit = admitting(static_cast<std::uint64_t>(slot + 1),
                                     {named(slot * 2, "a", name), named(slot * 2 + 1, "b", name)});
      co_await store.commit(admit);
      const take_result taken = co_await store.take(1);
      EXPECT_EQ(taken.requests.size(), 1u);
      std::string key = "crawl:slot:" + name;
      const long long next = std::stoll(text({"HGET", key, "next"}));
      EXPECT_GE(next - taken.now_ms, 5'000);
      EXPECT_LE(next - taken.now_ms, 15'000);
      delays.insert(next - taken.now_ms);
    }
    EXPECT_GT(delays.size(), 10u) << "the delays are drawn, not fixed";
  };
  run(io, body());
}

TEST_F(RedisFrontierTwoWorkers, TwoWorkersNeverTakeTheSameRequest) {
  SKIP_WITHOUT(server);
  auto body = [&]() -> asio::awaitable<void> {
    co_await open_both();
    commit_batch admit = admitting(1, {});
    for (int i = 0; i < 300; ++i) admit.requests.push_back(named(i, fmt::format("r{}", i), fmt::format("host{}", i % 7)));
    co_await one.commit(admit);
    std::set<std::string> by_one, by_two;
    for (bool more = true; more;) {
      const take_result a = co_await one.take(9);
      const take_result b = co_await two.take(13);
      for (const auto& r : a.requests) EXPECT_TRUE(by_one.insert(r.record).second);
      for (const auto& r : b.requests) EXPECT_TRUE(by_two.insert(r.record).second);
      more = !a.requests.empty() || !b.requests.empty();
    }
    EXPECT_EQ(by_one.size() + by_two.size(), 300u);
    EXPECT_GT(by_one.size(), 0u);
    EXPECT_GT(by_two.size(), 0u);
    for (const auto& r : by_one) EXPECT_FALSE(by_two.contains(r)) << r << " went to both workers";
  };
  run(io, body());
}

TEST_F(RedisFrontierTwoWorkers, EachLiveWorkerTakesAtMostItsShareOfASlot) {
  SKIP_WITHOUT(server);
  auto body = [&]() -> asio::awaitable<void> {
    co_await open_both();
    download::slot_policy four{.concurrency = 4, .delay = 0ms, .randomize_delay = false};
    co_await one.set_slot_policy("one.host", four);
    commit_batch admit = admitting(1, {});
    for (int i = 0; i < 20; ++i) admit.requests.push_back(named(i, fmt::format("r{}", i), "one.host"));
    co_await one.commit(admit);

    // Alone, a worker may take every transfer of the slot.
    const take_result alone = co_await one.take(10);
    EXPECT_EQ(alone.requests.size(), 4u);
    commit_batch done = finishing(2, ids(alone));
    co_await one.commit(done);

    // Two live workers (heartbeats): two transfers each, even for the one that asks first.
    const std::vector<std::string> no_leases;
    co_await one.renew(no_leases);
    co_await two.renew(no_leases);
    const take_result first = co_await one.take(10);
    EXPECT_EQ(first.requests.size(), 2u);
    const take_result again = co_await one.take(10);
    EXPECT_TRUE(again.requests.empty()) << "its share is taken; the rest waits for the other worker";
    const take_result second = co_await two.take(10);
    EXPECT_EQ(second.requests.size(), 2u);
    // A transfer of the first ends: it may take one more, not three.
    const std::vector<std::string> freed{first.requests[0].id};
    const take_result after_free = co_await one.take(10, freed);
    EXPECT_EQ(after_free.requests.size(), 1u);
  };
  run(io, body());
}

TEST_F(RedisFrontier, AnExpiredLeaseGoesBackToItsQueueAndToTheOtherWorker) {
  SKIP_WITHOUT(server);
  frontier_options short_lease = options_for("w1");
  short_lease.lease = 150ms;
  frontier_store one(redis, short_lease);
  frontier_store two(redis, options_for("w2"));
  auto body = [&]() -> asio::awaitable<void> {
    co_await one.open();
    co_await two.open();
    commit_batch admit = admitting(1, {named(1, "only")});
    co_await one.commit(admit);
    const take_result held = co_await one.take(5);
    EXPECT_EQ(held.requests.size(), 1u);
    if (held.requests.size() != 1) co_return;
    const take_result nothing = co_await two.take(5);
    EXPECT_TRUE(nothing.requests.empty());
    EXPECT_EQ(nothing.next_expiry_ms, held.now_ms + 150);

    // Renewed while the worker lives...
    const std::vector<std::string> kept = co_await one.renew(ids(held));
    EXPECT_TRUE(kept.empty());
    // ...then no more: the other worker gets it once the lease has run out.
    const long long expiry = std::stoll(text({"ZSCORE", "crawl:leases", held.requests[0].id}));
    const finish_state now = co_await two.finish_check();
    EXPECT_GE(expiry, now.now_ms);
    co_await sleep_for(std::chrono::milliseconds(expiry - now.now_ms + 5));
    const take_result taken_back = co_await two.take(5);
    EXPECT_EQ(ids(taken_back), ids(held));
    EXPECT_EQ(records(taken_back), std::vector<std::string>{"only"});

    const std::vector<std::string> lost = co_await one.renew(ids(held));
    EXPECT_EQ(lost, ids(held)) << "the first worker learns it lost the lease";
    commit_batch late = finishing(2, ids(held));
    const commit_result late_result = co_await one.commit(late);
    EXPECT_EQ(late_result.lost, 1u);
    EXPECT_EQ(integer({"HEXISTS", "crawl:lease", held.requests[0].id}), 1) << "the other worker still holds it";
    commit_batch done = finishing(1, ids(held));
    const commit_result done_result = co_await two.commit(done);
    EXPECT_EQ(done_result.lost, 0u);
    EXPECT_EQ(integer({"HLEN", "crawl:req"}), 0);
    EXPECT_EQ(integer({"ZCARD", "crawl:leases"}), 0);
    EXPECT_EQ(text({"HGET", "crawl:stats", "scheduler/lease_expired"}), "1");
  };
  run(io, body());
}

TEST_F(RedisFrontier, BatchesHandedOnOutliveAnExpiredLeaseAndGoWithTheRequest) {
  SKIP_WITHOUT(server);
  frontier_options short_lease = options_for("w1");
  short_lease.lease = 100ms;
  frontier_store one(redis, short_lease);
  frontier_store two(redis, options_for("w2"));
  auto body = [&]() -> asio::awaitable<void> {
    co_await one.open();
    co_await two.open();
    commit_batch admit = admitting(1, {named(1, "long page")});
    co_await one.commit(admit);
    const take_result first = co_await one.take(1);
    EXPECT_EQ(first.requests.size(), 1u);
    if (first.requests.size() != 1) co_return;
    EXPECT_EQ(first.requests[0].batches_handed, 0u);
    // The callback handed on two batches before its worker died.
    commit_batch progress;
    progress.number = 2;
    progress.progress = {{first.requests[0].id, 2}};
    co_await one.commit(progress);

    co_await sleep_for(150ms);
    const take_result again = co_await two.take(1);
    EXPECT_EQ(ids(again), ids(first));
    if (again.requests.size() != 1) co_return;
    EXPECT_EQ(again.requests[0].batches_handed, 2u) << "the worker doing it again skips them";
    commit_batch stale;
    stale.number = 3;
    stale.progress = {{first.requests[0].id, 5}};
    co_await one.commit(stale);
    EXPECT_EQ(text({"HGET", "crawl:progress", first.requests[0].id}), "2") << "a worker that lost the lease records nothing";
    commit_batch done = finishing(1, ids(again));
    co_await two.commit(done);
    EXPECT_EQ(integer({"EXISTS", "crawl:progress"}), 0);
  };
  run(io, body());
}

TEST_F(RedisFrontier, ACommitRunTwiceWithOneNumberIsAppliedOnce) {
  SKIP_WITHOUT(server);
  frontier_store store(redis, options_for("w1"));
  auto body = [&]() -> asio::awaitable<void> {
    const std::uint64_t last_commit = co_await store.open();
    EXPECT_EQ(last_commit, 0u);
    commit_batch admit = admitting(1, {named(1, "a"), named(2, "b")});
    co_await store.commit(admit);
    const take_result taken = co_await store.take(1);
    commit_batch batch = finishing(2, ids(taken));
    batch.requests = {named(3, "c")};
    batch.stats = {{"item_scraped_count", 4}};
    batch.sink_positions = {{"items.jsonl", R"({"items.jsonl":1234})"}};
    const commit_result first = co_await store.commit(batch);
    EXPECT_TRUE(first.applied);
    EXPECT_EQ(first.queued, 1u);
    // The reply was lost, say: the worker sends the same commit again.
    const commit_result again = co_await store.commit(batch);
    EXPECT_FALSE(again.applied);
    EXPECT_EQ(text({"GET", "crawl:queued"}), "2");
    EXPECT_EQ(integer({"HLEN", "crawl:req"}), 2);
    EXPECT_EQ(text({"HGET", "crawl:stats", "item_scraped_count"}), "4");
    EXPECT_EQ(text({"HGET", "crawl:stats:w1", "item_scraped_count"}), "4");
    EXPECT_EQ(text({"HGET", "crawl:sink:w1", "items.jsonl"}), R"({"items.jsonl":1234})");
    EXPECT_EQ(text({"HGET", "crawl:stats", "dupefilter/filtered"}), "") << "the retry is not a duplicate";

    // A restarted worker with this id numbers on from the last applied commit.
    frontier_store restarted(redis, options_for("w1"));
    const std::uint64_t restarted_last = co_await restarted.open();
    EXPECT_EQ(restarted_last, 2u);
  };
  run(io, body());
}

TEST_F(RedisFrontier, DuplicatesAreDroppedExactlyAndShardsStayIntsets) {
  SKIP_WITHOUT(server);
  frontier_options o = options_for("w1");
  o.seen_shards = 16;
  frontier_store store(redis, o);
  auto body = [&]() -> asio::awaitable<void> {
    co_await store.open();
    commit_batch first = admitting(1, {});
    for (int i = 0; i < 2000; ++i) first.requests.push_back(named(i, "r"));
    const commit_result admitted = co_await store.commit(first);
    EXPECT_EQ(admitted.queued, 2000u);
    EXPECT_EQ(admitted.duplicates, 0u);

    commit_batch second = admitting(2, {});
    for (int i = 1990; i < 2010; ++i) second.requests.push_back(named(i, "r"));
    const commit_result repeats = co_await store.commit(second);
    EXPECT_EQ(repeats.queued, 10u);
    EXPECT_EQ(repeats.duplicates, 10u);
    EXPECT_EQ(text({"GET", "crawl:queued"}), "2010");
    EXPECT_EQ(text({"HGET", "crawl:stats", "dupefilter/filtered"}), "10");
  };
  run(io, body());
  const reply shards = server.command({"KEYS", "crawl:seen:*"});
  EXPECT_EQ(shards.elements.size(), 16u);
  long long members = 0;
  for (const reply& shard : shards.elements) {
    members += integer({"SCARD", shard.text});
    EXPECT_EQ(text({"OBJECT", "ENCODING", shard.text}), "intset") << shard.text << " holds " << integer({"SCARD", shard.text});
  }
  EXPECT_EQ(members, 2010);
}

TEST_F(RedisFrontier, SeenSetMemoryPerUrl) {
  SKIP_WITHOUT(server);
  frontier_options o = options_for("w1");
  o.seen_shards = 256;  // ~390 a shard for 100,000: under set-max-intset-entries (512)
  frontier_store store(redis, o);
  constexpr int urls = 100'000;
  auto body = [&]() -> asio::awaitable<void> {
    co_await store.open();
    for (int batch = 0; batch < urls / 5000; ++batch) {
      commit_batch b = admitting(static_cast<std::uint64_t>(batch + 1), {});
      for (int i = batch * 5000; i < (batch + 1) * 5000; ++i) b.requests.push_back(named(i, ""));
      const commit_result r = co_await store.commit(b);
      EXPECT_EQ(r.queued, 5000u);
    }
  };
  run(io, body());
  long long bytes = 0;
  std::size_t intsets = 0;
  const reply shards = server.command({"KEYS", "crawl:seen:*"});
  for (const reply& shard : shards.elements) {
    bytes += integer({"MEMORY", "USAGE", shard.text, "SAMPLES", "0"});
    intsets += text({"OBJECT", "ENCODING", shard.text}) == "intset";
  }
  EXPECT_EQ(intsets, shards.elements.size());
  const double per_url = static_cast<double>(bytes) / urls;
  std::printf("seen sets: %d fingerprints in %zu shards use %lld bytes: %.2f bytes per URL\n", urls,
              shards.elements.size(), bytes, per_url);
  EXPECT_LT(per_url, 10.0);
}

TEST_F(RedisFrontier, FinishCheckIsIdleOnlyWithoutQueueAndLeases) {
  SKIP_WITHOUT(server);
  frontier_store store(redis, options_for("w1"));
  auto body = [&]() -> asio::awaitable<void> {
    co_await store.open();
    const finish_state empty = co_await store.finish_check();
    EXPECT_EQ(empty.idle_since_ms, empty.now_ms);

    commit_batch admit = admitting(1, {named(1, "a")});
    co_await store.commit(admit);
    const finish_state queued = co_await store.finish_check();
    EXPECT_FALSE(queued.idle_since_ms) << "a request is queued";
    const take_result taken = co_await store.take(1);
    const finish_state leased = co_await store.finish_check();
    EXPECT_FALSE(leased.idle_since_ms) << "a lease is held";
    commit_batch done = finishing(2, ids(taken));
    co_await store.commit(done);
    const finish_state idle = co_await store.finish_check();
    EXPECT_GE(idle.idle_since_ms.value_or(0), empty.now_ms);
    co_await sleep_for(20ms);
    const finish_state later = co_await store.finish_check();
    EXPECT_EQ(later.idle_since_ms, idle.idle_since_ms) << "idle since the first check that found it so";
    EXPECT_GE(later.now_ms - later.idle_since_ms.value_or(0), 20);
  };
  run(io, body());
}

TEST_F(RedisFrontierTwoWorkers, StartRequestsAreAdmittedOnceForTheCrawl) {
  SKIP_WITHOUT(server);
  auto body = [&]() -> asio::awaitable<void> {
    co_await open_both();
    const std::vector<new_request> starts{named(1, "home"), named(2, "about"), named(1, "home again")};
    const admit_result first = co_await one.push_start_urls(starts);
    EXPECT_TRUE(first.admitted);
    EXPECT_EQ(first.queued, 2u);
    EXPECT_EQ(first.duplicates, 1u);
    const admit_result second = co_await two.push_start_urls(starts);
    EXPECT_FALSE(second.admitted);
    const take_result taken = co_await two.take(10);
    EXPECT_EQ(records(taken), (std::vector<std::string>{"home", "about"}));
  };
  run(io, body());
}

// A transfer that ends (take's freed ids) gives its slot the transfer back at once, while the
// lease waits for the commit; the slot's next start moves to a delay after the end.
TEST_F(RedisFrontier, AFreedTransferGivesItsSlotBackADelayAfterItEnded) {
  SKIP_WITHOUT(server);
  frontier_store store(redis, options_for("w1"));
  auto body = [&]() -> asio::awaitable<void> {
    co_await store.open();
    download::slot_policy polite{.concurrency = 1, .delay = 200ms, .randomize_delay = false};
    co_await store.set_slot_policy("slow.example", polite);
    commit_batch admit = admitting(1, {named(1, "first", "slow.example"), named(2, "second", "slow.example")});
    co_await store.commit(admit);
    const take_result first = co_await store.take(10);
    EXPECT_EQ(records(first), std::vector<std::string>{"first"});
    if (first.requests.size() != 1) co_return;

    // The transfer ends 150 ms after the lease: the next start is 200 ms after that, not after
    // the lease.
    co_await sleep_for(150ms);
    const take_result freed = co_await store.take(10, ids(first));
    EXPECT_TRUE(freed.requests.empty()) << "taken " << freed.now_ms - first.now_ms << " ms after the first";
    EXPECT_EQ(freed.next_ready_ms, freed.now_ms + 200);
    EXPECT_EQ(text({"HGET", "crawl:slot:slow.example", "inflight"}), "0") << "the transfer is back at once";
    EXPECT_EQ(integer({"ZCARD", "crawl:leases"}), 1) << "the lease waits for the commit";
    if (!freed.next_ready_ms) co_return;

    // Freed again (a worker's retry): nothing changes.
    const take_result again = co_await store.take(10, ids(first));
    EXPECT_EQ(again.next_ready_ms, freed.next_ready_ms);
    EXPECT_EQ(text({"HGET", "crawl:slot:slow.example", "inflight"}), "0");

    co_await sleep_for(std::chrono::milliseconds(*freed.next_ready_ms - again.now_ms + 5));
    const take_result second = co_await store.take(10);
    EXPECT_EQ(records(second), std::vector<std::string>{"second"});
    EXPECT_GE(second.now_ms, freed.now_ms + 200);

    // The commit that says the first is done does not give the slot a second transfer.
    commit_batch done = finishing(2, ids(first));
    const commit_result committed = co_await store.commit(done);
    EXPECT_EQ(committed.lost, 0u);
    EXPECT_EQ(text({"HGET", "crawl:slot:slow.example", "inflight"}), "1");
    EXPECT_EQ(integer({"ZCARD", "crawl:leases"}), 1);
  };
  run(io, body());
}

// Leases a worker gives back undone (at its close) go back to their queue where they were.
TEST_F(RedisFrontier, ReturnedLeasesGoBackToTheirQueueAtTheirOldRank) {
  SKIP_WITHOUT(server);
  frontier_store store(redis, options_for("w1"));
  auto body = [&]() -> asio::awaitable<void> {
    co_await store.open();
    commit_batch admit = admitting(1, {named(1, "a"), named(2, "b"), named(3, "c"), named(4, "d")});
    co_await store.commit(admit);
    const take_result taken = co_await store.take(2);
    EXPECT_EQ(records(taken), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(text({"GET", "crawl:queued"}), "2");

    commit_batch close = finishing(2, {});
    close.returned = ids(taken);
    co_await store.commit(close);
    EXPECT_EQ(text({"GET", "crawl:queued"}), "4");
    EXPECT_EQ(integer({"ZCARD", "crawl:leases"}), 0);
    EXPECT_EQ(integer({"HLEN", "crawl:lease"}), 0);
    EXPECT_EQ(text({"HGET", "crawl:slot:example.com", "inflight"}), "0");
    EXPECT_EQ(text({"HGET", "crawl:stats", "scheduler/lease_expired"}), "") << "a returned lease did not expire";

    const take_result again = co_await store.take(10);
    EXPECT_EQ(records(again), (std::vector<std::string>{"a", "b", "c", "d"}));
  };
  run(io, body());
}

// A take run again with its attempt (its reply was lost with the connection) gives the leases
// its first run took, not new ones; the freed ids it carries are applied either way.
TEST_F(RedisFrontier, ATakeRunAgainWithItsAttemptGivesTheSameLeases) {
  SKIP_WITHOUT(server);
  frontier_store store(redis, options_for("w1"));
  auto body = [&]() -> asio::awaitable<void> {
    co_await store.open();
    commit_batch admit = admitting(1, {named(1, "a"), named(2, "b"), named(3, "c"), named(4, "d"), named(5, "e")});
    co_await store.commit(admit);
    const std::vector<std::string> nothing_freed;
    const take_result first = co_await store.take(2, nothing_freed, 77);
    EXPECT_EQ(records(first), (std::vector<std::string>{"a", "b"}));
    if (first.requests.size() != 2) co_return;

    const std::vector<std::string> freed{first.requests[0].id};
    const take_result again = co_await store.take(3, freed, 77);
    EXPECT_EQ(records(again), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(ids(again), ids(first));
    EXPECT_EQ(text({"GET", "crawl:queued"}), "3") << "the run again leased more";
    EXPECT_EQ(text({"HGET", "crawl:slot:example.com", "inflight"}), "1") << "its freed id was not applied";

    // Done with one of them: a replay gives only the one this worker still holds.
    commit_batch done = finishing(2, freed);
    co_await store.commit(done);
    const take_result after_commit = co_await store.take(3, nothing_freed, 77);
    EXPECT_EQ(records(after_commit), std::vector<std::string>{"b"});

    const take_result next = co_await store.take(2, nothing_freed, 78);
    EXPECT_EQ(records(next), (std::vector<std::string>{"c", "d"}));
    // Attempt 0 is never replayed.
    const take_result plain = co_await store.take(1);
    const take_result plain_again = co_await store.take(1);
    EXPECT_EQ(records(plain), std::vector<std::string>{"e"});
    EXPECT_TRUE(plain_again.requests.empty());
  };
  run(io, body());
}

// A request that is never filtered (a start request, a retry) is admitted every time, and leaves
// nothing in the seen sets, so that a later filtered request with its URL is still admitted once.
TEST_F(RedisFrontier, NeverFilteredRequestsAreAdmittedEveryTimeAndNotRecorded) {
  SKIP_WITHOUT(server);
  frontier_store store(redis, options_for("w1"));
  auto body = [&]() -> asio::awaitable<void> {
    co_await store.open();
    new_request unfiltered = named(1, "again");
    unfiltered.fp.reset();
    commit_batch first = admitting(1, {unfiltered, unfiltered});
    const commit_result twice = co_await store.commit(first);
    EXPECT_EQ(twice.queued, 2u);
    EXPECT_EQ(twice.duplicates, 0u);
    EXPECT_TRUE(server.command({"KEYS", "crawl:seen:*"}).elements.empty()) << "recorded in a seen set";

    commit_batch filtered = admitting(2, {named(1, "filtered"), named(1, "filtered twice")});
    const commit_result once = co_await store.commit(filtered);
    EXPECT_EQ(once.queued, 1u);
    EXPECT_EQ(once.duplicates, 1u);
    EXPECT_EQ(text({"GET", "crawl:queued"}), "3");
  };
  run(io, body());
}

// PREFIX:start_urls entries move into the worker's own list, where they stay (a worker that dies
// finds them again) until the commit that admits them; the crawl is not idle meanwhile.
TEST_F(RedisFrontier, StartUrlsAreHeldByTheWorkerUntilTheCommitThatAdmitsThem) {
  SKIP_WITHOUT(server);
  frontier_store store(redis, options_for("w1"));
  auto body = [&]() -> asio::awaitable<void> {
    co_await store.open();
    EXPECT_EQ(integer({"RPUSH", "crawl:start_urls", "https://example.com/1", "https://example.com/2",
                       R"({"url": "https://example.com/3"})"}),
              3);
    const finish_state waiting = co_await store.finish_check();
    EXPECT_FALSE(waiting.idle_since_ms) << "start URLs wait in crawl:start_urls";

    co_await store.renew({});  // the worker's heartbeat: it is alive
    const std::vector<std::string> popped = co_await store.pop_start_urls(2);
    EXPECT_EQ(popped, (std::vector<std::string>{"https://example.com/1", "https://example.com/2"}));
    EXPECT_EQ(integer({"LLEN", "crawl:start_urls"}), 1);
    const std::vector<std::string> held = co_await store.held_start_urls();
    EXPECT_EQ(held, popped);

    const std::vector<std::string> rest = co_await store.pop_start_urls(5);
    EXPECT_EQ(rest, std::vector<std::string>{R"({"url": "https://example.com/3"})"});
    EXPECT_EQ(integer({"LLEN", "crawl:start_urls"}), 0);
    const finish_state held_by_worker = co_await store.finish_check();
    EXPECT_FALSE(held_by_worker.idle_since_ms) << "a live worker holds start URLs not admitted yet";

    // A commit that does not admit them leaves them held.
    commit_batch other = admitting(1, {named(9, "other")});
    co_await store.commit(other);
    EXPECT_EQ(integer({"LLEN", "crawl:start_urls:w1"}), 3);

    commit_batch admit = admitting(2, {named(1, "1"), named(2, "2"), named(3, "3")});
    admit.admits_start_urls = true;
    co_await store.commit(admit);
    EXPECT_EQ(integer({"LLEN", "crawl:start_urls:w1"}), 0);
    const std::vector<std::string> none = co_await store.held_start_urls();
    EXPECT_TRUE(none.empty());
    EXPECT_EQ(text({"GET", "crawl:queued"}), "4");
    const take_result taken = co_await store.take(10);
    commit_batch done = finishing(3, ids(taken));
    co_await store.commit(done);
    const finish_state idle = co_await store.finish_check();
    EXPECT_TRUE(idle.idle_since_ms) << "nothing queued, leased or waiting";
  };
  run(io, body());
}

TEST(RedisFrontierStore, RefusesAWorkerIdWithTheSeparator) {
  asio::io_context io;
  client redis(io.get_executor(), config{});
  EXPECT_THROW(frontier_store(redis, options_for("a|b")), std::invalid_argument);
  EXPECT_THROW(frontier_store(redis, options_for("")), std::invalid_argument);
  frontier_options odd = options_for("w1");
  odd.seen_shards = 12;
  EXPECT_THROW(frontier_store(redis, odd), std::invalid_argument);
}

TEST(RedisFrontierStore, KeyPrefixIsTheSpiderNameUnlessSet) {
  settings s;
  EXPECT_EQ(frontier_prefix(s, "books"), "books");
  s.set("REDIS_KEY_PREFIX", "books-2026");
  EXPECT_EQ(frontier_prefix(s, "books"), "books-2026");
}

}  // namespace
}  // namespace orbweaver::redis
