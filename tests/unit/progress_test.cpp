// The terminal's status line and level colours, decided and rendered without a terminal.
#include "core/terminal_log.hpp"
#include "engine/progress.hpp"

#include <gtest/gtest.h>

namespace orbweaver {
namespace {

using namespace std::chrono_literals;

TEST(ProgressLine, SaysPagesItemsRateQueueErrorsAndTime) {
  progress_snapshot p{.pages = 120, .items = 95, .pages_per_minute = 299.6, .queued = 14, .in_flight = 8,
                      .errors = 2, .elapsed = 84s};
  EXPECT_EQ(progress_line(p, 200),
            "[1:24] 120 pages (300/min), 95 items, 2 errors | 14 queued, 8 in flight");
  p.errors = 1;
  p.elapsed = 3 * 3600s + 5 * 60s + 9s;
  EXPECT_EQ(progress_line(p, 200),
            "[3:05:09] 120 pages (300/min), 95 items, 1 error | 14 queued, 8 in flight");
  // On 80 columns a long crawl keeps its time, counts and errors; the queue is what gets cut.
  p = {.pages = 25000, .items = 24000, .pages_per_minute = 400, .queued = 15000, .in_flight = 16, .errors = 12,
       .elapsed = 3900s};
  EXPECT_EQ(progress_line(p, 80), "[1:05:00] 25000 pages (400/min), 24000 items, 12 errors | 15000 queued, 16 in f");
}

TEST(ProgressLine, NeverAsWideAsTheTerminal) {
  progress_snapshot p{.pages = 1, .items = 1};
  auto line = progress_line(p, 30);
  EXPECT_EQ(line.size(), 29u);  // a full-width line would wrap and break the redraw
  EXPECT_EQ(line, "[0:00] 1 pages (0/min), 1 ite");
}

TEST(PageRate, PerMinuteOverTheLastSeconds) {
  page_rate rate(10s);
  auto start = std::chrono::steady_clock::time_point{};
  EXPECT_EQ(rate.per_minute(), 0);
  rate.sample(start, 0);
  EXPECT_EQ(rate.per_minute(), 0);
  rate.sample(start + 1s, 5);
  EXPECT_DOUBLE_EQ(rate.per_minute(), 300);
  // 100 pages in the first two seconds, then 1 a second: after 10 more seconds only the slow pace counts.
  rate.sample(start + 2s, 100);
  for (int i = 1; i <= 12; ++i) rate.sample(start + 2s + i * 1s, 100 + i);
  EXPECT_NEAR(rate.per_minute(), 60, 0.01);
}

TEST(TerminalLog, ColourAndStatusLineOnlyOnATerminal) {
  using log::terminal_facts;
  const terminal_facts terminal{.stderr_is_terminal = true};
  EXPECT_TRUE(log::wants_status_line(terminal));
  EXPECT_TRUE(log::wants_colour(terminal));

  const terminal_facts pipe{.stderr_is_terminal = false};
  EXPECT_FALSE(log::wants_status_line(pipe));
  EXPECT_FALSE(log::wants_colour(pipe));

  const terminal_facts to_file{.stderr_is_terminal = true, .logging_to_file = true};
  EXPECT_FALSE(log::wants_status_line(to_file));
  EXPECT_FALSE(log::wants_colour(to_file));

  // NO_COLOR set and not empty turns colours off, not the status line.
  const terminal_facts no_color{.stderr_is_terminal = true, .no_color = "1"};
  EXPECT_TRUE(log::wants_status_line(no_color));
  EXPECT_FALSE(log::wants_colour(no_color));
  const terminal_facts empty_no_color{.stderr_is_terminal = true, .no_color = ""};
  EXPECT_TRUE(log::wants_colour(empty_no_color));

  const terminal_facts dumb{.stderr_is_terminal = true, .term = "dumb"};
  EXPECT_FALSE(log::wants_status_line(dumb));
  EXPECT_FALSE(log::wants_colour(dumb));
}

TEST(TerminalLog, LevelColoursWhenAsked) {
  EXPECT_EQ(log::format_line("2026-01-02 03:04:05", "engine", log::level::info, "Spider opened", false),
            "2026-01-02 03:04:05 [engine] INFO: Spider opened\n");
  EXPECT_EQ(log::format_line("2026-01-02 03:04:05", "engine", log::level::info, "Spider opened", true),
            "2026-01-02 03:04:05 [engine] \033[32mINFO\033[0m: Spider opened\n");
  EXPECT_EQ(log::format_line("t", "scraper", log::level::error, "boom", true), "t [scraper] \033[31mERROR\033[0m: boom\n");
  EXPECT_EQ(log::format_line("t", "x", log::level::warning, "w", true), "t [x] \033[33mWARNING\033[0m: w\n");
}

}  // namespace
}  // namespace orbweaver
