#include "sidecar/sources/exec_source.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "sidecar/core/registry.h"
#include "tests/support/process.h"
#include "tests/support/source_harness.h"
#include "tests/support/test_env.h"

namespace acequia::sidecar {
namespace {

using Clock = std::chrono::steady_clock;

class ExecSourceTest : public ::testing::Test {
 protected:
  // An exec source with `props` (YAML fields) writing to one memory channel.
  void StartSource(const std::string& props,
                   const std::string& channel = "capacity: 100000, transactionCapacity: 1000") {
    ASSERT_TRUE(harness_.Wire("name: ex, type: exec, " + props, channel));
    source_ = harness_.Started(std::make_unique<ExecSource>(
        harness_.source_config(), harness_.context(), harness_.processor()));
  }

  testing::TempDir dir_;
  testing::SourceHarness harness_;
  ExecSource* source_ = nullptr;  // owned by harness_
};

TEST_F(ExecSourceTest, EveryLineOfStdoutIsAnEventTheLastOneEvenWithoutNewline) {
  StartSource(R"(command: "printf 'alpha\nbeta\r\ngamma'", batchTimeout: 50ms)");
  EXPECT_EQ(harness_.Collect(3), (std::vector<std::string>{"alpha", "beta", "gamma"}));
  EXPECT_TRUE(testing::WaitFor([&] { return source_->child() == -1; }));
  EXPECT_EQ(source_->runs(), 1) << "no restart unless asked";
  EXPECT_EQ(harness_.metrics().accepted->Value(), 3);
}

TEST_F(ExecSourceTest, AnUnfinishedBatchIsCommittedAtBatchTimeout) {
  StartSource(R"(command: "echo first; exec sleep 30", batchSize: 100, batchTimeout: 100ms)");
  const auto started = Clock::now();
  EXPECT_EQ(harness_.Collect(1, std::chrono::seconds(3)), (std::vector<std::string>{"first"}));
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(2));
}

TEST_F(ExecSourceTest, RestartRunsTheCommandAgainAfterTheThrottle) {
  StartSource(R"(command: "echo run", restart: true, restartThrottle: 300ms, batchTimeout: 10ms)");
  const auto started = Clock::now();
  EXPECT_EQ(harness_.Collect(3, std::chrono::seconds(5)).size(), 3u);
  const auto took = Clock::now() - started;
  EXPECT_GE(took, std::chrono::milliseconds(550)) << "two throttled pauses between three runs";
  EXPECT_LT(took, std::chrono::seconds(3));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_LE(source_->runs(), 4);
}

TEST_F(ExecSourceTest, StopTerminatesTheCommand) {
  const std::string pid_file = dir_ / "pid";
  StartSource("command: \"echo $$ > " + pid_file + "; exec sleep 1000\"");
  const pid_t pid = testing::WaitForPidFile(pid_file);
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(testing::ProcessAlive(pid));
  const auto before = Clock::now();
  source_->Stop();
  EXPECT_LT(Clock::now() - before, std::chrono::seconds(2));
  EXPECT_FALSE(testing::ProcessAlive(pid));
}

TEST_F(ExecSourceTest, ACommandIgnoringSigtermGetsSigkillAfterStopTimeout) {
  const std::string pid_file = dir_ / "pid";
  StartSource("command: \"trap '' TERM; echo $$ > " + pid_file +
              "; while :; do sleep 0.05; done\", stopTimeout: 300ms");
  const pid_t pid = testing::WaitForPidFile(pid_file);
  ASSERT_GT(pid, 0);
  const auto before = Clock::now();
  source_->Stop();
  const auto took = Clock::now() - before;
  EXPECT_GE(took, std::chrono::milliseconds(250));
  EXPECT_LT(took, std::chrono::seconds(3));
  EXPECT_FALSE(testing::ProcessAlive(pid));
}

TEST_F(ExecSourceTest, AFullChannelBlocksTheCommandAndLosesNoLine) {
  const std::string pid_file = dir_ / "pid";
  // ~590 KB of output: far more than a pipe holds, so the command must wait for the source.
  StartSource("command: \"echo $$ > " + pid_file + "; seq 1 100000\", batchSize: 500",
              "capacity: 1000, transactionCapacity: 500, keepAlive: 100ms");
  const pid_t pid = testing::WaitForPidFile(pid_file);
  ASSERT_TRUE(testing::WaitFor([&] { return harness_.channel().Size() == 1000; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_TRUE(testing::ProcessAlive(pid)) << "the command is blocked writing, not finished";
  EXPECT_EQ(harness_.channel().Size(), 1000u);
  auto got = harness_.Collect(100000, std::chrono::seconds(60));
  ASSERT_EQ(got.size(), 100000u);
  for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], std::to_string(i + 1)) << i;
  EXPECT_TRUE(testing::WaitFor([&] { return !testing::ProcessAlive(pid); }));
}

TEST_F(ExecSourceTest, StderrIsLoggedNotTurnedIntoEvents) {
  StartSource(R"(command: "echo out; echo err >&2", logStdErr: true, batchTimeout: 10ms)");
  EXPECT_EQ(harness_.Collect(1), (std::vector<std::string>{"out"}));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(harness_.TakeBodies(10).empty());
}

TEST_F(ExecSourceTest, OverLongLinesAreRejectedAndTheirNeighboursKept) {
  StartSource(
      R"(command: "echo short; printf '%0300d\n' 0; echo after", maxLineLength: 100, batchTimeout: 10ms)");
  EXPECT_EQ(harness_.Collect(2), (std::vector<std::string>{"short", "after"}));
  EXPECT_EQ(harness_.metrics().rejected->Value(), 1);
}

TEST_F(ExecSourceTest, IsRegisteredAsExec) { EXPECT_NE(SourceRegistry().Find("exec"), nullptr); }

}  // namespace
}  // namespace acequia::sidecar
