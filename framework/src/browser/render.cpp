#include "browser/render.hpp"

#include "core/base64.hpp"
#include "core/http_date.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
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
// A browser that dies sends no event: waits look at the session at least this often.
constexpr milliseconds liveness_poll = 100ms;
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
  render_options options;
  clock::time_point deadline;
  std::string context_id, target_id, session_id;
  asio::any_io_executor browser_executor;  // where answers to events are sent from
  bool proxy_refused_credentials = false;

  [[noreturn]] void timed_out(const std::string& waiting_for) const {
    raise(errc::render_timeout,
          fmt::format("rendering {}: {} within {} ms", url, waiting_for, options.wait.timeout.count()));
  }

  // A call on the tab's session that gives up at the render's deadline.
  asio::awaitable<json::value> call(std::string method, json::object params, const std::string& waiting_for) {
    // Rounded up: the call must not give up before the deadline, or its timeout would be its own.
    const auto left = std::chrono::ceil<milliseconds>(deadline - clock::now());
    if (left <= 0ms) timed_out(waiting_for);
    try {
      co_return co_await browser->call(std::move(method), std::move(params), session_id, left);
    } catch (const std::system_error& e) {
      if (e.code() != errc::browser_timeout || clock::now() < deadline) throw;
    }
    timed_out(waiting_for);
  }

  // A JavaScript expression's value (returned by value unless `by_value` is false: a script's
  // value may be a DOM node or cyclic); a Promise it gives is awaited.
  asio::awaitable<json::value> evaluate(std::string expression, const std::string& waiting_for, bool by_value) {
    json::object params{{"expression", std::move(expression)}, {"returnByValue", by_value},
                        {"awaitPromise", true}, {"userGesture", true}};
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

  // Sleeps until `until` or the deadline, or until an event comes, or for liveness_poll.
  static asio::awaitable<void> pause(page_events& events, clock::time_point until) {
    events.changed.expires_at(std::min(until, clock::now() + liveness_poll));
    co_await events.changed.async_wait(nothrow);
  }

  void check(const page_events& events, const std::string& waiting_for) const {
    if (events.crashed) raise(errc::browser_lost, fmt::format("rendering {}: the tab crashed", url));
    if (!browser->is_open())
      raise(errc::browser_lost, fmt::format("rendering {}: the browser went away ({})", url, browser->closed_because()));
    if (clock::now() >= deadline) timed_out(waiting_for);
  }

  asio::awaitable<rendered_page> run(page_events& events) {
    json::object no_params;
    co_await call("Page.enable"s, no_params, "Page.enable"s);
    co_await call("Network.enable"s, no_params, "Network.enable"s);
    co_await prepare();
    json::object navigate{{"url", url}};
    const auto navigated = co_await call("Page.navigate"s, std::move(navigate), "the navigation"s);
    if (auto error = text_of(navigated.as_object(), "errorText"); !error.empty()) {
      // Chromium's words for it (ERR_HTTP_RESPONSE_CODE_FAILURE) do not say it was the proxy.
      if (proxy_refused_credentials)
        error += fmt::format(" (the proxy {} refused the credentials of '{}')", options.proxy, options.proxy_user);
      raise(errc::browser_error, fmt::format("rendering {}: the navigation failed: {}", url, error));
    }

    while (!events.loaded) {
      check(events, "no load event");
      co_await pause(events, deadline);
    }
    // An error page (404, 503...) is what it is: waiting for the content page's selector would only
    // hold it until the timeout, and the retry and HTTP error middlewares want it now.
    if (events.status < 400) co_await settle(events);
    const auto snapshot = co_await evaluate("({url: location.href, html: document.documentElement.outerHTML})"s,
                                            "reading the page"s, true);
    rendered_page page;
    page.status = events.status;
    if (snapshot.is_object()) {
      page.url = text_of(snapshot.as_object(), "url");
      page.html = text_of(snapshot.as_object(), "html");
    }
    if (options.screenshot) page.png = co_await screenshot();
    page.set_cookies = co_await cookies_for(page.url);
    co_return page;
  }

  // After the load event: the wait conditions that are set, in order, then the script.
  asio::awaitable<void> settle(page_events& events) {
    const auto& wait = options.wait;
    if (!wait.selector.empty()) {
      const auto waiting_for = fmt::format("the selector '{}' did not appear", wait.selector);
      const auto probe = fmt::format("document.querySelector({}) !== null", json::serialize(json::string(wait.selector)));
      for (;;) {
        const auto found = co_await evaluate(probe, waiting_for, true);
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
    if (!options.script.empty()) co_await evaluate(options.script, "the script"s, false);
  }

  // Before the navigation: the viewport, the request's cookies, and the Fetch domain when
  // requests are to be blocked or a proxy may ask for credentials.
  asio::awaitable<void> prepare() {
    json::object metrics{{"width", options.viewport_width}, {"height", options.viewport_height},
                         {"deviceScaleFactor", 1}, {"mobile", false}};
    co_await call("Emulation.setDeviceMetricsOverride"s, std::move(metrics), "setting the viewport"s);
    if (auto cookies = cookie_params(options.cookie_header, url); !cookies.empty()) {
      json::object set{{"cookies", std::move(cookies)}};
      co_await call("Network.setCookies"s, std::move(set), "setting the cookies"s);
    }
    json::array patterns;
    if (answers_proxy_auth()) {
      patterns.push_back(json::object{{"urlPattern", "*"}});  // authRequired comes for paused requests only
    } else {
      for (const auto& type : options.blocked_resource_types)
        patterns.push_back(json::object{{"urlPattern", "*"}, {"resourceType", type}});
    }
    if (patterns.empty()) co_return;
    json::object fetch{{"patterns", std::move(patterns)}, {"handleAuthRequests", answers_proxy_auth()}};
    co_await call("Fetch.enable"s, std::move(fetch), "Fetch.enable"s);
  }

  bool answers_proxy_auth() const { return !options.proxy.empty() && !options.proxy_user.empty(); }

  bool blocks(const std::string& resource_type) const {
    return std::ranges::find(options.blocked_resource_types, resource_type) != options.blocked_resource_types.end();
  }

  asio::awaitable<std::string> screenshot() {
    json::object png{{"format", "png"}};
    const auto shot = co_await call("Page.captureScreenshot"s, std::move(png), "the screenshot"s);
    auto bytes = base64_decode(text_of(shot.as_object(), "data"));
    if (!bytes) raise(errc::browser_error, fmt::format("rendering {}: the screenshot is not base64", url));
    co_return std::move(*bytes);
  }

  asio::awaitable<std::vector<std::string>> cookies_for(const std::string& final_url) {
    if (!final_url.starts_with("http")) co_return std::vector<std::string>{};
    json::object urls{{"urls", json::array{json::string(final_url)}}};
    const auto held = co_await call("Network.getCookies"s, std::move(urls), "reading the cookies"s);
    std::vector<std::string> set_cookies;
    if (const auto* cookies = held.as_object().if_contains("cookies"); cookies && cookies->is_array())
      for (const auto& cookie : cookies->as_array())
        if (cookie.is_object()) set_cookies.push_back(set_cookie_value(cookie.as_object()));
    co_return set_cookies;
  }

  // Answers a paused request or a credentials challenge. Event handlers must not wait, so the
  // answer goes out on its own; it fails harmlessly when the tab is gone by then.
  void answer(std::string method, json::object params) {
    auto send = [](std::shared_ptr<cdp_session> session, std::string method, json::object params,
                   std::string session_id) -> asio::awaitable<void> {
      try {
        co_await session->call(std::move(method), std::move(params), std::move(session_id), close_timeout);
      } catch (const std::system_error&) {
      }
    };
    auto sending = send(browser, std::move(method), std::move(params), session_id);
    asio::co_spawn(browser_executor, std::move(sending), asio::detached);
  }
};

}  // namespace

asio::awaitable<rendered_page> render(std::shared_ptr<cdp_session> browser, std::string url, render_options options) {
  const auto deadline = clock::now() + options.wait.timeout;
  const auto executor = co_await asio::this_coro::executor;  // not inside the braces: GCC 12
  render_job job{.browser = browser, .url = std::move(url), .options = std::move(options),
                 .deadline = deadline, .context_id = {}, .target_id = {}, .session_id = {},
                 .browser_executor = executor};
  // A context of its own: the page's cookies and cache are its alone, and so is its proxy.
  json::object context_params;
  if (!job.options.proxy.empty()) {
    context_params["proxyServer"] = job.options.proxy;
    context_params["proxyBypassList"] = "<-loopback>";  // Chromium would go direct to loopback
  }
  const auto context = co_await job.call("Target.createBrowserContext"s, std::move(context_params), "a new context"s);
  job.context_id = text_of(context.as_object(), "browserContextId");

  std::exception_ptr failure;
  rendered_page page;
  try {
    const std::string new_tab = "a new tab";
    json::object blank{{"url", "about:blank"}, {"browserContextId", job.context_id}};
    const auto created = co_await job.call("Target.createTarget"s, std::move(blank), new_tab);
    job.target_id = text_of(created.as_object(), "targetId");
    json::object attach{{"targetId", job.target_id}, {"flatten", true}};
    const auto attached = co_await job.call("Target.attachToTarget"s, std::move(attach), new_tab);
    job.session_id = text_of(attached.as_object(), "sessionId");

    // Subscribed before Page.navigate: its events may come before its reply.
    page_events events(job.browser_executor);
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
    on("Fetch.requestPaused", [&](const json::object& e) {
      json::object params{{"requestId", text_of(e, "requestId")}};
      if (!job.blocks(text_of(e, "resourceType"))) return job.answer("Fetch.continueRequest"s, std::move(params));
      params["errorReason"] = "BlockedByClient";
      job.answer("Fetch.failRequest"s, std::move(params));
    });
    // The proxy's challenge gets the credentials once per request (a second one means they were
    // refused); a server's is cancelled, leaving its 401 page, as the downloader would.
    std::set<std::string> credentials_given;
    on("Fetch.authRequired", [&](const json::object& e) {
      auto request_id = text_of(e, "requestId");
      const auto* challenge = e.if_contains("authChallenge");
      const bool from_proxy =
          challenge && challenge->is_object() && text_of(challenge->as_object(), "source") == "Proxy";
      json::object response{{"response", "CancelAuth"}};
      if (from_proxy && credentials_given.insert(request_id).second)
        response = {{"response", "ProvideCredentials"},
                    {"username", job.options.proxy_user},
                    {"password", job.options.proxy_password}};
      else if (from_proxy)
        job.proxy_refused_credentials = true;
      json::object params{{"requestId", std::move(request_id)}, {"authChallengeResponse", std::move(response)}};
      job.answer("Fetch.continueWithAuth"s, std::move(params));
    });
    page = co_await job.run(events);
  } catch (const std::exception&) {
    failure = std::current_exception();
  }
  if (browser->is_open()) {
    try {
      // Closes the tab too.
      json::object dispose{{"browserContextId", job.context_id}};
      co_await browser->call("Target.disposeBrowserContext"s, std::move(dispose), std::string(), close_timeout);
    } catch (const std::system_error&) {
      // The browser may be going away: nothing left to dispose of.
    }
  }
  if (failure) std::rethrow_exception(failure);
  co_return page;
}

json::array cookie_params(std::string_view cookie_header, const std::string& url) {
  const auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  json::array cookies;
  while (!cookie_header.empty()) {
    const auto end = cookie_header.find(';');
    const auto pair = cookie_header.substr(0, end);
    cookie_header.remove_prefix(end == std::string_view::npos ? cookie_header.size() : end + 1);
    const auto equals = pair.find('=');
    if (equals == std::string_view::npos) continue;
    const auto name = trim(pair.substr(0, equals));
    if (name.empty()) continue;
    cookies.push_back(json::object{{"name", name}, {"value", trim(pair.substr(equals + 1))}, {"url", url}});
  }
  return cookies;
}

std::string set_cookie_value(const json::object& cookie) {
  auto value = fmt::format("{}={}", text_of(cookie, "name"), text_of(cookie, "value"));
  // CDP marks a domain cookie with a leading dot; a host-only cookie keeps no Domain.
  if (const auto domain = text_of(cookie, "domain"); domain.starts_with('.')) value += "; Domain=" + domain;
  if (const auto path = text_of(cookie, "path"); !path.empty()) value += "; Path=" + path;
  const auto* session = cookie.if_contains("session");
  const auto* expires = cookie.if_contains("expires");
  if (!(session && session->is_bool() && session->as_bool()) && expires && expires->is_number() &&
      expires->to_number<double>() > 0)
    value += "; Expires=" + http_date::format(static_cast<std::int64_t>(std::floor(expires->to_number<double>())));
  const auto flag = [&](std::string_view key) {
    const auto* v = cookie.if_contains(key);
    return v && v->is_bool() && v->as_bool();
  };
  if (flag("secure")) value += "; Secure";
  if (flag("httpOnly")) value += "; HttpOnly";
  if (const auto same_site = text_of(cookie, "sameSite"); !same_site.empty()) value += "; SameSite=" + same_site;
  return value;
}

}  // namespace orbweaver::browser
