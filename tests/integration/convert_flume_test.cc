// `acequia-agent convert-flume`, run as a user would: the manifest it writes runs through
// `validate`, problems are named with file and line on stderr, and the exit status says whether
// anything was dropped.
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

const std::string kTestData = std::string(ACEQUIA_SOURCE_DIR) + "/tests/testdata/flume/";

TEST(ConvertFlumeCliTest, WritesAManifestThatValidateAccepts) {
  TempDir dir;
  CliRun run = RunAgent(
      dir, {"convert-flume", kTestData + "spooldir_file_roll.properties", "-o", dir / "flow.yaml"});
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  EXPECT_EQ(ReadFile(dir / "flow.yaml"), ReadFile(kTestData + "spooldir_file_roll.yaml"));
  CliRun validate = RunAgent(dir, {"validate", dir / "flow.yaml"});
  EXPECT_EQ(validate.code, 0) << validate.err;
  EXPECT_NE(validate.out.find("valid Flow \"agent\""), std::string::npos) << validate.out;
}

TEST(ConvertFlumeCliTest, PrintsToStdoutWithoutOutputFile) {
  TempDir dir;
  CliRun run = RunAgent(dir, {"convert-flume", kTestData + "netcat_logger.properties"});
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out, ReadFile(kTestData + "netcat_logger.yaml"));
}

TEST(ConvertFlumeCliTest, NamesEverythingDroppedWithItsLineAndExitsOne) {
  TempDir dir;
  const std::string file = kTestData + "unsupported.properties";
  CliRun run = RunAgent(dir, {"convert-flume", file, "-o", dir / "flow.yaml"});
  EXPECT_EQ(run.code, 1);
  EXPECT_NE(run.err.find(file + ":12: a1.sources.r2.type: unsupported source type \"kafka\""),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find(file + ":18: a1.sinks.k1.hdfs.kerberosPrincipal: unsupported property "
                                "of sink hdfs"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find(file + ":28: a1.channels.c1.maxSize: unsupported property of channel "
                                "memory"),
            std::string::npos)
      << run.err;
  // The validator's verdict on what was written, traced back to the Flume key.
  EXPECT_NE(run.err.find(file + ":4: a1.sinks: invalid Flow: at least one sink is required "
                                "(spec.sinks)"),
            std::string::npos)
      << run.err;
  // What could be converted is written all the same.
  EXPECT_NE(ReadFile(dir / "flow.yaml").find("port: 6666"), std::string::npos);
}

TEST(ConvertFlumeCliTest, ChoosesTheAgentAndRefusesToGuess) {
  TempDir dir;
  WriteFile(dir / "two.properties", R"(a1.sources = r1
a1.channels = c1
a1.sinks = k1
a1.sources.r1.type = seq
a1.sources.r1.channels = c1
a1.channels.c1.type = memory
a1.sinks.k1.type = null
a1.sinks.k1.channel = c1
b2.sources = s
b2.sources.s.type = seq
)");
  CliRun guess = RunAgent(dir, {"convert-flume", dir / "two.properties"});
  EXPECT_EQ(guess.code, 2);
  EXPECT_NE(guess.err.find("several agents (a1, b2): choose one with --agent"), std::string::npos)
      << guess.err;
  CliRun chosen = RunAgent(dir, {"convert-flume", dir / "two.properties", "--agent", "a1"});
  EXPECT_EQ(chosen.code, 0) << chosen.err;
  EXPECT_NE(chosen.out.find("  name: a1\n"), std::string::npos) << chosen.out;
}

TEST(ConvertFlumeCliTest, UsageErrorsExitTwo) {
  TempDir dir;
  EXPECT_EQ(RunAgent(dir, {"convert-flume"}).code, 2);
  EXPECT_EQ(RunAgent(dir, {"convert-flume", dir / "missing.properties"}).code, 2);
  CliRun bad = RunAgent(dir, {"convert-flume", "x.properties", "--agnet", "a1"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("unknown argument \"--agnet\""), std::string::npos) << bad.err;
}

TEST(ConvertFlumeCliTest, HelpListsTheCommand) {
  TempDir dir;
  CliRun help = RunAgent(dir, {"--help"});
  EXPECT_NE(help.out.find("convert-flume FILE [--agent NAME] [-o OUT]"), std::string::npos);
}

}  // namespace
}  // namespace acequia::testing
