#include "engine/fingerprint.hpp"
#include "engine/scheduler.hpp"

#include <gtest/gtest.h>

using namespace orbweaver;

namespace {

download::slot_table no_limits({.concurrency = 1000, .delay = std::chrono::seconds(0), .randomize_delay = false}, {});

scheduler make_scheduler(stats_collector& stats) {
  auto make_queue = [](const std::string&) { return std::make_unique<memory_priority_queue>(); };
  return scheduler(std::make_unique<frontier>(no_limits, make_queue), std::make_unique<memory_dupefilter>(), stats);
}

request at(std::string u, int priority = 0) {
  request r(std::move(u));
  r.priority = priority;
  return r;
}

}  // namespace

TEST(Scheduler, HigherPriorityFirstThenFifo) {
  stats_collector stats;
  auto s = make_scheduler(stats);
  s.enqueue(at("http://a/1", 0), "a");
  s.enqueue(at("http://a/2", 5), "a");
  s.enqueue(at("http://a/3", 0), "a");
  s.enqueue(at("http://a/4", -3), "a");
  s.enqueue(at("http://a/5", 5), "a");
  std::vector<std::string> order;
  while (auto r = s.next(download::clock::now())) order.push_back(r->req.url);
  EXPECT_EQ(order, (std::vector<std::string>{"http://a/2", "http://a/5", "http://a/1", "http://a/3", "http://a/4"}));
  EXPECT_FALSE(s.has_pending());
}

TEST(Scheduler, DropsDuplicatesUnlessDontFilter) {
  stats_collector stats;
  auto s = make_scheduler(stats);
  EXPECT_TRUE(s.enqueue(at("http://a/x?b=1&a=2"), "a"));
  EXPECT_FALSE(s.enqueue(at("http://A:80/x?a=2&b=1#frag"), "a"));
  auto again = at("http://a/x?b=1&a=2");
  again.dont_filter = true;
  EXPECT_TRUE(s.enqueue(again, "a"));
  EXPECT_EQ(s.pending(), 2u);
  EXPECT_EQ(stats.get("dupefilter/filtered"), 1);
  EXPECT_EQ(stats.get("scheduler/enqueued"), 2);
}

TEST(Fingerprint, MethodAndBodyCount) {
  request get("http://example.com/form");
  request post("http://example.com/form");
  post.method = "POST";
  request post_body = post;
  post_body.body = "q=1";
  EXPECT_NE(request_fingerprint(get), request_fingerprint(post));
  EXPECT_NE(request_fingerprint(post), request_fingerprint(post_body));
  request lower("http://example.com/form");
  lower.method = "get";
  EXPECT_EQ(request_fingerprint(get), request_fingerprint(lower));
  EXPECT_EQ(to_hex(request_fingerprint(get)).size(), 40u);
}

TEST(Fingerprint, IgnoresFragmentQueryOrderAndDefaultPort) {
  EXPECT_EQ(request_fingerprint(request("http://example.com/p?b=2&a=1")),
            request_fingerprint(request("http://EXAMPLE.com:80/p?a=1&b=2#x")));
  EXPECT_NE(request_fingerprint(request("http://example.com/p")),
            request_fingerprint(request("https://example.com/p")));
}

// An escaped slash names another resource than a slash (url::canonicalize keeps %2F), while the
// escape of an unreserved character is that character.
TEST(Scheduler, EscapedSlashIsNotASlash) {
  stats_collector stats;
  auto s = make_scheduler(stats);
  EXPECT_TRUE(s.enqueue(at("http://a/files/a%2Fb"), "a"));
  EXPECT_TRUE(s.enqueue(at("http://a/files/a/b"), "a"));
  EXPECT_FALSE(s.enqueue(at("http://a/files/a%2fb"), "a"));
  EXPECT_FALSE(s.enqueue(at("http://a/files/%61/b"), "a"));
  EXPECT_EQ(s.pending(), 2u);
}
