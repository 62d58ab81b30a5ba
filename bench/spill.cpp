// Memory of the frontier alone (issue 10): N requests of bench/frontier's shape
// (http://127.0.0.1:8377/p/123?q=some-query-string-of-typical-length&cat=12, a named callback)
// pushed through the scheduler as a crawl does (the disk duplicate filter, then the frontier's
// slot queues with their memory window and the disk spill), then all handed out again, each
// "fetched" at once. Prints the peak RSS (VmHWM) after the pushes and at the end, the rates per
// wall and CPU second, and how long the slowest hand-outs (those that read a batch from disk)
// kept the reactor.
//
//   spill_bench [--n N] [--hosts H] [--window W] [--order fifo|lifo]
#include "download/slot.hpp"
#include "engine/scheduler.hpp"
#include "engine/spilling_queue.hpp"
#include "storage/disk_dupefilter.hpp"

#include <orbweaver/orbweaver.hpp>

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

using namespace orbweaver;

namespace {

class bench_spider : public spider {
 public:
  bench_spider() { name = "spill_bench"; }
  void parse(const response&, output&) override {}
  void parse_page(const response&, output&) {}
};

}  // namespace

ORBWEAVER_SPIDER(bench_spider, parse_page);

namespace {

long status_kib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::strlen(field)));
  return 0;
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct phase {
  std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
  double cpu = cpu_seconds();
  void report(const char* what, std::size_t n) const {
    double w = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count();
    double c = cpu_seconds() - cpu;
    std::printf("%s %zu requests: %.1f s wall (%.0f/s), %.1f CPU s (%.0f per CPU s); VmHWM %ld MB, VmRSS %ld MB\n", what,
                n, w, static_cast<double>(n) / w, c, static_cast<double>(n) / c, status_kib("VmHWM:") / 1024,
                status_kib("VmRSS:") / 1024);
    std::fflush(stdout);
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = 1000000, hosts = 1;
  long window = 50000;
  std::string order = "fifo";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--n") n = std::stoull(argv[i + 1]);
    else if (a == "--hosts") hosts = std::stoull(argv[i + 1]);
    else if (a == "--window") window = std::stol(argv[i + 1]);
    else if (a == "--order") order = argv[i + 1];
    else {
      std::fprintf(stderr, "usage: spill_bench [--n N] [--hosts H] [--window W] [--order fifo|lifo]\n");
      return 2;
    }
  }
  bench_spider s;
  stats_collector stats;
  settings config;
  config.set("SCHEDULER_MEMORY_QUEUE_SIZE", std::to_string(window));
  config.set("SCHEDULER_MEMORY_QUEUE", order);
  download::slot_table slots({.concurrency = 16, .delay = std::chrono::seconds(0), .randomize_delay = false}, {});
  scheduler sched(std::make_unique<frontier>(slots, slot_queue_factory(config, s, stats)),
                  storage::disk_dupefilter::in_temporary_directory(), stats);
  std::printf("spill_bench: %zu requests over %zu host(s), window %ld, %s; VmHWM at start %ld MB\n", n, hosts, window,
              order.c_str(), status_kib("VmHWM:") / 1024);

  phase pushing;
  for (std::size_t i = 0; i < n; ++i) {
    auto host = hosts == 1 ? std::string("127.0.0.1") : fmt::format("h{}.test", i % hosts);
    request r(fmt::format("http://{}:8377/p/{}?q=some-query-string-of-typical-length&cat={}", host, i, i % 50),
              &bench_spider::parse_page);
    sched.enqueue(std::move(r), host + ":8377");
  }
  pushing.report("pushed", n);

  phase popping;
  std::mt19937 rng(1);
  std::size_t handed = 0, slow = 0, reads = 0;
  std::chrono::steady_clock::duration slowest{}, reading{};
  while (true) {
    auto before = std::chrono::steady_clock::now();
    auto read_before = stats.get("scheduler/dequeued/disk");
    auto leased = sched.next(before);
    auto took = std::chrono::steady_clock::now() - before;
    if (!leased) break;
    slowest = std::max(slowest, took);
    if (took > std::chrono::milliseconds(1)) ++slow;
    if (stats.get("scheduler/dequeued/disk") != read_before) {
      ++reads;
      reading += took;
    }
    auto& slot = slots.at(leased->slot);
    slot.start_transfer(before, rng);
    slot.end_reservation();
    slot.finish_transfer();
    sched.slot_changed(leased->slot);
    sched.done(leased->ticket);
    ++handed;
  }
  popping.report("handed out", handed);
  std::printf("hand-outs that read a batch from disk: %zu, %.3f ms each on average; slowest hand-out %.2f ms; %zu over 1 ms\n",
              reads, reads ? std::chrono::duration<double, std::milli>(reading).count() / static_cast<double>(reads) : 0.0,
              std::chrono::duration<double, std::milli>(slowest).count(), slow);
  std::printf("to disk %lld, from disk %lld\n",
              static_cast<long long>(stats.get("scheduler/enqueued/disk")),
              static_cast<long long>(stats.get("scheduler/dequeued/disk")));
  return handed == n ? 0 : 1;
}
