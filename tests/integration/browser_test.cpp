// Headless Chromium driven over the DevTools protocol (framework/src/browser): the process, the
// CDP session and render(), against pages served by the in-process test server. Skipped when
// chromium is not installed (scripts/install-deps installs it). Nothing here needs a network.
#include "browser/cdp_session.hpp"
#include "browser/chromium.hpp"
#include "browser/process.hpp"
#include "browser/render.hpp"

#include "browser_session.hpp"
#include "free_port.hpp"
#include "run_coroutine.hpp"
#include "test_server.hpp"

#include <orbweaver/fetch_all.hpp>
#include <orbweaver/log.hpp>
#include <orbweaver/response.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <csignal>
#include <exception>
#include <filesystem>
#include <optional>
#include <vector>

namespace orbweaver::browser {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;
using testing::run;
using testing::sleep_for;
using testing::test_reply;
using testing::test_request;
using testing::test_server;

constexpr int product_count = 7;

// A shop whose product list is built in the browser from /api/products.json.
constexpr std::string_view shop_page = R"(<!doctype html>
<html><head><title>Shop</title></head>
<body><h1>Products</h1><ul id="products"></ul>
<script>
fetch('/api/products.json').then(r => r.json()).then(products => {
  const list = document.getElementById('products');
  for (const p of products) {
    const li = document.createElement('li');
    li.className = 'product';
    li.textContent = p.name + ' ' + p.price;
    list.appendChild(li);
  }
  const done = document.createElement('p');
  done.id = 'loaded';
  list.after(done);
});
</script></body></html>)";

std::string products_json() {
  json::array products;
  for (int i = 1; i <= product_count; ++i) products.push_back(json::object{{"name", fmt::format("Widget {}", i)}, {"price", i * 3}});
  return json::serialize(products);
}

// The shop; its JSON comes after `api_delay`, so the products appear after the load event.
void serve_shop(test_server& server, std::chrono::milliseconds api_delay = 300ms) {
  server.route("/shop", [](const test_request&) { return test_reply{.body = std::string(shop_page)}; });
  server.route("/api/products.json", [api_delay](const test_request&) {
    return test_reply{.headers = {{"Content-Type", "application/json"}}, .body = products_json(), .delay = api_delay};
  });
}

std::size_t count_products(const std::string& url, const std::string& html) {
  request r{url};
  const response page(r, url, 200, {{"Content-Type", "text/html"}}, html);
  return page.css("li.product").size();
}

errc code_of(const std::system_error& e) { return static_cast<errc>(e.code().value()); }

class browser_test : public ::testing::Test {
 protected:
  void SetUp() override {
    if (find_chromium().empty()) GTEST_SKIP() << "chromium is not installed (scripts/install-deps installs it)";
    log::set_level(log::level::warning);
  }

  // Runs `body` with a fresh browser, closed at the end.
  template <class Body>
  void with_browser(Body body) {
    testing::run_with_browser(io, std::move(body));
  }

  asio::io_context io;
  test_server server;
};

TEST(browser_process, websocket_url_comes_from_devtools_active_port) {
  EXPECT_EQ(websocket_url_from_active_port("38117\n/devtools/browser/4b1c\n"),
            "ws://127.0.0.1:38117/devtools/browser/4b1c");
  EXPECT_EQ(websocket_url_from_active_port("38117\n"), std::nullopt);  // written halfway
  EXPECT_EQ(websocket_url_from_active_port(""), std::nullopt);
  EXPECT_EQ(websocket_url_from_active_port("x1\n/devtools/browser/4b1c\n"), std::nullopt);
}

TEST(browser_process, flags_need_no_network_and_a_profile_of_its_own) {
  const auto args = chromium_arguments("/tmp/p", {"--window-size=800,600"});
  for (const auto* flag : {"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                           "--disable-component-update", "--disable-sync", "--no-first-run",
                           "--remote-debugging-port=0", "--user-data-dir=/tmp/p", "--window-size=800,600"})
    EXPECT_NE(std::ranges::find(args, flag), args.end()) << flag;
}

TEST_F(browser_test, starts_answers_and_stops_leaving_no_profile) {
  std::filesystem::path folder;
  std::optional<child_exit> end;
  auto body = [&]() -> asio::awaitable<void> {
    auto browser = co_await chromium::launch();
    folder = browser->browser_process().log_file().parent_path();
    EXPECT_TRUE(std::filesystem::exists(folder / "profile"));
    EXPECT_TRUE(browser->browser_process().websocket_url().starts_with("ws://127.0.0.1:"));
    const auto version = co_await browser->session()->call("Browser.getVersion");
    EXPECT_NE(std::string(version.at("product").as_string()).find("Chrome"), std::string::npos) << version;
    end = co_await browser->close();
    EXPECT_FALSE(browser->session()->is_open());
  };
  run(io, body());
  ASSERT_TRUE(end);
  EXPECT_EQ(end->signal, 0) << end->describe();  // SIGTERM was enough
  EXPECT_FALSE(std::filesystem::exists(folder)) << folder;
}

TEST_F(browser_test, a_program_that_is_not_a_browser_fails_to_start_with_its_cause) {
  auto body = [&]() -> asio::awaitable<void> {
    process_options options{.program = "/bin/false"};
    try {
      co_await process::start(options);
      ADD_FAILURE() << "started";
    } catch (const std::system_error& e) {
      EXPECT_EQ(code_of(e), errc::browser_lost);
      EXPECT_NE(std::string(e.what()).find("/bin/false exited with status 1 before listening"), std::string::npos)
          << e.what();
    }
  };
  run(io, body());
}

TEST_F(browser_test, rendered_page_has_the_products_that_javascript_built) {
  serve_shop(server);
  const auto plain = fetch_all({server.url("/shop")});
  ASSERT_TRUE(plain.at(0).resp) << plain.at(0).message;
  EXPECT_EQ(plain.at(0).resp->css("li.product").size(), 0u);

  with_browser([&](chromium& browser) -> asio::awaitable<void> {
    const render_wait until_loaded{.selector = "#loaded"};
    const auto page = co_await render(browser.session(), server.url("/shop"), until_loaded);
    EXPECT_EQ(page.status, 200);
    EXPECT_EQ(page.url, server.url("/shop"));
    EXPECT_EQ(count_products(page.url, page.html), static_cast<std::size_t>(product_count)) << page.html;
    EXPECT_NE(page.html.find("Widget 7 21"), std::string::npos);
  });
}

TEST_F(browser_test, network_idle_and_a_fixed_delay_wait_for_the_script) {
  serve_shop(server);
  with_browser([&](chromium& browser) -> asio::awaitable<void> {
    const render_wait network_idle{.network_idle = 200ms};
    const auto idle = co_await render(browser.session(), server.url("/shop"), network_idle);
    EXPECT_EQ(count_products(idle.url, idle.html), static_cast<std::size_t>(product_count));
    const render_wait fixed_delay{.delay = 1500ms};
    const auto delayed = co_await render(browser.session(), server.url("/shop"), fixed_delay);
    EXPECT_EQ(count_products(delayed.url, delayed.html), static_cast<std::size_t>(product_count));
    // Without a wait condition the snapshot follows the load event, before the JSON arrives.
    const render_wait load_only;
    const auto early = co_await render(browser.session(), server.url("/shop"), load_only);
    EXPECT_EQ(count_products(early.url, early.html), 0u);
  });
}

TEST_F(browser_test, status_and_final_url_are_the_main_documents_after_redirects) {
  serve_shop(server);
  server.route("/old", [&](const test_request&) {
    return test_reply{.status = 302, .headers = {{"Location", "/shop"}}, .body = {}};
  });
  server.route("/gone", [](const test_request&) { return test_reply{.status = 404, .body = "<p>gone</p>"}; });
  with_browser([&](chromium& browser) -> asio::awaitable<void> {
    const render_wait until_products{.selector = "li.product"};
    const auto moved = co_await render(browser.session(), server.url("/old"), until_products);
    EXPECT_EQ(moved.url, server.url("/shop"));
    EXPECT_EQ(moved.status, 200);
    const render_wait load_only;
    const auto gone = co_await render(browser.session(), server.url("/gone"), load_only);
    EXPECT_EQ(gone.status, 404);
    EXPECT_NE(gone.html.find("<p>gone</p>"), std::string::npos);
  });
}

// The tabs a browser has open (createTarget makes one per render; closeTarget ends it).
asio::awaitable<std::size_t> open_pages(cdp_session& session) {
  const auto targets = co_await session.call("Target.getTargets");
  std::size_t pages = 0;
  for (const auto& t : targets.at("targetInfos").as_array())
    if (t.at("type").as_string() == "page") ++pages;
  co_return pages;
}

TEST_F(browser_test, a_selector_that_never_appears_times_out_and_the_browser_stays_usable) {
  serve_shop(server);
  with_browser([&](chromium& browser) -> asio::awaitable<void> {
    const auto pages_before = co_await open_pages(*browser.session());
    const auto started = std::chrono::steady_clock::now();
    try {
      const render_wait never_appears{.selector = "#never", .timeout = 8000ms};
      co_await render(browser.session(), server.url("/shop"), never_appears);
      ADD_FAILURE() << "rendered";
    } catch (const std::system_error& e) {
      EXPECT_EQ(code_of(e), errc::render_timeout) << e.what();
      EXPECT_EQ(error_name(e.code()), "render_timeout");
      EXPECT_NE(std::string(e.what()).find("the selector '#never' did not appear within 8000 ms"), std::string::npos)
          << e.what();
    }
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_GE(took, 8000ms);
    EXPECT_LT(took, 12000ms);
    // The tab was closed (it leaves the list of targets shortly after Target.closeTarget).
    auto pages = co_await open_pages(*browser.session());
    for (int i = 0; i < 50 && pages != pages_before; ++i) {
      co_await sleep_for(100ms);
      pages = co_await open_pages(*browser.session());
    }
    EXPECT_EQ(pages, pages_before);
    const render_wait until_products{.selector = "li.product"};
    const auto page = co_await render(browser.session(), server.url("/shop"), until_products);
    EXPECT_EQ(count_products(page.url, page.html), static_cast<std::size_t>(product_count));
  });
}

TEST_F(browser_test, browser_errors_carry_the_browsers_message) {
  serve_shop(server);
  with_browser([&](chromium& browser) -> asio::awaitable<void> {
    auto& session = *browser.session();
    try {
      co_await session.call("Nonexistent.method");
      ADD_FAILURE() << "answered";
    } catch (const std::system_error& e) {
      EXPECT_EQ(code_of(e), errc::browser_error);
      EXPECT_NE(std::string(e.what()).find("Nonexistent.method: "), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("wasn't found"), std::string::npos) << e.what();
    }
    try {
      const render_wait invalid_selector{.selector = "li[", .timeout = 5000ms};
      co_await render(browser.session(), server.url("/shop"), invalid_selector);
      ADD_FAILURE() << "rendered";
    } catch (const std::system_error& e) {
      EXPECT_EQ(code_of(e), errc::browser_error);
      EXPECT_NE(std::string(e.what()).find("not a valid selector"), std::string::npos) << e.what();
    }
    try {
      const render_wait refused{.timeout = 10000ms};
      co_await render(browser.session(), fmt::format("http://127.0.0.1:{}/", testing::free_port()), refused);
      ADD_FAILURE() << "rendered";
    } catch (const std::system_error& e) {
      EXPECT_EQ(code_of(e), errc::browser_error);
      EXPECT_NE(std::string(e.what()).find("ERR_CONNECTION_REFUSED"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(session.is_open());
  });
}

TEST_F(browser_test, a_call_without_an_answer_in_time_fails_alone) {
  with_browser([&](chromium& browser) -> asio::awaitable<void> {
    auto& session = *browser.session();
    json::object blank{{"url", "about:blank"}};
    const auto target = co_await session.call("Target.createTarget", blank);
    json::object attach{{"targetId", target.at("targetId")}, {"flatten", true}};
    const auto attached = co_await session.call("Target.attachToTarget", attach);
    const std::string tab(attached.at("sessionId").as_string());
    json::object slow{{"expression", "new Promise(done => setTimeout(() => done(42), 3000))"}, {"awaitPromise", true}};
    try {
      co_await session.call("Runtime.evaluate", slow, tab, 300ms);
      ADD_FAILURE() << "answered";
    } catch (const std::system_error& e) {
      EXPECT_EQ(code_of(e), errc::browser_timeout);
      EXPECT_NE(std::string(e.what()).find("Runtime.evaluate: no answer from the browser within 300 ms"),
                std::string::npos) << e.what();
    }
    json::object quick{{"expression", "6 * 7"}, {"returnByValue", true}};
    const auto answer = co_await session.call("Runtime.evaluate", quick, tab);
    EXPECT_EQ(answer.at("result").at("value").to_number<int>(), 42);
    co_await sleep_for(3000ms);  // the late answer to the first call arrives and is dropped
    EXPECT_TRUE(session.is_open());
  });
}

asio::awaitable<void> render_and_count(std::shared_ptr<cdp_session> browser, std::string url,
                                       std::vector<std::size_t>& products) {
  const render_wait until_loaded{.selector = "#loaded"};
  const auto page = co_await render(std::move(browser), std::move(url), until_loaded);
  products.push_back(count_products(page.url, page.html));
}

TEST_F(browser_test, several_renders_at_once_on_one_browser) {
  serve_shop(server, 500ms);
  constexpr int renders = 6;
  with_browser([&](chromium& browser) -> asio::awaitable<void> {
    std::vector<std::size_t> products;
    int finished = 0;
    std::exception_ptr failure;
    asio::steady_timer all_done(co_await asio::this_coro::executor, std::chrono::steady_clock::time_point::max());
    for (int i = 0; i < renders; ++i) {
      auto one = render_and_count(browser.session(), server.url(fmt::format("/shop?copy={}", i)), products);
      asio::co_spawn(co_await asio::this_coro::executor, std::move(one), [&](std::exception_ptr e) {
        if (e) failure = e;
        if (++finished == renders) all_done.cancel();
      });
    }
    while (finished < renders) co_await all_done.async_wait(asio::as_tuple(asio::use_awaitable));
    if (failure) std::rethrow_exception(failure);
    EXPECT_EQ(products, std::vector<std::size_t>(renders, product_count));
    // Each JSON answer takes 500 ms: renders one after the other would never overlap there.
    EXPECT_GE(server.peak_concurrency(), 2u);
  });
}

TEST_F(browser_test, killing_the_browser_fails_pending_calls_with_a_clear_error) {
  serve_shop(server);
  auto body = [&]() -> asio::awaitable<void> {
    auto browser = co_await chromium::launch();
    auto session = browser->session();
    std::optional<std::system_error> failure;
    bool finished = false;
    auto pending = [&]() -> asio::awaitable<void> {
      try {
        const render_wait never_settles{.selector = "#never", .timeout = 20000ms};
        co_await render(session, server.url("/shop"), never_settles);
      } catch (const std::system_error& e) {
        failure = e;
      }
      finished = true;
    };
    asio::co_spawn(co_await asio::this_coro::executor, pending(), asio::detached);
    co_await sleep_for(1000ms);  // the render is under way: a call of it is pending
    EXPECT_FALSE(finished);
    ::kill(browser->browser_process().pid(), SIGKILL);
    const auto end = co_await browser->browser_process().wait_exit();
    EXPECT_EQ(end.signal, SIGKILL);
    for (int i = 0; i < 100 && !finished; ++i) co_await sleep_for(20ms);
    EXPECT_TRUE(finished);
    if (!failure) {
      ADD_FAILURE() << "the render did not fail";
      co_return;
    }
    EXPECT_EQ(code_of(*failure), errc::browser_lost) << failure->what();
    EXPECT_FALSE(session->is_open());
    try {
      co_await session->call("Browser.getVersion");
      ADD_FAILURE() << "answered";
    } catch (const std::system_error& e) {
      EXPECT_EQ(code_of(e), errc::browser_lost);
      EXPECT_NE(std::string(e.what()).find(session->closed_because()), std::string::npos) << e.what();
    }
    fmt::print("the pending render failed with: {}\n", failure->what());
  };
  run(io, body());
}

}  // namespace
}  // namespace orbweaver::browser
