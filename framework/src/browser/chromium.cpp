#include "browser/chromium.hpp"

#include <orbweaver/log.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <fmt/format.h>

namespace orbweaver::browser {

namespace asio = boost::asio;

namespace {

// Holds the process until it ends, however that happens, then fails the session with the cause.
asio::awaitable<void> report_exit(std::shared_ptr<process> browser, std::weak_ptr<cdp_session> session) {
  const child_exit end = co_await browser->wait_exit();
  auto open = session.lock();
  if (!open || !open->is_open()) co_return;
  const auto why = fmt::format("chromium (pid {}) {}", browser->pid(), end.describe());
  log::error("browser", "{}", why);
  open->close(why);
}

}  // namespace

asio::awaitable<std::unique_ptr<chromium>> chromium::launch(chromium_options options) {
  auto browser = co_await process::start(std::move(options.process));
  auto session = co_await cdp_session::connect(browser->websocket_url(), options.cdp);
  asio::co_spawn(co_await asio::this_coro::executor, report_exit(browser, session), asio::detached);
  log::info("browser", "chromium (pid {}) listens at {}", browser->pid(), browser->websocket_url());
  co_return std::unique_ptr<chromium>(new chromium(std::move(browser), std::move(session)));
}

chromium::~chromium() {
  session_->close("the browser was stopped");
  process_->kill();
}

asio::awaitable<child_exit> chromium::close() {
  session_->close("the browser was stopped");
  co_return co_await process_->stop();
}

}  // namespace orbweaver::browser
