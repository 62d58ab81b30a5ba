// The example spiders top250 and jobs, run by the launcher as a user runs them, against their
// fixture sites (tests/fixtures/examples) served on loopback, and compared with their expected
// items (tests/examples/*.expected); the dedup pipeline; the jobs report's chart.
#include "crawl_runner.hpp"
#include "example_sites.hpp"
#include "postgres_server.hpp"
#include "program_runner.hpp"
#include "test_server.hpp"

#include <orbweaver/orbweaver.hpp>

#include <gtest/gtest.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>
#include <sstream>
#include <thread>

using namespace orbweaver;
using namespace orbweaver::testing;

namespace {

namespace fs = std::filesystem;

const fs::path source = ORBWEAVER_SOURCE_DIR;
const fs::path fixtures = source / "tests/fixtures/examples";

// A fresh folder for one run of the launcher, removed with the object.
struct run_folder {
  explicit run_folder(std::string_view name)
      : path(fs::temp_directory_path() / fmt::format("orbweaver-{}-{}", name, ::getpid())) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~run_folder() { fs::remove_all(path); }
  fs::path path;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

// A JSON value with every object's keys sorted, serialised: the same item whatever the key order
// (PostgreSQL's JSONB keeps its own).
std::string canonical(const json::value& v) {
  if (v.is_object()) {
    std::vector<std::string> keys;
    for (const auto& field : v.get_object()) keys.emplace_back(field.key());
    std::sort(keys.begin(), keys.end());
    std::string out = "{";
    for (const auto& key : keys) {
      if (out.size() > 1) out += ',';
      out += json::serialize(json::value(key)) + ":" + canonical(v.get_object().at(key));
    }
    return out + "}";
  }
  return json::serialize(v);
}

std::vector<std::string> canonical_sorted(const std::vector<std::string>& json_texts) {
  std::vector<std::string> out;
  for (const auto& text : json_texts) out.push_back(canonical(json::parse(text)));
  std::sort(out.begin(), out.end());
  return out;
}

// jobs.expected: its items, and the "# duplicates N" of its first line.
struct expected_jobs {
  std::vector<std::string> lines;
  long long duplicates = -1;
};
expected_jobs read_expected_jobs() {
  expected_jobs expected;
  for (auto& line : lines_of(read_file(source / "tests/examples/jobs.expected"))) {
    if (line.starts_with("# duplicates ")) {
      expected.duplicates = std::stoll(line.substr(13));
      continue;
    }
    expected.lines.push_back(std::move(line));
  }
  return expected;
}

std::vector<std::string> sqlite_items(const fs::path& db) {
  std::vector<std::string> rows;
  sqlite3* handle = nullptr;
  if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << db;
    sqlite3_close(handle);
    return rows;
  }
  sqlite3_stmt* select = nullptr;
  sqlite3_prepare_v2(handle, "SELECT data FROM items WHERE spider = 'jobs' ORDER BY id", -1, &select, nullptr);
  while (select && sqlite3_step(select) == SQLITE_ROW)
    rows.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(select, 0)));
  sqlite3_finalize(select);
  sqlite3_close(handle);
  return rows;
}

bool has_program(const std::string& name) {
  std::istringstream path(std::getenv("PATH") ? std::getenv("PATH") : "");
  for (std::string dir; std::getline(path, dir, ':');)
    if (!dir.empty() && ::access((fs::path(dir) / name).c_str(), X_OK) == 0) return true;
  return false;
}

// One `orbweaver crawl jobs` against the fixture site in `dir`, with these further arguments.
program_result crawl_jobs(const test_server& server, const fs::path& dir, std::vector<std::string> more) {
  std::vector<std::string> args{"crawl", "jobs", "-a", "url=" + server.url("/jobs/"), "-o", "jobs.jsonl"};
  args.insert(args.end(), more.begin(), more.end());
  return run_program(ORBWEAVER_BINARY, args, dir);
}

// The unique jobs as the feed wrote them, and the dropped count of the stats dump, equal to what
// jobs.expected says.
void expect_the_expected_jobs(const program_result& run, const fs::path& dir) {
  const auto expected = read_expected_jobs();
  ASSERT_EQ(expected.lines.size(), 400u) << "100 jobs in each of four cities";
  EXPECT_EQ(run.status, 0) << run.err;
  auto got = lines_of(read_file(dir / "jobs.jsonl"));
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, expected.lines) << "jobs.jsonl, sorted, is jobs.expected";
  EXPECT_NE(run.err.find(fmt::format("item_dropped_count: {}\n", expected.duplicates)), std::string::npos) << run.err;
  EXPECT_NE(run.err.find(fmt::format("item_dropped_reasons_count/dedup: {}\n", expected.duplicates)), std::string::npos);
  EXPECT_NE(run.err.find("item_scraped_count: 400\n"), std::string::npos);
}

}  // namespace

TEST(ExampleSites, Top250ScrapesEveryBookInTheListsOrder) {
  test_server server;
  serve_example_sites(server, fixtures);
  run_folder dir("top250");
  auto run = run_program(ORBWEAVER_BINARY, {"crawl", "top250", "-a", "url=" + server.url("/top250/"), "-o", "top250.jsonl"},
                         dir.path);
  EXPECT_EQ(run.status, 0) << run.err;
  const auto got = read_file(dir.path / "top250.jsonl");
  EXPECT_EQ(lines_of(got).size(), 250u);
  EXPECT_EQ(got, read_file(source / "tests/examples/top250.expected")) << "every book, in page order";
  EXPECT_EQ(server.requests_served(), 10u) << "each page once";
  EXPECT_EQ(server.peak_concurrency(), 1u) << "the next page is asked for by the page before it";
}

TEST(ExampleSites, JobsPostsOneFormPerCityDropsThePlantedDuplicatesAndStoresTheRestInSQLite) {
  test_server server;
  serve_example_sites(server, fixtures);
  run_folder dir("jobs-sqlite");
  auto run = crawl_jobs(server, dir.path, {"-a", "report="});
  expect_the_expected_jobs(run, dir.path);
  // STORE_URI=sqlite:jobs.db of the spider's custom_settings, in the folder it ran in.
  EXPECT_EQ(canonical_sorted(sqlite_items(dir.path / "jobs.db")), canonical_sorted(read_expected_jobs().lines));
  EXPECT_EQ(server.arrivals("/jobs/api/positions").size(), 32u) << "8 pages for each of the 4 cities";
  EXPECT_FALSE(fs::exists(dir.path / "jobs-report.html")) << "-a report= asks for none";
}

TEST(ExampleSites, JobsStoresInPostgreSQLBySetting) {
  postgres_server postgres;
  if (!postgres.unavailable().empty()) GTEST_SKIP() << "no PostgreSQL server: " << postgres.unavailable();
  postgres.create_database("jobs");
  test_server server;
  serve_example_sites(server, fixtures);
  run_folder dir("jobs-postgres");
  auto run = crawl_jobs(server, dir.path, {"-a", "report=", "-s", "STORE_URI=" + postgres.uri("jobs")});
  expect_the_expected_jobs(run, dir.path);
  EXPECT_FALSE(fs::exists(dir.path / "jobs.db")) << "not in SQLite";
  std::vector<std::string> stored;
  for (const auto& row : postgres.query("jobs", "SELECT data::text FROM items WHERE spider = 'jobs'")) stored.push_back(row.at(0));
  EXPECT_EQ(canonical_sorted(stored), canonical_sorted(read_expected_jobs().lines));
}

TEST(ExampleSites, JobsReportChartsTheSalariesOfEachCity) {
  if (!has_program("gnuplot")) GTEST_SKIP() << "gnuplot is not installed (Debian: gnuplot-nox): no chart to check";
  test_server server;
  serve_example_sites(server, fixtures);
  run_folder dir("jobs-report");
  auto run = crawl_jobs(server, dir.path, {"-a", "report=report/salaries.html"});
  EXPECT_EQ(run.status, 0) << run.err;
  const auto html = read_file(dir.path / "report/salaries.html");
  const auto svg = read_file(dir.path / "report/salaries.svg");
  ASSERT_FALSE(html.empty()) << run.err;
  ASSERT_FALSE(svg.empty());
  EXPECT_FALSE(fs::exists(dir.path / "report/salaries.html.gp")) << "gnuplot's script is removed";

  // The SVG is well-formed XML with one series (gnuplot's <g id="gnuplot_plot_N"> and its
  // <title>) per city, in the cities' order.
  xmlDocPtr doc = xmlReadMemory(svg.data(), static_cast<int>(svg.size()), "salaries.svg", nullptr, XML_PARSE_NONET | XML_PARSE_NOERROR);
  ASSERT_NE(doc, nullptr) << "not well-formed XML";
  std::vector<std::string> series;
  std::vector<xmlNodePtr> pending{xmlDocGetRootElement(doc)};
  while (!pending.empty()) {
    xmlNodePtr node = pending.back();
    pending.pop_back();
    for (xmlNodePtr child = node->last; child; child = child->prev)
      if (child->type == XML_ELEMENT_NODE) pending.push_back(child);
    xmlChar* id = xmlGetProp(node, BAD_CAST "id");
    if (id && std::string_view(reinterpret_cast<char*>(id)).starts_with("gnuplot_plot_")) {
      for (xmlNodePtr child = node->children; child; child = child->next) {
        if (child->type != XML_ELEMENT_NODE || std::string_view(reinterpret_cast<const char*>(child->name)) != "title") continue;
        xmlChar* text = xmlNodeGetContent(child);
        series.emplace_back(reinterpret_cast<char*>(text));
        xmlFree(text);
      }
    }
    xmlFree(id);
  }
  xmlFreeDoc(doc);
  EXPECT_EQ(series, (std::vector<std::string>{"Beijing", "Guangzhou", "Shanghai", "Shenzhen"}));

  // The page embeds the chart and has a row per city: jobs, with a salary, min, median, max.
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_EQ(html.find("<?xml"), std::string::npos) << "no XML declaration inside the page";
  for (const auto* city : {"Beijing", "Guangzhou", "Shanghai", "Shenzhen"})
    EXPECT_NE(html.find(fmt::format("<tr><td>{}</td><td>100</td><td>100</td>", city)), std::string::npos) << city;
  EXPECT_NE(run.err.find("Salary report of 4 cities"), std::string::npos) << run.err;
}

TEST(ExampleSites, JobsWithoutGnuplotLogsWhyAndWritesNoReport) {
  test_server server;
  serve_example_sites(server, fixtures);
  run_folder dir("jobs-no-gnuplot");
  auto run = crawl_jobs(server, dir.path, {"-a", "gnuplot=no-such-gnuplot-here"});
  expect_the_expected_jobs(run, dir.path);
  EXPECT_NE(run.err.find("No salary report: 'no-such-gnuplot-here' was not found (install gnuplot: Debian's gnuplot-nox)"),
            std::string::npos) << run.err;
  EXPECT_FALSE(fs::exists(dir.path / "jobs-report.html"));
  EXPECT_FALSE(fs::exists(dir.path / "jobs-report.svg"));
}

TEST(ExampleSites, TheJobApiAnswersFormsAndJsonAndRefusesTheRest) {
  auto answer = [](std::string method, std::string type, std::string body) {
    test_request r;
    r.method = std::move(method);
    r.target = r.path = "/jobs/api/positions";
    r.headers.set("Content-Type", type);
    r.body = std::move(body);
    auto [status, reply] = job_api_answer(fixtures, r);
    return fmt::format("{} {}", status, reply);
  };
  const std::string form = "application/x-www-form-urlencoded";
  EXPECT_EQ(answer("POST", form, "city=Shenzhen&page=8"), "200 " + read_file(fixtures / "job_api/shenzhen-8.json"));
  EXPECT_EQ(answer("POST", "application/json", R"({"city": "Beijing", "page": 2})"),
            "200 " + read_file(fixtures / "job_api/beijing-2.json"));
  EXPECT_EQ(answer("GET", "text/plain", ""), R"(405 {"error":"POST city and page"})");
  EXPECT_EQ(answer("POST", "application/json", "{city"), R"(400 {"error":"the body is not JSON"})");
  EXPECT_EQ(answer("POST", form, "page=1"), R"(400 {"error":"city and page are required"})");
  EXPECT_EQ(answer("POST", form, "city=Lyon&page=1"), R"(404 {"error":"no page 1 for city lyon"})");
  EXPECT_EQ(answer("POST", form, "city=Beijing&page=9"), R"(404 {"error":"no page 9 for city beijing"})");
  EXPECT_EQ(answer("POST", form, "city=..%2Fwww&page=1"), R"(404 {"error":"no page 1 for city ../www"})");
}

TEST(ExampleSites, TheSitesServeByHand) {
  run_folder dir("example-sites");
  const int pid = start_program(ORBWEAVER_EXAMPLE_SITES, {"--port", "0"}, dir.path);
  ASSERT_GT(pid, 0);
  std::string printed;
  for (int i = 0; i < 100 && printed.find("(Ctrl-C stops)") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    printed = read_file(dir.path / ".test-stdout");
  }
  const auto jobs_at = printed.find("jobs:   ");
  ASSERT_NE(jobs_at, std::string::npos) << printed;
  const auto jobs_url = printed.substr(jobs_at + 8, printed.find('\n', jobs_at) - jobs_at - 8);
  auto results = fetch_all({jobs_url}, [] {
    settings s;
    s.set("LOG_LEVEL", "WARNING", setting_priority::command_line);
    return s;
  }());
  ::kill(pid, SIGTERM);
  EXPECT_EQ(wait_for_exit(pid), 0) << "a clean stop on SIGTERM";
  ASSERT_TRUE(results.at(0).resp) << results.at(0).message;
  EXPECT_EQ(results[0].resp->body(), read_file(fixtures / "www/jobs/index.html"));

  auto taken = run_program(ORBWEAVER_EXAMPLE_SITES, {"--port", "http"}, dir.path);
  EXPECT_EQ(taken.status, 2);
  EXPECT_EQ(taken.err, "example_sites: --port needs a number from 0 to 65535, not 'http'\n");
}

namespace {

class repeating_spider : public spider {
 public:
  explicit repeating_spider(std::string url) {
    name = "repeating";
    start_urls = {std::move(url)};
  }
  void parse(const response&, output& out) override {
    out.emit(item{{"city", "Lyon"}, {"title", "Baker"}, {"salary", 20}});
    out.emit(item{{"title", "Baker"}, {"city", "Lyon"}, {"salary", 20}});      // the same, in another order
    out.emit(item{{"city", "Lyon"}, {"title", "Baker"}, {"salary", 25}});      // another salary
    out.emit(item{{"city", "Lyon"}, {"title", "Baker"}, {"salary", 20}, {"note", "again"}});
    out.emit(item{{"city", "Lyon"}, {"title", "Baker"}});                      // no salary: null
    out.emit(item{{"city", "Lyon"}, {"title", "Baker"}, {"salary", nullptr}});
  }
};

}  // namespace

TEST(Dedup, DropsItemsWhoseFieldsAnEarlierItemHad) {
  test_server server;
  server.route("/", [](const test_request&) { return test_reply{.body = "<html></html>"}; });

  auto by_fields = run_finished_crawl(std::make_unique<repeating_spider>(server.url("/")),
                                      {{"ITEM_PIPELINES", "dedup=100"}, {"DEDUP_FIELDS", "city,title,salary"}});
  EXPECT_EQ(by_fields.stats.get("item_scraped_count"), 3);
  EXPECT_EQ(by_fields.stats.get("item_dropped_count"), 3) << "the reordered one, the one with a note, the second null";
  EXPECT_EQ(by_fields.stats.get("item_dropped_reasons_count/dedup"), 3);

  auto whole_items = run_finished_crawl(std::make_unique<repeating_spider>(server.url("/")), {{"ITEM_PIPELINES", "dedup=100"}});
  EXPECT_EQ(whole_items.stats.get("item_scraped_count"), 5) << "without DEDUP_FIELDS: every field, in any order";
  EXPECT_EQ(whole_items.stats.get("item_dropped_count"), 1);

  auto off = run_finished_crawl(std::make_unique<repeating_spider>(server.url("/")));
  EXPECT_EQ(off.stats.get("item_scraped_count"), 6) << "off until ITEM_PIPELINES names it";
}

TEST(Dedup, LogsWhatItDropped) {
  test_server server;
  server.route("/", [](const test_request&) { return test_reply{.body = "<html></html>"}; });
  auto result = run_crawl_with_log(std::make_unique<repeating_spider>(server.url("/")),
                                   {{"LOG_LEVEL", "WARNING"}, {"ITEM_PIPELINES", "dedup=100"}, {"DEDUP_FIELDS", "title,salary"}});
  EXPECT_NE(result.log.find(R"(Dropped: Duplicate item: ["Baker",20] (dedup))"), std::string::npos) << result.log;
}
