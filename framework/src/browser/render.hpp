#pragma once
// A page rendered in the browser: loaded in a new tab (target) of its own, waited on until it
// settles, and read back as HTML. The tab is closed afterwards, whatever happened.
#include "browser/cdp_session.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace orbweaver::browser {

// When a page counts as rendered: after its load event, each condition that is set, in this
// order (selector, network idle, delay), all within `timeout` from the start.
struct render_wait {
  std::string selector{};                     // a CSS selector that must match an element
  std::chrono::milliseconds network_idle{0};  // no request in flight for this long
  std::chrono::milliseconds delay{0};         // a fixed pause
  std::chrono::milliseconds timeout{30000};   // the whole render; errc::render_timeout after it
};

struct rendered_page {
  std::string url;   // the final URL (after redirects and scripts' history changes)
  int status = 0;    // the HTTP status of the main document; 0 when none (about:, data:)
  std::string html;  // document.documentElement.outerHTML
};

// Renders `url` in a new target of `browser`. Throws std::system_error: errc::render_timeout
// (a condition not met in time; the browser stays usable), errc::browser_error (the navigation
// failed, e.g. net::ERR_CONNECTION_REFUSED, or the selector is not valid CSS),
// errc::browser_lost (the browser or the tab crashed or went away).
// In a coroutine, pass `wait` as a named variable: GCC 12 destroys a braced temporary inside a
// co_await expression twice (docs/status.md).
boost::asio::awaitable<rendered_page> render(std::shared_ptr<cdp_session> browser, std::string url,
                                             render_wait wait);

}  // namespace orbweaver::browser
