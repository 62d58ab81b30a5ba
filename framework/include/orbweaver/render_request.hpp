#pragma once
// Requests rendered in headless Chromium, for pages that build their content with JavaScript:
//   out.emit(render_request(url, &shop::parse_products, {.wait_for = "li.product"}));
// The request goes through the downloader middlewares like any other (cookies, user agent, proxy,
// retry, robots.txt...), then the browser loads the page in a tab of its own instead of the HTTP
// client fetching it; the rendered DOM comes back as an ordinary HTML response (the final URL,
// the main document's status) that css() and xpath() read.
//
// It is the meta keys below that ask for it, so that any request can (a follow(), a request
// read back from a JOBDIR):
//   "render": true              render in the browser
//   "render_wait_for": "css"    wait until an element matches this CSS selector
//   "render_network_idle": ms   wait until no request has been in flight for this long
//   "render_delay": ms          then wait this long
//   "render_timeout": seconds   the whole render, else RENDER_TIMEOUT; errc::render_timeout after it
//   "render_script": "js"       JavaScript run before the snapshot (scroll, click); a Promise it
//                               returns is awaited
//   "screenshot": true          save a PNG of the viewport under SCREENSHOT_DIR; the response's
//                               meta "screenshot_path" and the field "screenshot" of the items its
//                               callback yields give the path
// The waits run in that order after the page's load event. See docs/rendering.md.
#include <orbweaver/request.hpp>

#include <string>

namespace orbweaver {

// The render's wait conditions and extras; members left out are not set.
struct render_args {
  std::string wait_for{};  // CSS selector
  long long network_idle_ms = 0;
  long long delay_ms = 0;
  double timeout = 0;      // seconds; 0: RENDER_TIMEOUT
  std::string script{};
  bool screenshot = false;
};

// Writes the meta keys of `args` (with "render": true) into `meta`.
void set_render_meta(json::object& meta, const render_args& args);

// A request rendered in the browser, with the arguments of request (request_options' meta keeps
// its other keys).
inline request render_request(std::string url, render_args args = {}, request_options options = {}) {
  request r(std::move(url), std::move(options));
  set_render_meta(r.meta, args);
  return r;
}
inline request render_request(std::string url, callback_fn cb, render_args args = {}, request_options options = {}) {
  request r(std::move(url), std::move(cb), std::move(options));
  set_render_meta(r.meta, args);
  return r;
}
template <class S>
request render_request(std::string url, void (S::*cb)(const response&, output&), render_args args = {},
                       request_options options = {}) {
  request r(std::move(url), cb, std::move(options));
  set_render_meta(r.meta, args);
  return r;
}
template <class S, class E>
request render_request(std::string url, void (S::*cb)(const response&, output&), void (E::*eb)(const failure&, output&),
                       render_args args = {}, request_options options = {}) {
  request r(std::move(url), cb, eb, std::move(options));
  set_render_meta(r.meta, args);
  return r;
}

}  // namespace orbweaver
