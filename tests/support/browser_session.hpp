#pragma once
// Coroutine tests with a headless Chromium of their own (framework/src/browser): started before
// the body, closed after it whatever the body did.
#include "browser/chromium.hpp"
#include "run_coroutine.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>

namespace orbweaver::testing {

// Runs `body(chromium&)`, a coroutine, on `io` with a fresh browser; rethrows what it threw.
template <class Body>
void run_with_browser(boost::asio::io_context& io, Body body) {
  auto session = [&]() -> boost::asio::awaitable<void> {
    auto browser = co_await browser::chromium::launch();
    std::exception_ptr failure;
    try {
      co_await body(*browser);
    } catch (...) {
      failure = std::current_exception();
    }
    co_await browser->close();
    if (failure) std::rethrow_exception(failure);
  };
  run(io, session());
}

}  // namespace orbweaver::testing
