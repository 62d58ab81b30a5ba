#pragma once
// A page rendered in the browser: loaded in a new tab (target) of its own, in a browser context
// of its own (its own cookies, cache and proxy), waited on until it settles, optionally scripted,
// and read back as HTML, a screenshot and the cookies it holds. The context and its tab are
// disposed of afterwards, whatever happened.
#include "browser/cdp_session.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace orbweaver::browser {

// When a page counts as rendered: after its load event, each condition that is set, in this
// order (selector, network idle, delay), all within `timeout` from the start. A page whose main
// document has an error status (400 and up) is taken after its load event: no wait, no script.
struct render_wait {
  std::string selector{};                     // a CSS selector that must match an element
  std::chrono::milliseconds network_idle{0};  // no request in flight for this long
  std::chrono::milliseconds delay{0};         // a fixed pause
  std::chrono::milliseconds timeout{30000};   // the whole render; errc::render_timeout after it
};

struct render_options {
  render_wait wait{};
  // JavaScript run after the wait conditions and before the snapshot (scroll, click). A Promise
  // it returns is awaited (within wait.timeout); an exception it throws is errc::browser_error
  // with its message.
  std::string script{};
  bool screenshot = false;  // a PNG of the viewport after the script
  int viewport_width = 1280, viewport_height = 800;
  // CDP Network.ResourceType names ("Image", "Font", "Media", "Stylesheet"...): requests of
  // these types fail with BlockedByClient and never leave the browser.
  std::vector<std::string> blocked_resource_types{};
  // The request's Cookie header ("a=1; b=2"), set for the page's URL before navigating.
  std::string cookie_header{};
  // "http://host:port" or empty; loopback addresses go through it too.
  std::string proxy{};
  // Given when the proxy asks for them (407); empty user: none given.
  std::string proxy_user{}, proxy_password{};
};

struct rendered_page {
  std::string url;   // the final URL (after redirects and scripts' history changes)
  int status = 0;    // the HTTP status of the main document; 0 when none (about:, data:)
  std::string html;  // document.documentElement.outerHTML
  std::string png{};  // the screenshot's bytes, when asked for
  // Every cookie the browser holds for the final URL after the render, as Set-Cookie values
  // ("n=v; Domain=.x; Path=/; Expires=<IMF-fixdate>; Secure; HttpOnly; SameSite=Lax"), so the
  // crawl's cookie jar stores them like any response's. Host-only cookies have no Domain.
  std::vector<std::string> set_cookies{};
};

// Renders `url` in a new browser context and target of `browser`. Throws std::system_error:
// errc::render_timeout (a condition or the script not done in time; the browser stays usable),
// errc::browser_error (the navigation failed, e.g. net::ERR_CONNECTION_REFUSED, the selector is
// not valid CSS, or the script threw), errc::browser_lost (the browser or the tab crashed or went
// away).
// In a coroutine, pass `options` as a named variable: GCC 12 destroys a braced temporary inside a
// co_await expression twice (docs/status.md).
boost::asio::awaitable<rendered_page> render(std::shared_ptr<cdp_session> browser, std::string url,
                                             render_options options);

// The cookies of a Cookie header ("a=1; b=2") as CDP Network.CookieParam objects for `url`;
// pairs without a name are skipped.
boost::json::array cookie_params(std::string_view cookie_header, const std::string& url);
// A CDP Network.Cookie as a Set-Cookie header value.
std::string set_cookie_value(const boost::json::object& cookie);

}  // namespace orbweaver::browser
