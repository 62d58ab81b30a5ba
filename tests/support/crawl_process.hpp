#pragma once
// Crawls run by the orbweaver binary in child processes, for the tests that kill, restart and
// wait for them (the JOBDIR's and the distributed crawl's): their exit, the items of their JSON
// lines feeds, their final stats, and the seeded random moments of their kills.
#include "product_site.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orbweaver::testing {

// The exit status of a child that has ended (as wait_for_exit gives it), nothing while it runs.
std::optional<int> exit_status_if_ended(int pid);
// True while the child runs; unlike exit_status_if_ended, it leaves an ended child to be waited for.
bool still_running(int pid);
// Waits for the child to end: its exit status, or nothing when it ran on for `timeout` (it is
// then killed with SIGKILL).
std::optional<int> wait_for_exit_within(int pid, std::chrono::milliseconds timeout);

std::vector<std::string> lines_of(const std::string& text);

// The final stats dump's value of `key`, when the log has one.
std::optional<std::int64_t> dumped_stat(const std::string& log, const std::string& key);

// How many times each item "id" is in the text of a JSON lines feed; a line that does not parse,
// or a text that ends in a cut line, fails the test.
std::map<std::int64_t, int> feed_ids(const std::string& feed_text);
// Fails the test unless `ids` holds each id from 0 to count - 1 exactly once, naming `where`.
void expect_each_id_once(std::string_view where, const std::map<std::int64_t, int>& ids, std::size_t count);

// Fails the test unless every page of the site was fetched, none more than `times`; fetches in
// `aside` (by path: those of runs that cannot have committed anything) do not count.
void expect_each_page_fetched_at_most(std::size_t times, const product_site& site,
                                      const std::map<std::string, std::size_t>& aside = {});

// The seed of a test's random kill moments: ORBWEAVER_KILL_SEED when set (to repeat a run), else
// a fresh one. The test prints it.
std::uint32_t kill_seed();

}  // namespace orbweaver::testing
