#include "browser/process.hpp"

#include <orbweaver/error.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include <sys/syscall.h>
#include <unistd.h>

namespace orbweaver::browser {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

[[noreturn]] void fail(const std::string& why) {
  throw std::system_error(make_error_code(errc::browser_lost), why);
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The last lines of Chromium's output, for messages about a browser that did not start.
std::string output_tail(const std::filesystem::path& log, std::size_t lines = 8) {
  const std::string text = read_text(log);
  std::size_t start = text.size();
  for (std::size_t n = 0; n <= lines && start > 0;) {
    start = text.rfind('\n', start - 1);
    if (start == std::string::npos) {
      start = 0;
      break;
    }
    ++n;
  }
  const auto tail = text.substr(start == 0 ? 0 : start + 1);
  return tail.empty() ? "(no output)" : tail;
}

std::filesystem::path make_temporary_folder() {
  std::string pattern = (std::filesystem::temp_directory_path() / "orbweaver-chromium-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) fail(fmt::format("cannot create a temporary folder: {}", std::strerror(errno)));
  return pattern;
}

}  // namespace

// The browser's end, seen on the reactor: a pidfd becomes readable when the process exits.
struct process::watch {
  watch(asio::any_io_executor executor, int pid) : descriptor(executor) {
    const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (fd >= 0) descriptor.assign(fd);
  }
  asio::posix::stream_descriptor descriptor;
};

std::filesystem::path find_chromium() {
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"})
    if (auto found = find_program(name, {"/usr/bin", "/usr/lib/chromium"}); !found.empty()) return found;
  return {};
}

std::vector<std::string> chromium_arguments(const std::filesystem::path& user_data_dir,
                                            const std::vector<std::string>& extra_args) {
  // Nothing that reaches the network on its own (updates, sync, field trials, safe browsing),
  // no sandbox (containers and root have no user namespaces for it), no GPU.
  std::vector<std::string> args{
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--no-default-browser-check",
      "--disable-dev-shm-usage",  // containers give /dev/shm 64 MB: renderers would crash
      "--remote-debugging-address=127.0.0.1",
      "--remote-debugging-port=0",
      "--user-data-dir=" + user_data_dir.string(),
  };
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  args.emplace_back("about:blank");
  return args;
}

std::optional<std::string> websocket_url_from_active_port(const std::string& text) {
  std::istringstream lines(text);
  std::string port, path;
  if (!std::getline(lines, port) || !std::getline(lines, path)) return std::nullopt;
  if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos || !path.starts_with('/'))
    return std::nullopt;
  return fmt::format("ws://127.0.0.1:{}{}", port, path);
}

process::process(asio::any_io_executor executor, process_options options) : options_(std::move(options)) {
  if (options_.program.empty()) options_.program = find_chromium();
  if (options_.program.empty()) fail("chromium is not installed (no chromium in PATH)");
  folder_ = make_temporary_folder();
  std::filesystem::create_directory(folder_ / "profile");
  try {
    pid_ = spawn_child(options_.program, chromium_arguments(folder_ / "profile", options_.extra_args),
                       {.output = log_file()});
  } catch (const std::runtime_error& e) {
    std::error_code ignored;
    std::filesystem::remove_all(folder_, ignored);
    fail(e.what());
  }
  watch_ = std::make_unique<watch>(std::move(executor), pid_);
}

process::~process() {
  if (pid_ > 0) kill();
  std::error_code ignored;
  std::filesystem::remove_all(folder_, ignored);
}

child_exit process::kill() {
  // The group, and even after the browser's end: its helpers (zygote, renderers) may outlive it.
  ::kill(-pid_, SIGKILL);
  if (!exit_) exit_ = wait_child(pid_, 0ms);
  return *exit_;
}

std::optional<child_exit> process::exited() {
  if (!exit_) exit_ = poll_child(pid_);
  return exit_;
}

asio::awaitable<child_exit> process::wait_exit() {
  asio::steady_timer tick(co_await asio::this_coro::executor);
  while (!exited()) {
    if (watch_->descriptor.is_open()) {
      const auto [ec] = co_await watch_->descriptor.async_wait(asio::posix::descriptor_base::wait_read, nothrow);
      if (!ec) continue;
    }
    // No pidfd (a kernel before 5.3) or it failed: look every 50 ms.
    tick.expires_after(50ms);
    co_await tick.async_wait(nothrow);
  }
  co_return *exit_;
}

asio::awaitable<child_exit> process::stop() {
  if (exited()) co_return *exit_;
  ::kill(pid_, SIGTERM);
  asio::steady_timer deadline(co_await asio::this_coro::executor, options_.stop_grace);
  while (!exited() && deadline.expiry() > std::chrono::steady_clock::now()) {
    asio::steady_timer tick(co_await asio::this_coro::executor, 20ms);
    co_await tick.async_wait(nothrow);
  }
  co_return kill();
}

asio::awaitable<std::shared_ptr<process>> process::start(process_options options) {
  auto executor = co_await asio::this_coro::executor;
  std::shared_ptr<process> browser(new process(executor, std::move(options)));
  const auto active_port = browser->folder_ / "profile" / "DevToolsActivePort";
  const auto give_up = std::chrono::steady_clock::now() + browser->options_.start_timeout;
  asio::steady_timer tick(executor);
  for (;;) {
    if (auto url = websocket_url_from_active_port(read_text(active_port))) {
      browser->websocket_url_ = std::move(*url);
      co_return browser;
    }
    if (auto ended = browser->exited())
      fail(fmt::format("{} {} before listening for DevTools; its output ends with:\n{}",
                       browser->options_.program.string(), ended->describe(), output_tail(browser->log_file())));
    if (std::chrono::steady_clock::now() >= give_up)
      fail(fmt::format("{} did not listen for DevTools within {} ms; its output ends with:\n{}",
                       browser->options_.program.string(), browser->options_.start_timeout.count(),
                       output_tail(browser->log_file())));
    tick.expires_after(25ms);
    co_await tick.async_wait(nothrow);
  }
}

}  // namespace orbweaver::browser
