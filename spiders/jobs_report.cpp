// "jobs_report", the jobs example's last pipeline: at the end of the crawl it charts the monthly
// salaries per city with gnuplot (Debian's gnuplot-nox) into an SVG file, and writes an HTML page
// that embeds the chart above a table per city (jobs, lowest, median and highest salary). A job's
// salary is the middle of its range (salary_min, salary_max); jobs without one are counted only.
//
// The spider's arguments choose the files: -a report=PATH (default jobs-report.html; the chart is
// PATH with .svg for .html), -a report= for none, -a gnuplot=PROGRAM (default gnuplot, on PATH).
// gnuplot runs as a child process on a thread of this pipeline, so the reactor never waits for
// it. When it is missing or fails, the error is logged and there is no report; the crawl ends as
// it would have.
#include "jobs_salary.hpp"

#include <orbweaver/crawler.hpp>
#include <orbweaver/log.hpp>
#include <orbweaver/pipeline.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

using namespace orbweaver;

namespace {

namespace fs = std::filesystem;

std::string read_whole(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string html_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// A gnuplot string in double quotes.
std::string gnuplot_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

// Runs `program script` and waits for it: empty when it exited with 0, else why not (with what it
// wrote to its standard error). Blocking: called on the pipeline's own thread.
std::string run_gnuplot(const std::string& program, const fs::path& script, const fs::path& messages) {
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, messages.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&files, STDOUT_FILENO, STDERR_FILENO);
  std::string script_arg = script.string();
  std::vector<char*> argv{const_cast<char*>(program.c_str()), script_arg.data(), nullptr};
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, program.c_str(), &files, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&files);
  if (rc == ENOENT) return fmt::format("'{}' was not found (install gnuplot: Debian's gnuplot-nox)", program);
  if (rc != 0) return fmt::format("cannot run '{}': {}", program, std::strerror(rc));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  auto said = read_whole(messages);
  while (!said.empty() && (said.back() == '\n' || said.back() == ' ')) said.pop_back();
  return fmt::format("'{}' failed ({}){}{}", program,
                     WIFEXITED(status) ? fmt::format("exit status {}", WEXITSTATUS(status))
                                       : fmt::format("signal {}", WTERMSIG(status)),
                     said.empty() ? "" : ": ", said);
}

struct city_salaries {
  long long jobs = 0;
  std::vector<double> salaries;  // middles of the ranges, sorted before use
};

class jobs_report : public item_pipeline {
 public:
  bool open(crawler& c) override {
    const auto& args = c.target().args;
    auto report = args.find("report");
    html_ = report == args.end() ? "jobs-report.html" : report->second;
    if (html_.empty()) return false;
    svg_ = html_;
    svg_.replace_extension(".svg");
    if (svg_ == html_) svg_ += ".svg";
    auto gnuplot = args.find("gnuplot");
    gnuplot_ = gnuplot == args.end() ? "gnuplot" : gnuplot->second;
    return true;
  }

  boost::asio::awaitable<void> process_item(item& it, spider&) override {
    const auto* city = it.if_contains("city");
    if (!city || !city->is_string()) co_return;
    auto& entry = cities_[std::string(city->get_string())];
    ++entry.jobs;
    const auto* low = it.if_contains("salary_min");
    const auto* high = it.if_contains("salary_max");
    if (low && high && low->is_number() && high->is_number())
      entry.salaries.push_back((low->to_number<double>() + high->to_number<double>()) / 2);
  }

  boost::asio::awaitable<void> close(spider& s) override {
    if (cities_.empty()) {
      log::warning("jobs_report", "No jobs scraped: no salary report");
      co_return;
    }
    for (auto& [city, entry] : cities_) std::sort(entry.salaries.begin(), entry.salaries.end());
    if (!html_.parent_path().empty()) {
      std::error_code ignored;
      fs::create_directories(html_.parent_path(), ignored);
    }
    const fs::path script = fs::path(html_).concat(".gp");
    const fs::path messages = fs::path(html_).concat(".gnuplot-output");
    {
      std::ofstream out(script);
      out << chart_script();
    }
    // gnuplot on this pipeline's thread; the crawl's reactor carries on meanwhile.
    auto chart = [this, script, messages]() -> boost::asio::awaitable<std::string> {
      co_return run_gnuplot(gnuplot_, script, messages);
    };
    auto charting = boost::asio::co_spawn(charter_, chart, boost::asio::use_awaitable);
    std::string failure = co_await std::move(charting);
    std::error_code ignored;
    fs::remove(script, ignored);
    fs::remove(messages, ignored);
    if (failure.empty() && !fs::exists(svg_)) failure = fmt::format("gnuplot wrote no chart to '{}'", svg_.string());
    if (!failure.empty()) {
      fs::remove(svg_, ignored);
      log::error("jobs_report", "No salary report: {}", failure);
      co_return;
    }
    std::ofstream page(html_);
    page << report_page(s.name);
    if (!page.flush()) {
      log::error("jobs_report", "No salary report: cannot write '{}'", html_.string());
      co_return;
    }
    log::info("jobs_report", "Salary report of {} cities: {} (chart {})", cities_.size(), html_.string(), svg_.string());
  }

 private:
  // One series per city: how many jobs pay around each salary, in bins of 5000 a month.
  std::string chart_script() const {
    std::string script;
    std::string plots;
    int n = 0;
    for (const auto& [city, entry] : cities_) {
      ++n;
      script += fmt::format("$city{} << EOD\n", n);
      for (double salary : entry.salaries) script += fmt::format("{}\n", salary / 1000);
      script += "EOD\n";
      if (!plots.empty()) plots += ", \\\n     ";
      plots += fmt::format("$city{} using (bin($1)):(1.0) smooth frequency with linespoints lw 2 pt 7 title {} noenhanced",
                           n, gnuplot_string(city));
    }
    std::string output = svg_.string();
    std::string quoted_output = "'";
    for (char c : output) quoted_output += c == '\'' ? std::string("''") : std::string(1, c);
    quoted_output += "'";
    script += fmt::format(
        "set terminal svg size 860,480 dynamic font 'sans,12' background '#ffffff'\n"
        "set output {}\n"
        "set title 'Monthly salary by city (middle of the advertised range)'\n"
        "set xlabel 'salary, thousands a month'\n"
        "set ylabel 'jobs'\n"
        "set grid\n"
        "set key top right\n"
        "binwidth = 5\n"
        "bin(x) = binwidth * floor(x / binwidth) + binwidth / 2.0\n"
        "plot {}\n",
        quoted_output, plots);
    return script;
  }

  std::string report_page(const std::string& spider_name) const {
    auto svg = read_whole(svg_);
    // Inline in the page: the XML declaration and doctype belong to a file of its own.
    if (auto start = svg.find("<svg"); start != std::string::npos) svg.erase(0, start);
    auto money = [](double value) { return fmt::format("{:.0f}", value); };
    std::string rows;
    for (const auto& [city, entry] : cities_) {
      const auto& s = entry.salaries;
      if (s.empty()) {
        rows += fmt::format("<tr><td>{}</td><td>{}</td><td>0</td><td>–</td><td>–</td><td>–</td></tr>\n",
                            html_escape(city), entry.jobs);
        continue;
      }
      const std::size_t half = s.size() / 2;
      const double median = s.size() % 2 ? s[half] : (s[half - 1] + s[half]) / 2;
      rows += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                          html_escape(city), entry.jobs, s.size(), money(s.front()), money(median), money(s.back()));
    }
    return fmt::format(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<title>Salaries per city ({0})</title>\n"
        "<style>body {{ font-family: sans-serif; margin: 2em; }} table {{ border-collapse: collapse; }}\n"
        "th, td {{ border: 1px solid #ccc; padding: 0.3em 0.8em; text-align: right; }} th:first-child, td:first-child {{ text-align: left; }}</style>\n"
        "</head>\n<body>\n<h1>Salaries per city</h1>\n"
        "<p>Jobs scraped by the spider {0}, duplicates dropped. A job's salary is the middle of its advertised "
        "monthly range; the chart counts jobs in bins of 5000.</p>\n"
        "<figure>\n{1}</figure>\n"
        "<table id=\"salaries\">\n<thead><tr><th>City</th><th>Jobs</th><th>With a salary</th><th>Min</th><th>Median</th>"
        "<th>Max</th></tr></thead>\n<tbody>\n{2}</tbody>\n</table>\n</body>\n</html>\n",
        html_escape(spider_name), svg, rows);
  }

  fs::path html_, svg_;
  std::string gnuplot_;
  std::map<std::string, city_salaries> cities_;  // by name: the chart's and table's order
  boost::asio::thread_pool charter_{1};
};

}  // namespace

ORBWEAVER_PIPELINE(jobs_report, "jobs_report");
