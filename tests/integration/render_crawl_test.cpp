// Rendered requests in whole crawls (meta "render", render_request): the downloader sends them
// to headless Chromium after its middlewares, with RENDER_CONCURRENCY tabs, per-page timeouts,
// and a browser that is replaced when it crashes or hangs. Skipped when chromium is not
// installed (scripts/install-deps installs it).
#include "browser/process.hpp"

#include "crawl_runner.hpp"
#include "js_shop.hpp"
#include "private_tmpdir.hpp"
#include "test_proxy.hpp"
#include "test_server.hpp"

#include <orbweaver/orbweaver.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <unistd.h>

using namespace orbweaver;
using namespace orbweaver::testing;
using namespace std::chrono_literals;

namespace {

// What the callbacks saw, by the URL asked for (several requests may end on one final URL).
struct page_seen {
  std::string final_url;
  int status = 0;
  std::size_t products = 0;
};

class render_spider : public spider {
 public:
  render_spider() { name = "render"; }
  std::vector<request> starts;
  std::mutex mutex;  // callbacks run on the parse pool
  std::map<std::string, page_seen> pages;
  std::map<std::string, std::error_code> failures;
  std::vector<std::string> failure_messages;
  std::vector<std::string> parse_order;

  std::vector<request> start_requests() override { return starts; }

  void parse_products(const response& r, output& out) {
    const auto names = r.css("li.product::text").getall();
    for (const auto& text : names) out.emit(item{{"product", text}, {"page", r.req().url}});
    std::lock_guard lock(mutex);
    pages[r.req().url] = page_seen{r.url(), r.status(), names.size()};
    parse_order.push_back(r.req().url);
  }
  void failed(const failure& f, output&) {
    std::lock_guard lock(mutex);
    failures[f.req.url] = f.error;
    failure_messages.push_back(f.message);
  }
};

request rendered(std::string url, render_args args) {
  return render_request(std::move(url), &render_spider::parse_products, &render_spider::failed, std::move(args));
}
request plain(std::string url) { return request(std::move(url), &render_spider::parse_products, &render_spider::failed); }

// The pids of this process's children running Chromium (the browser the crawl started).
std::vector<pid_t> chromium_children() {
  std::vector<pid_t> found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    std::ifstream in(entry.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // pid (comm) state ppid ...: comm may hold spaces, so read from its closing parenthesis.
    const auto open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 1));
    char state = 0;
    pid_t parent = 0;
    rest >> state >> parent;
    if (parent == ::getpid() && stat.substr(open + 1, close - open - 1).starts_with("chrom"))
      found.push_back(std::stoi(name));
  }
  return found;
}

class RenderCrawl : public ::testing::Test {
 protected:
  void SetUp() override {
    if (browser::find_chromium().empty()) GTEST_SKIP() << "chromium is not installed (scripts/install-deps installs it)";
  }
  test_server server;
};

TEST_F(RenderCrawl, PlainRequestSeesNoProductsTheRenderedOneSeesAll) {
  serve_js_shop(server);
  server.route("/old", [](const test_request&) { return test_reply{.status = 302, .headers = {{"Location", "/shop"}}}; });
  auto s = std::make_unique<render_spider>();
  auto* spy = s.get();
  const auto plain_url = server.url("/shop?plain"), rendered_url = server.url("/shop?rendered");
  const auto moved_url = server.url("/old");
  spy->starts = {plain(plain_url), rendered(rendered_url, {.wait_for = "#loaded"}),
                 rendered(moved_url, {.wait_for = "li.product"})};
  auto result = run_finished_crawl(std::move(s));
  EXPECT_EQ(spy->pages[plain_url].products, 0u);
  EXPECT_EQ(spy->pages[rendered_url].products, static_cast<std::size_t>(js_shop_products));
  EXPECT_EQ(spy->pages[rendered_url].status, 200);
  EXPECT_EQ(spy->pages[rendered_url].final_url, rendered_url);
  // The browser followed the redirect: the response is the page it ended on.
  EXPECT_EQ(spy->pages[moved_url].final_url, server.url("/shop"));
  EXPECT_GE(spy->pages[moved_url].products, 1u);
  EXPECT_EQ(result.stats.get("render/requests"), 2);
  EXPECT_EQ(result.stats.get("render/responses"), 2);
  EXPECT_EQ(result.stats.get("downloader/response_count"), 3);
  EXPECT_EQ(result.stats.get("item_scraped_count"), js_shop_products + static_cast<std::int64_t>(spy->pages[moved_url].products));
  EXPECT_EQ(result.stats.get("render/browser_restarts"), 0);
  EXPECT_TRUE(chromium_children().empty()) << "the browser stopped with the crawl";
}

TEST_F(RenderCrawl, ACrawlWithoutRenderedRequestsNeverStartsTheBrowser) {
  std::atomic<std::size_t> browsers_seen{0};
  server.route("/page", [&](const test_request&) {
    browsers_seen += chromium_children().size();
    return test_reply{.body = "<li class='product'>one</li>"};
  });
  auto s = std::make_unique<render_spider>();
  auto* spy = s.get();
  for (int i = 0; i < 3; ++i) spy->starts.push_back(plain(server.url(fmt::format("/page?{}", i))));
  auto result = run_finished_crawl(std::move(s));
  EXPECT_EQ(result.stats.get("item_scraped_count"), 3);
  EXPECT_EQ(browsers_seen.load(), 0u);
  EXPECT_EQ(result.stats.get("render/requests"), 0);
}

TEST_F(RenderCrawl, APageThatNeverSettlesFailsWithRenderTimeoutAndTheCrawlGoesOn) {
  serve_js_shop(server);
  auto s = std::make_unique<render_spider>();
  auto* spy = s.get();
  const auto never = server.url("/shop?never"), good = server.url("/shop?good"), other = server.url("/shop?plain");
  spy->starts = {rendered(never, {.wait_for = "#never-there", .timeout = 2}), rendered(good, {.wait_for = "#loaded"}),
                 plain(other)};
  const auto started = std::chrono::steady_clock::now();
  auto result = run_finished_crawl(std::move(s));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 20s);
  ASSERT_TRUE(spy->failures.contains(never));
  EXPECT_EQ(spy->failures[never], errc::render_timeout);
  EXPECT_EQ(error_name(spy->failures[never]), "render_timeout");
  EXPECT_EQ(spy->pages[good].products, static_cast<std::size_t>(js_shop_products));
  EXPECT_TRUE(spy->pages.contains(other));
  EXPECT_EQ(result.stats.get("render/timeouts"), 1);
  EXPECT_EQ(result.stats.get("downloader/exception_type_count/render_timeout"), 1);
  EXPECT_EQ(result.stats.get("render/browser_restarts"), 0) << "a page that never settles is not the browser's fault";
}

TEST_F(RenderCrawl, ARenderedServerErrorIsRetriedByTheRetryMiddleware) {
  serve_js_shop(server);
  std::atomic<int> calls{0};
  server.route("/flaky", [&](const test_request&) {
    if (++calls == 1) return test_reply{.status = 503, .body = "<p>busy</p>"};
    return test_reply{.body = js_shop_page()};
  });
  auto s = std::make_unique<render_spider>();
  auto* spy = s.get();
  const auto flaky = server.url("/flaky");
  // The 503 page has no products: it is taken at its load event, not held until the timeout.
  spy->starts = {rendered(flaky, {.wait_for = "li.product", .timeout = 20})};
  auto result = run_finished_crawl(std::move(s));
  EXPECT_EQ(calls.load(), 2);
  EXPECT_EQ(result.stats.get("retry/count"), 1);
  EXPECT_EQ(spy->pages[flaky].products, static_cast<std::size_t>(js_shop_products));
  EXPECT_EQ(result.stats.get("render/requests"), 2);
  EXPECT_EQ(result.stats.get("render/timeouts"), 0);
}

// Kills (or stops) the crawl's browser when the shop's JSON is asked for the `at`-th time: the
// renders waiting for their JSON are then in flight.
void serve_shop_that_hurts_the_browser(test_server& server, int at, int signal) {
  auto calls = std::make_shared<std::atomic<int>>(0);
  server.route("/shop", [](const test_request&) { return test_reply{.body = js_shop_page()}; });
  server.route("/api/products.json", [calls, at, signal](const test_request&) {
    if (++*calls == at)
      for (pid_t pid : chromium_children()) ::kill(pid, signal);
    return test_reply{.headers = {{"Content-Type", "application/json"}}, .body = js_shop_products_json(), .delay = 800ms};
  });
}

// Renders `pages` copies of the shop; the test fails unless every copy gave all its products.
crawl_result crawl_shop_copies(test_server& server, int pages, const setting_overrides& overrides) {
  auto s = std::make_unique<render_spider>();
  auto* spy = s.get();
  for (int i = 0; i < pages; ++i)
    spy->starts.push_back(rendered(server.url(fmt::format("/shop?copy={}", i)), {.wait_for = "#loaded"}));
  auto result = run_finished_crawl(std::move(s), overrides);
  EXPECT_TRUE(spy->failures.empty()) << fmt::format("{}", fmt::join(spy->failure_messages, "\n"));
  EXPECT_EQ(spy->pages.size(), static_cast<std::size_t>(pages));
  for (const auto& [url, seen] : spy->pages) EXPECT_EQ(seen.products, static_cast<std::size_t>(js_shop_products)) << url;
  EXPECT_EQ(result.stats.get("item_scraped_count"), pages * js_shop_products);
  return result;
}

TEST_F(RenderCrawl, AKilledBrowserIsReplacedAndItsRendersRetried) {
  serve_shop_that_hurts_the_browser(server, 3, SIGKILL);
  constexpr int pages = 8;
  auto result = crawl_shop_copies(server, pages, {{"RENDER_CONCURRENCY", "3"}});
  EXPECT_GE(result.stats.get("render/browser_restarts"), 1);
  EXPECT_GE(result.stats.get("render/retried"), 1);
  EXPECT_EQ(result.stats.get("render/responses"), pages);
}

TEST_F(RenderCrawl, AHungBrowserIsReplacedAndItsRendersRetried) {
  serve_shop_that_hurts_the_browser(server, 1, SIGSTOP);
  auto result = crawl_shop_copies(server, 3, {{"RENDER_TIMEOUT", "8"}});
  EXPECT_EQ(result.stats.get("render/browser_restarts"), 1);
  EXPECT_GE(result.stats.get("render/retried"), 1);
  EXPECT_EQ(result.stats.get("render/timeouts"), 0) << "the browser's fault, not the pages'";
}

TEST_F(RenderCrawl, AFailingBrowserGivesUpAfterRetryTimes) {
  // Every browser is killed as soon as a page asks for its JSON: each attempt fails.
  std::atomic<int> calls{0};
  server.route("/shop", [](const test_request&) { return test_reply{.body = js_shop_page()}; });
  server.route("/api/products.json", [&](const test_request&) {
    ++calls;
    for (pid_t pid : chromium_children()) ::kill(pid, SIGKILL);
    return test_reply{.body = "[]", .delay = 500ms};
  });
  auto s = std::make_unique<render_spider>();
  auto* spy = s.get();
  const auto url = server.url("/shop");
  spy->starts = {rendered(url, {.wait_for = "#loaded"})};
  auto result = run_finished_crawl(std::move(s), {{"RETRY_TIMES", "1"}});
  ASSERT_TRUE(spy->failures.contains(url));
  EXPECT_EQ(spy->failures[url], errc::browser_lost);
  EXPECT_EQ(calls.load(), 2) << "the first attempt and one retry";
  EXPECT_EQ(result.stats.get("render/retried"), 1);
  EXPECT_EQ(result.stats.get("downloader/exception_type_count/browser_lost"), 1);
}

TEST_F(RenderCrawl, RenderConcurrencyBoundsTabsAndPlainRequestsDoNotWait) {
  // Rendered pages on "localhost", plain ones on 127.0.0.1: the server counts them apart. A load
  // lasts long enough for the second tab's to begin within it, browser context and all, on a
  // loaded machine under ASan (at 0.6 s, a sanitized run once saw none).
  constexpr auto load_time = 1500ms;
  server.route("/slow-shop", [=](const test_request&) {
    return test_reply{.body = "<html><head><link rel='icon' href='data:,'></head><body>"
                              "<li class='product'>slow</li></body></html>",
                      .delay = load_time};
  });
  server.route("/plain", [](const test_request&) { return test_reply{.body = "<li class='product'>plain</li>"}; });
  auto s = std::make_unique<render_spider>();
  auto* spy = s.get();
  constexpr int renders = 6;
  for (int i = 0; i < renders; ++i)
    spy->starts.push_back(rendered(server.url(fmt::format("/slow-shop?{}", i), "localhost"), {}));
  for (int i = 0; i < renders; ++i) spy->starts.push_back(plain(server.url(fmt::format("/plain?{}", i))));
  auto result = run_finished_crawl(std::move(s), {{"RENDER_CONCURRENCY", "2"}});
  EXPECT_EQ(result.stats.get("item_scraped_count"), 2 * renders);
  EXPECT_EQ(server.peak_concurrency("localhost"), 2u);
  // Three rounds of two renders; every plain page was fetched while the first round loaded.
  const auto rendered_loads = server.arrivals("/slow-shop"), plain_loads = server.arrivals("/plain");
  ASSERT_EQ(rendered_loads.size(), static_cast<std::size_t>(renders));
  ASSERT_EQ(plain_loads.size(), static_cast<std::size_t>(renders));
  EXPECT_LT(*std::max_element(plain_loads.begin(), plain_loads.end()),
            *std::min_element(rendered_loads.begin(), rendered_loads.end()) + load_time);
}

// The items of a JSON lines feed.
std::vector<json::object> feed_items(const std::filesystem::path& feed) {
  std::vector<json::object> items;
  std::istringstream lines(read_file(feed));
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) items.push_back(json::parse(line).as_object());
  return items;
}

// Width and height from a PNG's IHDR chunk (big-endian, after the 8-byte signature and the
// chunk's length and type); nullopt when the bytes are not a PNG.
std::optional<std::pair<std::uint32_t, std::uint32_t>> png_size(const std::string& bytes) {
  if (bytes.size() < 24 || bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 || bytes.compare(12, 4, "IHDR") != 0)
    return std::nullopt;
  auto number = [&](std::size_t at) {
    std::uint32_t n = 0;
    for (std::size_t i = 0; i < 4; ++i) n = n << 8 | static_cast<unsigned char>(bytes[at + i]);
    return n;
  };
  return std::pair{number(16), number(20)};
}

TEST_F(RenderCrawl, AScreenshotIsAPngOfTheViewportAndItsPathIsInTheItems) {
  serve_js_shop(server);
  private_tmpdir tmp("orbweaver-render-screenshot");
  const auto feed = tmp.path() / "items.jsonl", shots = tmp.path() / "shots";
  auto s = std::make_unique<render_spider>();
  auto* spy = s.get();
  const auto shot_url = server.url("/shop?shot"), plain_url = server.url("/shop?no-shot");
  spy->starts = {rendered(shot_url, {.wait_for = "#loaded", .screenshot = true}), rendered(plain_url, {.wait_for = "#loaded"})};
  auto result = run_finished_crawl(std::move(s), {{"SCREENSHOT_DIR", shots.string()}, {"RENDER_VIEWPORT", "800x600"},
                                                  {"FEEDS", feed.string()}});
  EXPECT_EQ(result.stats.get("render/screenshots"), 1);
  const auto items = feed_items(feed);
  ASSERT_EQ(items.size(), 2u * js_shop_products);
  std::set<std::string> paths;
  for (const auto& it : items) {
    if (it.at("page").as_string() == plain_url) {
      EXPECT_FALSE(it.contains("screenshot")) << json::serialize(it);
      continue;
    }
    ASSERT_TRUE(it.contains("screenshot")) << json::serialize(it);
    paths.insert(std::string(it.at("screenshot").as_string()));
  }
  ASSERT_EQ(paths.size(), 1u) << "one screenshot for the page, in each of its items";
  const std::filesystem::path path = *paths.begin();
  EXPECT_EQ(path.parent_path(), shots);
  EXPECT_EQ(path.extension(), ".png");
  EXPECT_EQ(path.stem().string().size(), 40u) << "named by the request's fingerprint";
  const auto size = png_size(read_file(path));
  ASSERT_TRUE(size) << path << " is not a PNG";
  EXPECT_EQ(*size, (std::pair<std::uint32_t, std::uint32_t>{800, 600}));
}

TEST_F(RenderCrawl, CookiesGoBothWaysBetweenTheCrawlsJarAndTheBrowser) {
  std::mutex mutex;
  std::map<std::string, std::string> cookies_at;  // the Cookie header each path received
  auto record = [&](const test_request& r) {
    std::lock_guard lock(mutex);
    cookies_at[r.path] = r.headers.get("Cookie").value_or("");
  };
  server.route("/login", [&](const test_request& r) {
    record(r);
    return test_reply{.headers = {{"Set-Cookie", "session=alice; Path=/"}}, .body = "<p>in</p>"};
  });
  server.route("/app", [&](const test_request& r) {
    record(r);
    return test_reply{.body = "<html><head><link rel='icon' href='data:,'></head><body><script>"
                              "document.cookie = 'seen=yes; path=/';"
                              "document.body.insertAdjacentHTML('beforeend', '<li class=product>' + document.cookie + '</li>');"
                              "</script></body></html>"};
  });
  server.route("/whoami", [&](const test_request& r) {
    record(r);
    return test_reply{.body = "<p>you</p>"};
  });
  auto s = std::make_unique<render_spider>();
  auto* spy = s.get();
  const auto app_url = server.url("/app"), whoami_url = server.url("/whoami");
  auto then_whoami = [whoami_url](spider& target, const response& r, output& out) {
    static_cast<render_spider&>(target).parse_products(r, out);
    out.emit(plain(whoami_url));
  };
  auto then_app = [app_url, then_whoami](spider&, const response&, output& out) {
    out.emit(render_request(app_url, then_whoami, {.wait_for = "li.product"}));
  };
  spy->starts = {request(server.url("/login"), then_app)};
  auto result = run_finished_crawl(std::move(s));
  std::lock_guard lock(mutex);
  EXPECT_EQ(cookies_at["/app"], "session=alice") << "the crawl's cookie went to the browser";
  EXPECT_EQ(spy->pages[server.url("/app")].products, 1u);
  const auto& whoami = cookies_at["/whoami"];
  EXPECT_NE(whoami.find("session=alice"), std::string::npos) << whoami;
  EXPECT_NE(whoami.find("seen=yes"), std::string::npos) << whoami << ": the page's cookie came back into the jar";
}

TEST_F(RenderCrawl, RenderBlockResourcesKeepsImagesFromLoading) {
  server.route("/gallery", [](const test_request&) {
    return test_reply{.body = "<html><head><link rel='icon' href='data:,'></head><body>"
                              "<img src='/photo.png'><li class='product'>photo</li></body></html>"};
  });
  server.route("/photo.png", [](const test_request&) {
    return test_reply{.headers = {{"Content-Type", "image/png"}}, .body = "not really a png"};
  });
  for (const auto& blocked : {std::string(), std::string("image,font")}) {
    auto s = std::make_unique<render_spider>();
    s->starts = {rendered(server.url(fmt::format("/gallery?blocked={}", blocked)), {})};
    auto result = run_finished_crawl(std::move(s), {{"RENDER_BLOCK_RESOURCES", blocked}});
    EXPECT_EQ(result.stats.get("item_scraped_count"), 1);
  }
  EXPECT_EQ(server.arrivals("/gallery").size(), 2u);
  EXPECT_EQ(server.arrivals("/photo.png").size(), 1u) << "loaded without the setting only";
}

TEST_F(RenderCrawl, ARenderedRequestGoesThroughItsProxyWithItsCredentials) {
  serve_js_shop(server);
  test_proxy proxy(test_proxy::options{.required_authorization = "Basic dXNlcjpwYXNz"});  // user:pass
  auto s = std::make_unique<render_spider>();
  auto* spy = s.get();
  auto r = rendered(server.url("/shop?proxied"), {.wait_for = "#loaded"});
  r.meta["proxy"] = proxy.url("user:pass");
  spy->starts = {std::move(r)};
  auto result = run_finished_crawl(std::move(s));
  EXPECT_EQ(spy->pages[server.url("/shop?proxied")].products, static_cast<std::size_t>(js_shop_products));
  std::set<std::string> through_proxy;
  for (const auto& seen : proxy.requests())
    if (seen.authorization == "Basic dXNlcjpwYXNz") through_proxy.insert(seen.target);
  EXPECT_TRUE(through_proxy.contains(server.url("/shop?proxied"))) << proxy.requests().size();
  EXPECT_TRUE(through_proxy.contains(server.url("/api/products.json")));
}

}  // namespace
