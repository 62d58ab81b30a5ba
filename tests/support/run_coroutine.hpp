#pragma once
// Runs a test's coroutine on its reactor until the coroutine ends (coroutines it started, such as
// a Redis client's reader, may still wait there), and rethrows what it threw.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <exception>

namespace orbweaver::testing {

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

}  // namespace orbweaver::testing
