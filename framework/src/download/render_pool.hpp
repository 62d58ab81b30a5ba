#pragma once
// The downloader's browser: requests with meta "render" are loaded in headless Chromium instead
// of the HTTP client (see orbweaver/render_request.hpp). The browser starts at the first rendered
// request (a crawl without any never starts it) and stops when the crawl closes. At most
// RENDER_CONCURRENCY renders run at once; the others wait for a tab, and nothing else ever waits
// here. A browser that crashed (errc::browser_lost) or hung (a render timed out and then
// Browser.getVersion got no answer either) is replaced by a new one, and the renders it failed
// are retried on it, up to RETRY_TIMES (meta "max_retry_times") each.
#include "browser/chromium.hpp"
#include "browser/render.hpp"

#include <orbweaver/item.hpp>
#include <orbweaver/response.hpp>
#include <orbweaver/stats.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

namespace orbweaver {

class settings;

namespace download {

struct render_settings {
  std::size_t concurrency = 4;                        // RENDER_CONCURRENCY
  std::chrono::milliseconds timeout{30000};           // RENDER_TIMEOUT
  int viewport_width = 1280, viewport_height = 800;   // RENDER_VIEWPORT
  std::vector<std::string> blocked_resource_types{};  // RENDER_BLOCK_RESOURCES, as CDP names
  std::filesystem::path screenshot_dir = "screenshots";  // SCREENSHOT_DIR
  std::filesystem::path chromium{};                   // CHROMIUM_PATH; empty: found in PATH
  long long retry_times = 2;                          // RETRY_TIMES
  std::chrono::milliseconds health_timeout{5000};     // Browser.getVersion after a timeout
};

// Throws settings_error for a viewport that is not WIDTHxHEIGHT or an unknown resource type.
render_settings render_settings_from(const settings& s);
// "image" -> "Image", "xhr" -> "XHR": the Network.ResourceType a RENDER_BLOCK_RESOURCES entry
// names; empty when it names none.
std::string cdp_resource_type(std::string_view name);
// The wait conditions meta asks for (see render_request.hpp); keys of another JSON type are
// ignored, as other meta keys are.
browser::render_wait render_wait_from(const json::object& meta, std::chrono::milliseconds default_timeout);
// What the browser is asked for r: its meta's waits, script and screenshot, the settings'
// viewport and blocked types, and what the downloader middlewares left on r: its Cookie header
// (the crawl's jar), meta "proxy" and the credentials of its Proxy-Authorization (Basic).
browser::render_options render_options_for(const request& r, const render_settings& settings);

// The rendered page as a response, or why there is none.
struct render_result {
  response_ptr resp;
  std::error_code error;
  std::string detail;
};

class render_pool {
 public:
  render_pool(boost::asio::any_io_executor executor, render_settings options, stats_collector& stats);
  ~render_pool();
  render_pool(const render_pool&) = delete;
  render_pool& operator=(const render_pool&) = delete;

  // Waits for a free tab; false when the crawl closed meanwhile. Each true needs a release_tab().
  boost::asio::awaitable<bool> acquire_tab();
  void release_tab();
  // Renders r in the browser (starting or replacing it when needed), in a tab acquired before.
  boost::asio::awaitable<render_result> render(const request& r);

  // The crawl closes: renders waiting for a tab fail with errc::cancelled.
  void cancel_waiting();
  // The crawl abandons its work: renders in progress fail now, and no browser starts again.
  void abort();
  // Stops the browser (nothing renders any more).
  boost::asio::awaitable<void> close();

 private:
  struct tab_waiter;
  // The browser to render on, started if there is none or the last one is gone, with its
  // generation (which browser a failure came from).
  boost::asio::awaitable<std::shared_ptr<browser::cdp_session>> current_browser(std::uint64_t& generation);
  // After a timeout: true when the browser of `generation` is gone or does not answer (it is then
  // closed, so that the next render starts another one).
  boost::asio::awaitable<bool> browser_unusable(std::uint64_t generation);
  response_ptr make_response(const request& r, browser::rendered_page page);
  // Writes the PNG under SCREENSHOT_DIR, named by r's fingerprint; its path, or empty when it
  // cannot be written (logged).
  std::string save_screenshot(const request& r, const std::string& png);

  boost::asio::any_io_executor executor_;
  render_settings options_;
  stats_collector& stats_;
  std::unique_ptr<browser::chromium> browser_;
  std::uint64_t generation_ = 0;  // browsers started so far
  bool launching_ = false;
  std::vector<boost::asio::steady_timer*> waiting_for_launch_;
  std::size_t tabs_in_use_ = 0;
  std::deque<tab_waiter*> waiting_for_tab_;
  bool closed_ = false;
};

}  // namespace download
}  // namespace orbweaver
