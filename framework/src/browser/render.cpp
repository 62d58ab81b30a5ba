#include "browser/render.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <set>
#include <system_error>
#include <vector>

namespace orbweaver::browser {

namespace asio = boost::asio;
namespace json = boost::json;
using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using namespace std::chrono_literals;
using namespace std::string_literals;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr milliseconds selector_poll = 50ms;
constexpr milliseconds close_timeout = 5000ms;

// What the tab's events say so far; `changed` is cancelled on each, waking the renderer.
struct page_events {
  explicit page_events(asio::any_io_executor executor) : changed(std::move(executor)) {}
  asio::steady_timer changed;
  bool loaded = false;
  bool crashed = false;
  int status = 0;
  std::set<std::string> in_flight;  // Network requestIds
  clock::time_point last_network = clock::now();

  void touch() { changed.cancel(); }
  void network_activity() {
    last_network = clock::now();
    touch();
  }
};

std::string text_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// One render: the target, its session and its deadline.
struct render_job {
  std::shared_ptr<cdp_session> browser;
  std::string url;
  render_wait wait;
  clock::time_point deadline;
  std::string target_id, session_id;

  [[noreturn]] void timed_out(const std::string& waiting_for) const {
    raise(errc::render_timeout,
          fmt::format("rendering {}: {} within {} ms", url, waiting_for, wait.timeout.count()));
  }

  // A call on the tab's session that gives up at the render's deadline.
  asio::awaitable<json::value> call(std::string method, json::object params, const std::string& waiting_for) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - clock::now());
    if (left <= 0ms) timed_out(waiting_for);
    try {
      co_return co_await browser->call(std::move(method), std::move(params), session_id, left);
    } catch (const std::system_error& e) {
      if (e.code() != errc::browser_timeout || clock::now() < deadline) throw;
    }
    timed_out(waiting_for);
  }

  // A JavaScript expression's value (returned by value).
  asio::awaitable<json::value> evaluate(std::string expression, const std::string& waiting_for) {
    json::object params{{"expression", std::move(expression)}, {"returnByValue", true}};
    const auto reply = co_await call("Runtime.evaluate"s, std::move(params), waiting_for);
    const auto& answer = reply.as_object();
    if (const auto* exception = answer.if_contains("exceptionDetails")) {
      const auto& details = exception->as_object();
      std::string what = text_of(details, "text");
      if (const auto* thrown = details.if_contains("exception"); thrown && thrown->is_object())
        if (auto description = text_of(thrown->as_object(), "description"); !description.empty()) what = description;
      raise(errc::browser_error, fmt::format("rendering {}: {} failed: {}", url, waiting_for, what));
    }
    const auto* result = answer.if_contains("result");
    const auto* value = result && result->is_object() ? result->as_object().if_contains("value") : nullptr;
    co_return value ? *value : json::value();
  }

  // Sleeps until `until` or the deadline, or until an event comes.
  static asio::awaitable<void> pause(page_events& events, clock::time_point until) {
    events.changed.expires_at(until);
    co_await events.changed.async_wait(nothrow);
  }

  void check(const page_events& events, const std::string& waiting_for) const {
    if (events.crashed) raise(errc::browser_lost, fmt::format("rendering {}: the tab crashed", url));
    if (clock::now() >= deadline) timed_out(waiting_for);
  }

  asio::awaitable<rendered_page> run(page_events& events) {
    json::object no_params;
    co_await call("Page.enable"s, no_params, "Page.enable"s);
    co_await call("Network.enable"s, no_params, "Network.enable"s);
    json::object navigate{{"url", url}};
    const auto navigated = co_await call("Page.navigate"s, std::move(navigate), "the navigation"s);
    if (auto error = text_of(navigated.as_object(), "errorText"); !error.empty())
      raise(errc::browser_error, fmt::format("rendering {}: the navigation failed: {}", url, error));

    while (!events.loaded) {
      check(events, "no load event");
      co_await pause(events, deadline);
    }
    if (!wait.selector.empty()) {
      const auto waiting_for = fmt::format("the selector '{}' did not appear", wait.selector);
      const auto probe = fmt::format("document.querySelector({}) !== null", json::serialize(json::string(wait.selector)));
      for (;;) {
        const auto found = co_await evaluate(probe, waiting_for);
        if (found.is_bool() && found.as_bool()) break;
        check(events, waiting_for);
        co_await pause(events, std::min(deadline, clock::now() + selector_poll));
      }
    }
    if (wait.network_idle > 0ms) {
      const auto waiting_for = fmt::format("the network was not idle for {} ms", wait.network_idle.count());
      while (!events.in_flight.empty() || clock::now() - events.last_network < wait.network_idle) {
        check(events, waiting_for);
        co_await pause(events, events.in_flight.empty() ? std::min(deadline, events.last_network + wait.network_idle)
                                                        : deadline);
      }
    }
    if (wait.delay > 0ms) {
      const auto until = clock::now() + wait.delay;
      const auto waiting_for = fmt::format("the delay of {} ms did not end", wait.delay.count());
      while (clock::now() < until) {
        check(events, waiting_for);
        co_await pause(events, std::min(deadline, until));
      }
    }
    const auto snapshot = co_await evaluate("({url: location.href, html: document.documentElement.outerHTML})"s,
                                            "reading the page"s);
    rendered_page page;
    page.status = events.status;
    if (snapshot.is_object()) {
      page.url = text_of(snapshot.as_object(), "url");
      page.html = text_of(snapshot.as_object(), "html");
    }
    co_return page;
  }
};

}  // namespace

asio::awaitable<rendered_page> render(std::shared_ptr<cdp_session> browser, std::string url, render_wait wait) {
  render_job job{.browser = browser, .url = std::move(url), .wait = wait,
                 .deadline = clock::now() + wait.timeout, .target_id = {}, .session_id = {}};
  const std::string new_tab = "a new tab";
  json::object blank{{"url", "about:blank"}};
  const auto created = co_await job.call("Target.createTarget"s, std::move(blank), new_tab);
  job.target_id = text_of(created.as_object(), "targetId");

  std::exception_ptr failure;
  rendered_page page;
  try {
    json::object attach{{"targetId", job.target_id}, {"flatten", true}};
    const auto attached = co_await job.call("Target.attachToTarget"s, std::move(attach), new_tab);
    job.session_id = text_of(attached.as_object(), "sessionId");

    // Subscribed before Page.navigate: its events may come before its reply.
    page_events events(co_await asio::this_coro::executor);
    std::vector<cdp_session::subscription> subscriptions;
    const auto on = [&](std::string method, cdp_session::event_handler handler) {
      subscriptions.push_back(browser->subscribe(std::move(method), job.session_id, std::move(handler)));
    };
    on("Page.loadEventFired", [&](const json::object&) {
      events.loaded = true;
      events.touch();
    });
    on("Inspector.targetCrashed", [&](const json::object&) {
      events.crashed = true;
      events.touch();
    });
    // The main frame's id is the target's id; its last Document response is the final one.
    on("Network.responseReceived", [&](const json::object& e) {
      const auto* response = e.if_contains("response");
      if (text_of(e, "type") == "Document" && text_of(e, "frameId") == job.target_id && response &&
          response->is_object())
        if (const auto* status = response->as_object().if_contains("status"); status && status->is_number())
          events.status = status->to_number<int>();
    });
    on("Network.requestWillBeSent", [&](const json::object& e) {
      events.in_flight.insert(text_of(e, "requestId"));
      events.network_activity();
    });
    const auto request_ended = [&](const json::object& e) {
      events.in_flight.erase(text_of(e, "requestId"));
      events.network_activity();
    };
    on("Network.loadingFinished", request_ended);
    on("Network.loadingFailed", request_ended);
    page = co_await job.run(events);
  } catch (const std::exception&) {
    failure = std::current_exception();
  }
  if (browser->is_open()) {
    try {
      json::object close{{"targetId", job.target_id}};
      co_await browser->call("Target.closeTarget"s, std::move(close), std::string(), close_timeout);
    } catch (const std::system_error&) {
      // The tab may be gone already (crashed): nothing left to close.
    }
  }
  if (failure) std::rethrow_exception(failure);
  co_return page;
}

}  // namespace orbweaver::browser
