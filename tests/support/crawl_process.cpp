#include "crawl_process.hpp"

#include "program_runner.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>

#include <cstdlib>
#include <random>
#include <sstream>
#include <thread>

namespace orbweaver::testing {

std::optional<int> exit_status_if_ended(int pid) {
  int wait_status = 0;
  if (waitpid(pid, &wait_status, WNOHANG) != pid) return std::nullopt;
  return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
}

bool still_running(int pid) {
  siginfo_t info{};
  return waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == 0;
}

std::optional<int> wait_for_exit_within(int pid, std::chrono::milliseconds timeout) {
  for (auto deadline = std::chrono::steady_clock::now() + timeout; std::chrono::steady_clock::now() < deadline;
       std::this_thread::sleep_for(std::chrono::milliseconds(10)))
    if (auto status = exit_status_if_ended(pid)) return status;
  ::kill(pid, SIGKILL);
  wait_for_exit(pid);
  return std::nullopt;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::optional<std::int64_t> dumped_stat(const std::string& log, const std::string& key) {
  auto dump = log.rfind("Dumping orbweaver stats:");
  if (dump == std::string::npos) return std::nullopt;
  auto at = log.find("\n" + key + ": ", dump);
  if (at == std::string::npos) return std::nullopt;
  return std::stoll(log.substr(at + key.size() + 3));
}

std::map<std::int64_t, int> feed_ids(const std::string& feed_text) {
  std::map<std::int64_t, int> ids;
  EXPECT_TRUE(feed_text.empty() || feed_text.ends_with('\n')) << "the feed ends in a cut line";
  for (const auto& line : lines_of(feed_text)) {
    try {
      ++ids[boost::json::parse(line).as_object().at("id").to_number<std::int64_t>()];
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not a whole item line (" << e.what() << "): " << line;
    }
  }
  return ids;
}

void expect_each_id_once(std::string_view where, const std::map<std::int64_t, int>& ids, std::size_t count) {
  std::vector<std::string> wrong;
  for (const auto& [id, times] : ids)
    if (times != 1 || id < 0 || id >= static_cast<std::int64_t>(count)) wrong.push_back(fmt::format("{} ({} times)", id, times));
  for (std::size_t id = 0; id < count; ++id)
    if (!ids.contains(static_cast<std::int64_t>(id))) wrong.push_back(fmt::format("{} (missing)", id));
  if (wrong.size() > 20) {
    wrong.resize(20);
    wrong.push_back("...");
  }
  EXPECT_TRUE(wrong.empty()) << where << " holds " << ids.size() << " of " << count
                             << " items; wrong: " << fmt::format("{}", fmt::join(wrong, ", "));
}

void expect_each_page_fetched_at_most(std::size_t times, const product_site& site,
                                      const std::map<std::string, std::size_t>& aside) {
  std::size_t pages_fetched = 0;
  for (const auto& [path, count] : site.fetches_by_path()) {
    auto discounted = count - (aside.contains(path) ? aside.at(path) : 0);
    EXPECT_LE(discounted, times) << path << " fetched " << count << " times";
    ++pages_fetched;
  }
  EXPECT_EQ(pages_fetched, site.pages()) << "pages never fetched";
}

std::uint32_t kill_seed() {
  if (const char* given = std::getenv("ORBWEAVER_KILL_SEED")) return static_cast<std::uint32_t>(std::stoul(given));
  return std::random_device{}();
}

}  // namespace orbweaver::testing
