// The exec source with the real agent: the command's lines reach the sink, and the command does
// not outlive the agent — neither a clean shutdown (SIGTERM) nor kill -9.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <string>

#include "tests/support/agent_fixture.h"
#include "tests/support/process.h"
#include "tests/support/test_env.h"

namespace acequia::testing {
namespace {

std::string ExecFlow(const std::string& root) {
  return R"(apiVersion: acequia.io/v1alpha1
kind: Flow
metadata: {name: exec}
spec:
  sources:
    - name: ticks
      type: exec
      command: "echo $$ > )" +
         root + R"(/pid; while :; do echo tick; sleep 0.02; done"
      batchSize: 10
      batchTimeout: 50ms
      channels: [main]
  channels:
    - {name: main, type: memory}
  sinks:
    - {name: out, type: file_roll, channel: main, directory: ")" +
         root + R"(/out", rollInterval: 0, batchSize: 10}
  metrics: {port: {metrics_port}}
)";
}

size_t Ticks(const std::string& root) {
  return ReadLinesUnder(root + "/out", [](const std::string&) { return true; }).size();
}

TEST(ExecAgentTest, LinesArriveAndShutdownEndsTheCommand) {
  AgentFixture agent;
  const std::string root = agent.dir().path();
  agent.WriteConfig(ExecFlow(root));
  ASSERT_TRUE(agent.Start()) << agent.Log();
  const pid_t pid = WaitForPidFile(root + "/pid");
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(WaitFor([&] { return Ticks(root) >= 20; })) << agent.Log();
  EXPECT_TRUE(ProcessAlive(pid));
  ASSERT_EQ(agent.Terminate(), 0) << agent.Log();
  EXPECT_TRUE(WaitFor([&] { return !ProcessAlive(pid); }, std::chrono::seconds(5)));
  EXPECT_NE(agent.Log().find("was killed by signal 15"), std::string::npos) << agent.Log();
}

TEST(ExecAgentTest, TheCommandDiesWithAKilledAgent) {
  AgentFixture agent;
  const std::string root = agent.dir().path();
  agent.WriteConfig(ExecFlow(root));
  ASSERT_TRUE(agent.Start()) << agent.Log();
  const pid_t pid = WaitForPidFile(root + "/pid");
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(WaitFor([&] { return Ticks(root) >= 5; })) << agent.Log();
  agent.process()->Signal(SIGKILL);
  ASSERT_TRUE(agent.process()->Wait(std::chrono::seconds(10)).has_value());
  EXPECT_TRUE(WaitFor([&] { return !ProcessAlive(pid); }, std::chrono::seconds(5)))
      << "the parent-death signal ends the command";
}

}  // namespace
}  // namespace acequia::testing
