#pragma once
// A running headless Chromium with its DevTools session: what the renderer needs. When the
// browser process ends (a crash, a kill, an OOM), the session is closed with how it ended, so
// that every pending and later call fails with errc::browser_lost and a sentence saying why.
#include "browser/cdp_session.hpp"
#include "browser/process.hpp"

#include <boost/asio/awaitable.hpp>

#include <memory>

namespace orbweaver::browser {

struct chromium_options {
  process_options process{};
  cdp_options cdp{};
};

class chromium {
 public:
  // Starts the browser and connects to it; throws std::system_error (errc::browser_lost).
  static boost::asio::awaitable<std::unique_ptr<chromium>> launch(chromium_options options);
  static boost::asio::awaitable<std::unique_ptr<chromium>> launch() { return launch(chromium_options()); }
  chromium(const chromium&) = delete;
  chromium& operator=(const chromium&) = delete;
  // Kills the browser if close() did not stop it.
  ~chromium();

  const std::shared_ptr<cdp_session>& session() const { return session_; }
  process& browser_process() const { return *process_; }

  // Closes the session and stops the browser (SIGTERM, then SIGKILL after the grace period).
  boost::asio::awaitable<child_exit> close();

 private:
  chromium(std::shared_ptr<process> p, std::shared_ptr<cdp_session> s) : process_(std::move(p)), session_(std::move(s)) {}
  std::shared_ptr<process> process_;
  std::shared_ptr<cdp_session> session_;
};

}  // namespace orbweaver::browser
