// The frontier without sockets: per-slot queues over real download slots, a clock passed in.
#include "engine/frontier.hpp"
#include "engine/request_queue.hpp"

#include <orbweaver/settings.hpp>

#include <gtest/gtest.h>

namespace orbweaver {
namespace {

using namespace std::chrono_literals;
using download::clock;
using download::slot_policy;

request at(std::string u, int priority = 0) {
  request r(std::move(u));
  r.priority = priority;
  return r;
}

slot_policy exact(std::size_t concurrency, std::chrono::duration<double> delay = 0s) {
  return {.concurrency = concurrency, .delay = delay, .randomize_delay = false};
}

// A frontier over real slots, with what the downloader does to them spelled out.
struct fixture {
  explicit fixture(slot_policy defaults, std::unordered_map<std::string, slot_policy> configured = {},
                   queue_order order = queue_order::fifo)
      : slots(defaults, std::move(configured)),
        pending(slots, [order](const std::string&) { return std::make_unique<memory_priority_queue>(order); }) {}

  // The handed-out request's transfer starts at `when`.
  void start(const leased_request& l, clock::time_point when) {
    auto& s = slots.at(l.slot);
    s.start_transfer(when, rng);
    s.end_reservation();
    pending.slot_changed(l.slot);
  }
  void finish(const leased_request& l) {
    slots.at(l.slot).finish_transfer();
    pending.slot_changed(l.slot);
    pending.done(l.ticket);
  }
  // URLs handed out at `when`, each started at once and, with `finish_each`, finished too.
  std::vector<std::string> drain(clock::time_point when, bool finish_each = true) {
    std::vector<std::string> urls;
    while (auto l = pending.pop_ready(when)) {
      urls.push_back(l->req.url);
      start(*l, when);
      if (finish_each) finish(*l);
    }
    return urls;
  }

  download::slot_table slots;
  frontier pending;
  std::mt19937 rng{1};
};

const clock::time_point t0 = clock::now();

TEST(Frontier, PriorityThenFifoWithinASlot) {
  fixture f(exact(100));
  for (auto [url, priority] : {std::pair{"http://a/1", 0}, {"http://a/2", 5}, {"http://a/3", 0}, {"http://a/4", -3},
                               {"http://a/5", 5}})
    f.pending.push(at(url, priority), "a");
  EXPECT_EQ(f.drain(t0), (std::vector<std::string>{"http://a/2", "http://a/5", "http://a/1", "http://a/3", "http://a/4"}));
  EXPECT_EQ(f.pending.size(), 0u);
  EXPECT_EQ(f.pending.leased(), 0u);
}

TEST(Frontier, LifoWithinAPriority) {
  fixture f(exact(100), {}, queue_order::lifo);
  for (auto [url, priority] : {std::pair{"http://a/1", 0}, {"http://a/2", 5}, {"http://a/3", 0}, {"http://a/4", 5}})
    f.pending.push(at(url, priority), "a");
  EXPECT_EQ(f.drain(t0), (std::vector<std::string>{"http://a/4", "http://a/2", "http://a/3", "http://a/1"}));
}

TEST(Frontier, QueueOrderSettingAcceptsScrapyNames) {
  EXPECT_EQ(parse_queue_order("fifo"), queue_order::fifo);
  EXPECT_EQ(parse_queue_order("lifo"), queue_order::lifo);
  EXPECT_EQ(parse_queue_order("scrapy.squeues.LifoMemoryQueue"), queue_order::lifo);
  EXPECT_EQ(parse_queue_order("scrapy.squeues.FifoMemoryQueue"), queue_order::fifo);
  try {
    parse_queue_order("scrapy.squeues.PickleLifoDiskQueue");
    FAIL() << "accepted a disk queue";
  } catch (const settings_error& e) {
    EXPECT_NE(std::string(e.what()).find("SCHEDULER_MEMORY_QUEUE must be fifo or lifo"), std::string::npos) << e.what();
  }
}

// A slot hands out no more requests than it can start: its concurrency counts the transfers and
// the requests handed out but not started.
TEST(Frontier, SlotConcurrencyHoldsRequestsBack) {
  fixture f(exact(2));
  for (int i = 0; i < 5; ++i) f.pending.push(at("http://a/" + std::to_string(i)), "a");
  auto first = f.pending.pop_ready(t0);
  auto second = f.pending.pop_ready(t0);
  ASSERT_TRUE(first && second);
  EXPECT_FALSE(f.pending.pop_ready(t0)) << "two handed out fill a slot of two, started or not";
  EXPECT_EQ(f.pending.next_ready_time(), clock::time_point::max()) << "only a transfer's end can tell";
  f.start(*first, t0);
  EXPECT_FALSE(f.pending.pop_ready(t0)) << "a started transfer still holds its place";
  f.finish(*first);
  auto third = f.pending.pop_ready(t0);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->req.url, "http://a/2");
  EXPECT_EQ(f.pending.size(), 2u);
  EXPECT_EQ(f.pending.leased(), 2u);
}

// A slot with a delay hands out one request at a time, the next when the delay after its start
// has passed; meanwhile other slots' requests go, whatever their priority.
TEST(Frontier, DelayedSlotWaitsWhileOthersGo) {
  fixture f(exact(8), {{"slow", exact(8, 2s)}});
  for (int i = 0; i < 3; ++i) f.pending.push(at("http://slow/" + std::to_string(i), 10), "slow");
  for (int i = 0; i < 3; ++i) f.pending.push(at("http://fast/" + std::to_string(i)), "fast");

  auto slow = f.pending.pop_ready(t0);
  ASSERT_TRUE(slow);
  EXPECT_EQ(slow->req.url, "http://slow/0");
  // Handed out, not started: the delay it will draw is not known, so nothing more from "slow".
  auto fast = f.pending.pop_ready(t0);
  ASSERT_TRUE(fast);
  EXPECT_EQ(fast->slot, "fast");
  f.start(*slow, t0);
  f.start(*fast, t0);
  EXPECT_EQ(f.drain(t0), (std::vector<std::string>{"http://fast/1", "http://fast/2"}));
  EXPECT_EQ(f.pending.next_ready_time(), t0 + 2s) << "the slow slot's next start";
  EXPECT_FALSE(f.pending.pop_ready(t0 + 1999ms));
  auto next_slow = f.pending.pop_ready(t0 + 2s);
  ASSERT_TRUE(next_slow);
  EXPECT_EQ(next_slow->req.url, "http://slow/1");
}

// Across slots: the earliest allowed start first (round robin among slots without a delay, the
// one served longest ago first), then the higher priority at the head of the slot.
TEST(Frontier, AcrossSlotsByReadyTimeThenPriority) {
  fixture f(exact(8));
  f.pending.push(at("http://a/1"), "a");
  f.pending.push(at("http://b/1", 3), "b");
  f.pending.push(at("http://c/1"), "c");
  // All slots are new and ready since ever: priority decides, then the slot name.
  auto first = f.pending.pop_ready(t0);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->req.url, "http://b/1");
  f.start(*first, t0);
  f.pending.push(at("http://b/2", 3), "b");
  f.pending.push(at("http://a/2"), "a");
  // b started a transfer at t0, a and c never did: they come before b despite its priority.
  EXPECT_EQ(f.drain(t0 + 1ms), (std::vector<std::string>{"http://a/1", "http://c/1", "http://b/2", "http://a/2"}));
}

// Readiness that moves later without a word (robots.txt's Crawl-delay, a transfer that bypassed
// the frontier) is found when the slot comes first.
TEST(Frontier, ReadinessMovedLaterIsCheckedBeforeHandingOut) {
  fixture f(exact(8, 1s));
  f.pending.push(at("http://a/1"), "a");
  f.pending.push(at("http://a/2"), "a");
  auto first = f.pending.pop_ready(t0);
  ASSERT_TRUE(first);
  f.start(*first, t0);
  f.finish(*first);
  EXPECT_EQ(f.pending.next_ready_time(), t0 + 1s);
  f.slots.at("a").raise_minimum_delay(5s);
  EXPECT_FALSE(f.pending.pop_ready(t0 + 1s));
  EXPECT_EQ(f.pending.next_ready_time(), t0 + 5s);
  EXPECT_TRUE(f.pending.pop_ready(t0 + 5s));
}

TEST(DownloadSlots, ParsesPerSlotPolicies) {
  auto defaults = exact(8, 0.5s);
  defaults.randomize_delay = true;
  auto slots = download::parse_download_slots(
      R"({"example.com": {"concurrency": 1, "delay": 2, "randomize_delay": false}, "other.org": {"delay": 0.25}})",
      defaults);
  ASSERT_EQ(slots.size(), 2u);
  EXPECT_EQ(slots.at("example.com").concurrency, 1u);
  EXPECT_EQ(slots.at("example.com").delay, 2s);
  EXPECT_FALSE(slots.at("example.com").randomize_delay);
  EXPECT_EQ(slots.at("other.org").concurrency, 8u) << "left out: the default";
  EXPECT_EQ(slots.at("other.org").delay, 0.25s);
  EXPECT_TRUE(slots.at("other.org").randomize_delay);
  EXPECT_TRUE(download::parse_download_slots("", defaults).empty());
  // A slot named in DOWNLOAD_SLOTS gets its policy; others the default.
  download::slot_table table(defaults, slots);
  EXPECT_EQ(table.at("example.com").policy().concurrency, 1u);
  EXPECT_EQ(table.at("elsewhere.net").policy().concurrency, 8u);
}

std::string download_slots_error(const std::string& json) {
  try {
    (void)download::parse_download_slots(json, slot_policy{});
  } catch (const settings_error& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(DownloadSlots, MistakesAreSettingsErrors) {
  EXPECT_EQ(download_slots_error(R"({"a": {"delay": 2})"), "DOWNLOAD_SLOTS is not valid JSON: incomplete JSON");
  EXPECT_EQ(download_slots_error(R"(["a"])"), "DOWNLOAD_SLOTS must be a JSON object of slot name -> {...}");
  EXPECT_EQ(download_slots_error(R"({"a": {"dealy": 2}})"),
            "DOWNLOAD_SLOTS: slot 'a': unknown key 'dealy' (expected concurrency, delay, randomize_delay)");
  EXPECT_EQ(download_slots_error(R"({"a": {"delay": -1}})"), "DOWNLOAD_SLOTS: slot 'a': 'delay' must not be negative, got -1");
  EXPECT_EQ(download_slots_error(R"({"a": {"concurrency": -2}})"),
            "DOWNLOAD_SLOTS: slot 'a': 'concurrency' must not be negative, got -2");
  EXPECT_EQ(download_slots_error(R"({"a": {"concurrency": 0}})"),
            "DOWNLOAD_SLOTS: slot 'a': 'concurrency' must be a whole number of at least 1, got 0");
  EXPECT_EQ(download_slots_error(R"({"a": {"concurrency": 1.5}})"),
            "DOWNLOAD_SLOTS: slot 'a': 'concurrency' must be a whole number of at least 1, got 1.5");
  EXPECT_EQ(download_slots_error(R"({"a": {"delay": "2"}})"), "DOWNLOAD_SLOTS: slot 'a': 'delay' must be a number");
  EXPECT_EQ(download_slots_error(R"({"a": {"randomize_delay": 0}})"),
            "DOWNLOAD_SLOTS: slot 'a': 'randomize_delay' must be true or false");
  EXPECT_EQ(download_slots_error(R"({"a": 2})"),
            "DOWNLOAD_SLOTS: slot 'a': expected an object like {\"concurrency\": 1, \"delay\": 2}");
}

TEST(DownloadSlots, SettingTakesJsonObjects) {
  settings s;
  s.set("DOWNLOAD_SLOTS", R"({"example.com": {"concurrency": 1, "delay": 2}})");
  EXPECT_EQ(s.get_string("DOWNLOAD_SLOTS"), R"({"example.com": {"concurrency": 1, "delay": 2}})");
  EXPECT_THROW(s.set("DOWNLOAD_SLOTS", "{\"example.com\": "), settings_error);
  EXPECT_THROW(s.set("DOWNLOAD_SLOTS", "[1, 2]"), settings_error);
}

}  // namespace
}  // namespace orbweaver
