#include "sidecar/core/io_thread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "tests/support/test_env.h"

namespace acequia::sidecar {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

TEST(IoThreadTest, HandlersRunOnItsThreadAndStopEndsThemThroughTheClosingFunction) {
  IoThread io;
  asio::steady_timer timer(io.context());
  timer.expires_after(std::chrono::hours(1));
  std::atomic<bool> timer_done{false};
  boost::system::error_code timer_ec;
  timer.async_wait([&](boost::system::error_code ec) {
    timer_ec = ec;
    timer_done = true;
  });
  io.Start();
  ASSERT_TRUE(io.running());

  std::atomic<bool> posted{false};
  std::thread::id handler_thread;
  asio::post(io.context(), [&] {
    handler_thread = std::this_thread::get_id();
    posted = true;
  });
  ASSERT_TRUE(testing::WaitFor([&] { return posted.load(); }));
  EXPECT_NE(handler_thread, std::this_thread::get_id());

  std::thread::id close_thread;
  const auto before = Clock::now();
  io.Stop([&] {
    close_thread = std::this_thread::get_id();
    timer.cancel();
  });
  EXPECT_LT(Clock::now() - before, std::chrono::seconds(5)) << "the hour-long timer was cancelled";
  EXPECT_EQ(close_thread, handler_thread) << "the closing function runs on the I/O thread";
  EXPECT_TRUE(timer_done) << "its handler ran before Stop returned";
  EXPECT_EQ(timer_ec, asio::error::operation_aborted);
  EXPECT_FALSE(io.running());
}

TEST(IoThreadTest, StopWaitsForTheHandlersTheClosingStarted) {
  IoThread io;
  asio::steady_timer timer(io.context());
  timer.expires_after(std::chrono::hours(1));
  timer.async_wait([](boost::system::error_code) {});
  io.Start();
  std::atomic<bool> last{false};
  io.Stop([&] {
    timer.cancel();
    asio::post(io.context(), [&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      last = true;
    });
  });
  EXPECT_TRUE(last) << "no handler runs after Stop returned";
}

TEST(IoThreadTest, StopWithoutStartRunsNothing) {
  IoThread io;
  bool closed = false;
  io.Stop([&] { closed = true; });
  EXPECT_FALSE(closed);
  EXPECT_FALSE(io.running());
}

}  // namespace
}  // namespace acequia::sidecar
