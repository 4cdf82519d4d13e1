// The acequia-agent command line, run as a user would run it.
#include <gtest/gtest.h>

#include "tests/support/process.h"
#include "tests/support/test_env.h"

namespace acequia::testing {
namespace {

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

CliRun RunAgent(const TempDir& dir, std::vector<std::string> args) {
  args.insert(args.begin(), AgentBinary());
  ChildProcess child(args, dir.path());
  child.Start();
  auto code = child.Wait(std::chrono::seconds(20));
  return {code.value_or(-1), child.Stdout(), child.Stderr()};
}

TEST(AgentCliTest, ValidateAcceptsTheQuickstartExample) {
  TempDir dir;
  CliRun run = RunAgent(
      dir, {"validate", std::string(ACEQUIA_SOURCE_DIR) + "/examples/flows/quickstart.yaml"});
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.out.find("valid Flow \"quickstart\""), std::string::npos) << run.out;
}

TEST(AgentCliTest, ValidateNamesEveryBadFieldAndExitsOne) {
  TempDir dir;
  WriteFile(dir / "bad.yaml", R"(apiVersion: acequia.io/v1alpha1
kind: Flow
metadata: {name: bad}
spec:
  sources:
    - {name: in, type: netcat, port: 7070, channels: [main], maxLineLenght: 10}
  channels:
    - {name: main, type: memory, keepAlive: soon}
  sinks:
    - {name: out, type: logger, channel: mian}
)");
  CliRun run = RunAgent(dir, {"validate", dir / "bad.yaml"});
  EXPECT_EQ(run.code, 1);
  EXPECT_NE(
      run.err.find("spec.sources[0].maxLineLenght: unknown property for source type \"netcat\""),
      std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("spec.channels[0].keepAlive: invalid duration \"soon\""),
            std::string::npos)
      << run.err;
}

TEST(AgentCliTest, RunRefusesAnInvalidConfigWithTheFieldPath) {
  TempDir dir;
  WriteFile(dir / "bad.yaml", R"(
sources: [{name: in, type: netcat, port: 7071, channels: [main]}]
channels: [{name: main, type: memory}]
sinks: [{name: out, type: logger, channel: missing}]
)");
  CliRun run = RunAgent(dir, {"--config", dir / "bad.yaml"});
  EXPECT_EQ(run.code, 1);
  EXPECT_NE(run.err.find("spec.sinks[0].channel: unknown channel \"missing\""), std::string::npos)
      << run.err;
}

TEST(AgentCliTest, UnknownFlagIsAUsageError) {
  TempDir dir;
  CliRun run = RunAgent(dir, {"--confgi", "x.yaml"});
  EXPECT_EQ(run.code, 2);
  EXPECT_NE(run.err.find("unknown argument \"--confgi\""), std::string::npos) << run.err;
}

}  // namespace
}  // namespace acequia::testing
