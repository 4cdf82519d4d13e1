#include "sidecar/core/runner_thread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "tests/support/test_env.h"

namespace acequia::sidecar {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

TEST(RunnerThreadTest, StopCutsALongPauseShortAndTheLoopSeesIt) {
  RunnerThread runner;
  std::atomic<bool> paused{false};
  std::atomic<bool> pause_result{true};
  runner.Start([&] {
    paused = true;
    pause_result = runner.PauseUnlessStopped(std::chrono::hours(1));
  });
  ASSERT_TRUE(runner.running());
  ASSERT_TRUE(testing::WaitFor([&] { return paused.load(); }));
  const auto before = Clock::now();
  runner.Stop();
  EXPECT_LT(Clock::now() - before, std::chrono::seconds(5));
  EXPECT_FALSE(pause_result) << "a pause cut short by Stop says so";
  EXPECT_FALSE(runner.running());
}

TEST(RunnerThreadTest, APauseWithoutStopLastsItsTimeAndZeroIsAPlainCheck) {
  RunnerThread runner;
  EXPECT_TRUE(runner.PauseUnlessStopped(milliseconds(0)));
  const auto before = Clock::now();
  EXPECT_TRUE(runner.PauseUnlessStopped(milliseconds(50)));
  EXPECT_GE(Clock::now() - before, milliseconds(50));
}

TEST(RunnerThreadTest, TheLoopRunsRoundsUntilStoppedAndAgainAfterARestart) {
  RunnerThread runner;
  std::atomic<int> rounds{0};
  auto loop = [&] {
    while (runner.PauseUnlessStopped(milliseconds(1))) ++rounds;
  };
  runner.Start(loop);
  ASSERT_TRUE(testing::WaitFor([&] { return rounds >= 3; }));
  runner.Stop();
  const int after_stop = rounds;
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_EQ(rounds, after_stop) << "no round after Stop returned";
  EXPECT_FALSE(runner.PauseUnlessStopped(milliseconds(0))) << "stopped until the next Start";

  runner.Start(loop);  // Start clears the stop signal
  EXPECT_TRUE(testing::WaitFor([&] { return rounds >= after_stop + 3; }));
  runner.Stop();
}

TEST(RunnerThreadTest, StartWhileRunningStartsNoSecondLoop) {
  RunnerThread runner;
  std::atomic<int> loops{0};
  auto loop = [&] {
    ++loops;
    while (runner.PauseUnlessStopped(milliseconds(10))) {
    }
  };
  runner.Start(loop);
  runner.Start(loop);
  std::this_thread::sleep_for(milliseconds(50));
  runner.Stop();
  EXPECT_EQ(loops, 1);
}

TEST(RunnerThreadTest, StopBeforeStartAndTwiceIsHarmless) {
  RunnerThread runner;
  runner.Stop();
  EXPECT_FALSE(runner.running());
  std::atomic<bool> done{false};
  std::atomic<bool> not_stopped{false};
  runner.Start([&] {
    not_stopped = runner.PauseUnlessStopped(milliseconds(0));
    done = true;
  });
  ASSERT_TRUE(testing::WaitFor([&] { return done.load(); }));
  runner.Stop();
  runner.Stop();
  EXPECT_TRUE(not_stopped) << "a Stop before Start is not carried over to the loop";
}

TEST(RunnerThreadTest, ALoopThatEndsOnItsOwnIsJoinedByStop) {
  RunnerThread runner;
  std::atomic<bool> done{false};
  runner.Start([&] { done = true; });
  ASSERT_TRUE(testing::WaitFor([&] { return done.load(); }));
  EXPECT_TRUE(runner.running()) << "not joined yet";
  runner.Stop();
  EXPECT_FALSE(runner.running());
}

}  // namespace
}  // namespace acequia::sidecar
