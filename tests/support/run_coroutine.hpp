#pragma once
// Coroutine tests on a reactor of their own: run one to its end, sleep inside one.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <exception>

namespace orbweaver::testing {

// Runs `body` on the reactor until it ends (coroutines it started, such as a Redis client's
// reader, may still wait there); rethrows what it threw.
inline void run(boost::asio::io_context& io, boost::asio::awaitable<void> body) {
  std::exception_ptr failure;
  bool finished = false;
  boost::asio::co_spawn(io, std::move(body), [&](std::exception_ptr e) {
    failure = e;
    finished = true;
    io.stop();
  });
  io.restart();
  io.run();
  ASSERT_TRUE(finished);
  if (failure) std::rethrow_exception(failure);
}

inline boost::asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, d);
  co_await timer.async_wait(boost::asio::use_awaitable);
}

}  // namespace orbweaver::testing
