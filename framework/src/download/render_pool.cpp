#include "download/render_pool.hpp"
#include "core/base64.hpp"
#include "engine/fingerprint.hpp"

#include <orbweaver/error.hpp>
#include <orbweaver/log.hpp>
#include <orbweaver/meta.hpp>
#include <orbweaver/settings.hpp>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <exception>
#include <fstream>
#include <utility>

namespace orbweaver {

namespace download {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

std::chrono::milliseconds seconds_to_ms(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

bool parse_dimension(std::string_view text, int& value) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc{} && end == text.data() + text.size() && value > 0 && value <= 16384;
}

[[noreturn]] void raise_error(errc code, const std::string& why) { throw std::system_error(make_error_code(code), why); }

}  // namespace

std::string cdp_resource_type(std::string_view name) {
  static constexpr std::array<std::string_view, 13> types = {
      "Document", "Stylesheet", "Image", "Media", "Font", "Script", "TextTrack",
      "XHR", "Fetch", "EventSource", "WebSocket", "Manifest", "Other"};
  for (auto type : types)
    if (type.size() == name.size() &&
        std::equal(type.begin(), type.end(), name.begin(), [](unsigned char a, unsigned char b) {
                     return std::tolower(a) == std::tolower(b);
                   }))
      return std::string(type);
  return {};
}

render_settings render_settings_from(const settings& s) {
  render_settings o;
  o.concurrency = static_cast<std::size_t>(std::max<long long>(1, s.get_int("RENDER_CONCURRENCY")));
  o.timeout = seconds_to_ms(s.get_double("RENDER_TIMEOUT"));
  if (o.timeout <= 0ms) throw settings_error("RENDER_TIMEOUT must be above 0");
  const auto viewport = s.get_string("RENDER_VIEWPORT");
  const auto x = viewport.find('x');
  if (x == std::string::npos || !parse_dimension(std::string_view(viewport).substr(0, x), o.viewport_width) ||
      !parse_dimension(std::string_view(viewport).substr(x + 1), o.viewport_height))
    throw settings_error(fmt::format("RENDER_VIEWPORT: '{}' is not WIDTHxHEIGHT in pixels, such as 1280x800", viewport));
  for (const auto& name : s.get_list("RENDER_BLOCK_RESOURCES")) {
    auto type = cdp_resource_type(name);
    if (type.empty())
      throw settings_error(fmt::format(
          "RENDER_BLOCK_RESOURCES: '{}' is not a resource type (image, font, media, stylesheet, script, xhr, fetch, "
          "texttrack, eventsource, websocket, manifest, document, other)",
          name));
    o.blocked_resource_types.push_back(std::move(type));
  }
  o.screenshot_dir = s.get_string("SCREENSHOT_DIR");
  o.chromium = s.get_string("CHROMIUM_PATH");
  o.retry_times = std::max<long long>(0, s.get_int("RETRY_TIMES"));
  return o;
}

browser::render_wait render_wait_from(const json::object& meta, std::chrono::milliseconds default_timeout) {
  browser::render_wait wait;
  if (const auto* selector = meta.if_contains("render_wait_for"); selector && selector->is_string())
    wait.selector = std::string(selector->get_string());
  if (auto idle = meta_number(meta, "render_network_idle"); idle && *idle > 0)
    wait.network_idle = std::chrono::milliseconds(static_cast<long long>(*idle));
  if (auto delay = meta_number(meta, "render_delay"); delay && *delay > 0)
    wait.delay = std::chrono::milliseconds(static_cast<long long>(*delay));
  wait.timeout = default_timeout;
  if (auto timeout = meta_number(meta, "render_timeout"); timeout && *timeout > 0) wait.timeout = seconds_to_ms(*timeout);
  return wait;
}

browser::render_options render_options_for(const request& r, const render_settings& settings) {
  browser::render_options o;
  o.wait = render_wait_from(r.meta, settings.timeout);
  if (const auto* script = r.meta.if_contains("render_script"); script && script->is_string())
    o.script = std::string(script->get_string());
  o.screenshot = meta_flag(r.meta, "screenshot");
  o.viewport_width = settings.viewport_width;
  o.viewport_height = settings.viewport_height;
  o.blocked_resource_types = settings.blocked_resource_types;
  o.cookie_header = std::string(r.headers.get("Cookie").value_or(""));
  if (const auto* proxy = r.meta.if_contains("proxy"); proxy && proxy->is_string())
    o.proxy = std::string(proxy->get_string());
  // The http_proxy middleware turned the proxy URL's user and password into this header.
  constexpr std::string_view basic = "Basic ";
  const auto authorization = r.headers.get("Proxy-Authorization").value_or("");
  if (!o.proxy.empty() && authorization.starts_with(basic))
    if (auto credentials = base64_decode(authorization.substr(basic.size()))) {
      const auto colon = credentials->find(':');
      o.proxy_user = credentials->substr(0, colon);
      if (colon != std::string::npos) o.proxy_password = credentials->substr(colon + 1);
    }
  return o;
}

struct render_pool::tab_waiter {
  explicit tab_waiter(const asio::any_io_executor& ex) : wake(ex, asio::steady_timer::time_point::max()) {}
  asio::steady_timer wake;
  bool granted = false;
};

render_pool::render_pool(asio::any_io_executor executor, render_settings options, stats_collector& stats)
    : executor_(std::move(executor)), options_(std::move(options)), stats_(stats) {}

render_pool::~render_pool() = default;

asio::awaitable<bool> render_pool::acquire_tab() {
  if (closed_) co_return false;
  if (tabs_in_use_ < options_.concurrency) {
    ++tabs_in_use_;
    co_return true;
  }
  tab_waiter w(executor_);
  waiting_for_tab_.push_back(&w);
  boost::system::error_code ec;
  co_await w.wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  co_return w.granted;
}

void render_pool::release_tab() {
  if (waiting_for_tab_.empty()) {
    --tabs_in_use_;
    return;
  }
  // The tab goes straight to the next waiter: tabs_in_use_ stays.
  tab_waiter* next = waiting_for_tab_.front();
  waiting_for_tab_.pop_front();
  next->granted = true;
  next->wake.cancel();
}

void render_pool::cancel_waiting() {
  for (auto* w : waiting_for_tab_) w->wake.cancel();
  waiting_for_tab_.clear();
}

void render_pool::abort() {
  closed_ = true;
  cancel_waiting();
  if (browser_) browser_->session()->close("the crawl abandoned its requests");
}

asio::awaitable<void> render_pool::close() {
  closed_ = true;
  cancel_waiting();
  if (!browser_) co_return;
  auto stopping = std::move(browser_);
  const auto end = co_await stopping->close();
  log::debug("browser", "chromium (pid {}) stopped: {}", stopping->browser_process().pid(), end.describe());
}

asio::awaitable<std::shared_ptr<browser::cdp_session>> render_pool::current_browser(std::uint64_t& generation) {
  for (;;) {
    if (closed_) raise_error(errc::cancelled, "the crawl is closing");
    if (browser_ && browser_->session()->is_open()) {
      generation = generation_;
      co_return browser_->session();
    }
    if (!launching_) break;
    asio::steady_timer launched(executor_, asio::steady_timer::time_point::max());
    waiting_for_launch_.push_back(&launched);
    boost::system::error_code ec;
    co_await launched.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  launching_ = true;
  // The browser that is gone goes first: its process group is killed and its profile removed.
  browser_.reset();
  browser::chromium_options launch_options;
  launch_options.process.program = options_.chromium;
  launch_options.process.extra_args = {
      fmt::format("--window-size={},{}", options_.viewport_width, options_.viewport_height)};
  std::unique_ptr<browser::chromium> started;
  std::exception_ptr failure;
  try {
    started = co_await browser::chromium::launch(launch_options);
  } catch (...) {
    failure = std::current_exception();
  }
  launching_ = false;
  for (auto* waiter : std::exchange(waiting_for_launch_, {})) waiter->cancel();
  if (failure) std::rethrow_exception(failure);
  if (generation_ > 0) stats_.inc("render/browser_restarts");
  browser_ = std::move(started);
  generation = ++generation_;
  if (closed_) {
    co_await close();
    raise_error(errc::cancelled, "the crawl is closing");
  }
  co_return browser_->session();
}

asio::awaitable<bool> render_pool::browser_unusable(std::uint64_t generation) {
  if (generation != generation_ || !browser_ || !browser_->session()->is_open()) co_return true;
  auto session = browser_->session();
  try {
    co_await session->call("Browser.getVersion", json::object(), std::string(), options_.health_timeout);
    co_return false;
  } catch (const std::system_error& e) {
    if (e.code() != errc::browser_timeout && e.code() != errc::browser_lost) throw;
  }
  // Only if it is still the current one: another render may have replaced it meanwhile.
  if (generation == generation_ && browser_ && browser_->session()->is_open()) {
    const auto why = fmt::format("chromium (pid {}) did not answer Browser.getVersion within {} ms: it is replaced",
                                 browser_->browser_process().pid(), options_.health_timeout.count());
    log::error("browser", "{}", why);
    browser_->session()->close(why);
  }
  co_return true;
}

std::string render_pool::save_screenshot(const request& r, const std::string& png) {
  const auto path = options_.screenshot_dir / (to_hex(request_fingerprint(r)) + ".png");
  std::error_code ec;
  std::filesystem::create_directories(options_.screenshot_dir, ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(png.data(), static_cast<std::streamsize>(png.size()));
  out.close();
  if (!out) {
    log::error("browser", "Cannot write the screenshot of <{} {}> to {}: {}", r.method, r.url, path.string(),
               ec ? ec.message() : std::string("the write failed"));
    return {};
  }
  stats_.inc("render/screenshots");
  return path.string();
}

response_ptr render_pool::make_response(const request& r, browser::rendered_page page) {
  http_headers headers{{"Content-Type", "text/html; charset=utf-8"}};
  // The browser's cookies go into the crawl's jar through the cookies middleware, as a server's.
  for (auto& cookie : page.set_cookies) headers.add("Set-Cookie", std::move(cookie));
  // about: and data: pages have no HTTP status; what the browser shows of them is a page.
  const int status = page.status > 0 ? page.status : 200;
  auto url = page.url.empty() ? r.url : std::move(page.url);
  auto resp = std::make_shared<response>(r, std::move(url), status, std::move(headers), std::move(page.html));
  if (!page.png.empty())
    if (auto path = save_screenshot(r, page.png); !path.empty()) resp->req().meta["screenshot_path"] = std::move(path);
  return resp;
}

asio::awaitable<render_result> render_pool::render(const request& r) {
  stats_.inc("render/requests");
  const auto options = render_options_for(r, options_);
  const long long max_retries = meta_int(r.meta, "max_retry_times").value_or(options_.retry_times);
  for (long long attempt = 1;; ++attempt) {
    std::uint64_t generation = 0;
    std::error_code error;
    std::string detail;
    try {
      auto session = co_await current_browser(generation);
      auto page = co_await browser::render(session, r.url, options);
      stats_.inc("render/responses");
      co_return render_result{make_response(r, std::move(page)), {}, {}};
    } catch (const std::system_error& e) {
      error = e.code();
      detail = e.what();
    }
    if (error == errc::cancelled) co_return render_result{nullptr, error, std::move(detail)};
    // A render that never started a browser (it could not start) is not retried: it would fail again.
    bool browser_failed = error == errc::browser_lost && generation != 0;
    if (error == errc::render_timeout || error == errc::browser_timeout) {
      browser_failed = co_await browser_unusable(generation);
      if (!browser_failed) {
        stats_.inc("render/timeouts");
        co_return render_result{nullptr, error, std::move(detail)};
      }
    }
    if (!browser_failed || closed_) co_return render_result{nullptr, error, std::move(detail)};
    if (attempt > max_retries) {
      detail = fmt::format("{} (the browser failed {} times while rendering it)", detail, attempt);
      co_return render_result{nullptr, make_error_code(errc::browser_lost), std::move(detail)};
    }
    stats_.inc("render/retried");
    log::warning("browser", "Rendering <{} {}> again on a new browser: {}", r.method, r.url, detail);
  }
}

}  // namespace download
}  // namespace orbweaver
