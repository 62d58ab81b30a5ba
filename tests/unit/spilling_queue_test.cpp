// The frontier's memory window without sockets: slot queues that spill to a real request store
// (SQLite in a scratch directory) keep exactly the memory queue's order, share one budget, keep
// unwritable requests in memory and leave no directory behind.
#include "engine/spilling_queue.hpp"
#include "storage/scratch_directory.hpp"

#include <orbweaver/orbweaver.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace {

using namespace orbweaver;

class spill_spider : public spider {
 public:
  spill_spider() { name = "spilling_queue_test"; }
  void parse(const response&, output&) override {}
  void parse_page(const response&, output&) {}
};

}  // namespace

ORBWEAVER_SPIDER(spill_spider, parse_page);

namespace {

request numbered(int n, int priority, bool named = true) {
  request r("http://example.com/p/" + std::to_string(n));
  if (named)
    r.set_callback(&spill_spider::parse_page);
  else
    r.callback = [](spider&, const response&, output&) {};
  r.priority = priority;
  return r;
}

struct fixture {
  explicit fixture(queue_order order, spill_limits limits = {.memory_requests = 6, .slot_minimum = 2, .batch = 4})
      : order(order), pool(std::make_shared<spill_pool>(limits, order, spider, stats)), make(spill_pool::factory(pool)) {}

  spill_spider spider;
  stats_collector stats;
  queue_order order;
  std::shared_ptr<spill_pool> pool;
  request_queue_factory make;
};

// Random pushes (priorities -2..2) and pops on a spilling queue and on the memory queue: the same
// URLs come out in the same order, across many spills and reloads.
void same_order_as_memory(queue_order order, int unnamed_every = 0) {
  fixture f(order);
  auto spilling = f.make("a");
  memory_priority_queue reference(order);
  std::mt19937 rng(7);
  int pushed = 0;
  std::size_t popped = 0;
  for (int round = 0; round < 3000; ++round) {
    if (rng() % 3 != 0) {
      int priority = static_cast<int>(rng() % 5) - 2;
      bool named = unnamed_every == 0 || pushed % unnamed_every != 0;
      spilling->push(numbered(pushed, priority, named));
      reference.push(numbered(pushed, priority, named));
      ++pushed;
    } else if (reference.size() > 0) {
      ASSERT_EQ(spilling->top_priority(), reference.top_priority());
      ASSERT_EQ(spilling->pop()->url, reference.pop()->url) << "pop " << popped;
      ++popped;
    }
    ASSERT_EQ(spilling->size(), reference.size());
  }
  while (reference.size() > 0) ASSERT_EQ(spilling->pop()->url, reference.pop()->url);
  EXPECT_EQ(spilling->size(), 0u);
  EXPECT_GT(f.stats.get("scheduler/enqueued/disk"), 100) << "the window is 6: most requests went to disk";
  EXPECT_EQ(f.stats.get("scheduler/dequeued/disk"), f.stats.get("scheduler/enqueued/disk"));
  EXPECT_EQ(f.stats.get("scheduler/enqueued/memory"), pushed);
  EXPECT_EQ(f.stats.get("scheduler/dequeued/memory"), pushed);
}

TEST(SpillingQueue, FifoOrderHoldsAcrossDisk) { same_order_as_memory(queue_order::fifo); }

TEST(SpillingQueue, LifoOrderHoldsAcrossDisk) { same_order_as_memory(queue_order::lifo); }

TEST(SpillingQueue, UnnamedCallbacksStayInMemoryInOrder) {
  same_order_as_memory(queue_order::fifo, 5);
  same_order_as_memory(queue_order::lifo, 5);
}

TEST(SpillingQueue, UnnamedCallbacksAreCountedAndNeverWritten) {
  fixture f(queue_order::fifo);
  auto q = f.make("a");
  for (int i = 0; i < 40; ++i) q->push(numbered(i, 0, false));
  EXPECT_EQ(f.stats.get("scheduler/unserializable"), 40);
  EXPECT_EQ(f.stats.get("scheduler/enqueued/disk"), 0);
  EXPECT_EQ(f.pool->in_memory(), 40u);
  for (int i = 0; i < 40; ++i) EXPECT_EQ(q->pop()->url, numbered(i, 0).url);
}

// One WARNING, as Scrapy's for a request it cannot write to JOBDIR, and only once requests go to
// disk: a crawl that fits in memory loses nothing by an unnamed callback.
TEST(SpillingQueue, UnnamedCallbackIsWarnedOnceWhenRequestsGoToDisk) {
  storage::scratch_directory logs;
  auto log_file = logs.path() / "crawl.log";
  log::set_file(log_file.string());
  auto logged = [&] {
    std::ifstream in(log_file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };
  fixture f(queue_order::fifo);
  auto q = f.make("a");
  q->push(numbered(0, 0, false));
  q->push(numbered(1, 0, false));
  EXPECT_EQ(logged(), "") << "nothing on disk yet";
  for (int i = 2; i < 40; ++i) q->push(numbered(i, 0));
  for (int i = 40; i < 45; ++i) q->push(numbered(i, 0, false));
  log::set_file("");
  auto text = logged();
  EXPECT_NE(text.find("WARNING: Unable to serialize request: <GET http://example.com/p/0> - reason: its callback has no "
                      "registered name"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("Unable to serialize", text.find("Unable to serialize") + 1), std::string::npos) << "once";
  EXPECT_EQ(f.stats.get("scheduler/unserializable"), 7);
}

TEST(SpillingQueue, ManySlotsShareOneBudget) {
  fixture f(queue_order::fifo, {.memory_requests = 100, .slot_minimum = 2, .batch = 16});
  std::vector<std::unique_ptr<request_queue>> slots;
  // One slot alone may use the whole budget...
  slots.push_back(f.make("slot0"));
  for (int i = 0; i < 100; ++i) slots[0]->push(numbered(i, 0));
  EXPECT_EQ(f.pool->in_memory(), 100u);
  EXPECT_EQ(f.pool->on_disk(), 0u);
  // ...until others come: 200 slots of 30 requests each.
  for (int s = 1; s <= 200; ++s) {
    slots.push_back(f.make("slot" + std::to_string(s)));
    for (int i = 0; i < 30; ++i) slots.back()->push(numbered(s * 1000 + i, i % 3));
    // The budget (or the minimum of 2 per slot, when more), and the slack: a quarter of the
    // budget or one request per slot.
    auto n = slots.size();
    ASSERT_LE(f.pool->in_memory(), std::max<std::size_t>(100, 2 * n) + std::max<std::size_t>(25, n)) << s << " slots";
  }
  EXPECT_LE(dynamic_cast<spilling_queue&>(*slots[0]).in_memory(), 4u) << "the first slot gave its memory back";
  EXPECT_EQ(f.pool->in_memory() + f.pool->on_disk(), 100u + 200 * 30);
  // Every slot still hands out its own requests in order.
  for (int s = 1; s <= 200; ++s) {
    memory_priority_queue reference;
    for (int i = 0; i < 30; ++i) reference.push(numbered(s * 1000 + i, i % 3));
    while (reference.size() > 0) ASSERT_EQ(slots[s]->pop()->url, reference.pop()->url);
  }
  for (int i = 0; i < 100; ++i) ASSERT_EQ(slots[0]->pop()->url, numbered(i, 0).url);
}

TEST(SpillingQueue, SmallSlotsNeverTouchTheDisk) {
  fixture f(queue_order::fifo, {.memory_requests = 1000, .slot_minimum = 8, .batch = 64});
  std::vector<std::unique_ptr<request_queue>> slots;
  for (int s = 0; s < 100; ++s) {
    slots.push_back(f.make("slot" + std::to_string(s)));
    for (int i = 0; i < 5; ++i) slots.back()->push(numbered(i, 0));
  }
  for (auto& q : slots)
    for (int i = 0; i < 5; ++i) q->pop();
  EXPECT_EQ(f.stats.get("scheduler/enqueued/disk"), 0);
  EXPECT_TRUE(f.pool->directory().empty()) << "no store was created";
}

TEST(SpillingQueue, ScratchDirectoryGoesWithThePool) {
  std::filesystem::path dir;
  {
    fixture f(queue_order::lifo);
    auto q = f.make("a");
    for (int i = 0; i < 50; ++i) q->push(numbered(i, 0));
    dir = f.pool->directory();
    ASSERT_FALSE(dir.empty());
    EXPECT_TRUE(std::filesystem::exists(dir / "requests.sqlite"));
    EXPECT_GT(f.pool->on_disk(), 0u);
    q.reset();  // a queue may still hold requests at the end of a crawl
  }
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(SpillingQueue, SettingChoosesTheQueue) {
  spill_spider s;
  stats_collector stats;
  settings config;
  config.set("SCHEDULER_MEMORY_QUEUE_SIZE", "0");
  EXPECT_TRUE(dynamic_cast<memory_priority_queue*>(slot_queue_factory(config, s, stats)("a").get()));
  config.set("SCHEDULER_MEMORY_QUEUE_SIZE", "10");
  EXPECT_TRUE(dynamic_cast<spilling_queue*>(slot_queue_factory(config, s, stats)("a").get()));
  config.set("SCHEDULER_MEMORY_QUEUE_SIZE", "-1");
  EXPECT_THROW(slot_queue_factory(config, s, stats), settings_error);
}

}  // namespace
