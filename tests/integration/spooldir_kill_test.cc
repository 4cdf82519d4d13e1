// The spooldir source with the real agent: kill -9 in the middle of a file, restart, and every
// line reaches the sink exactly once; completed files are renamed only after their last commit.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <map>

#include "tests/support/agent_fixture.h"
#include "tests/support/test_env.h"

namespace acequia::testing {
namespace {

namespace fs = std::filesystem;

std::string SpoolFlow(const std::string& root) {
  return R"(apiVersion: acequia.io/v1alpha1
kind: Flow
metadata: {name: spool}
spec:
  sources:
    - {name: files, type: spooldir, spoolDir: ")" +
         root + R"(/spool", batchSize: 100, pollDelay: 50ms, channels: [disk]}
  channels:
    - {name: disk, type: file, checkpointDir: ")" +
         root + R"(/checkpoint", dataDirs: [")" + root +
         R"(/data"], capacity: 300, transactionCapacity: 100, checkpointInterval: 1s,
       minimumRequiredSpace: 0, keepAlive: 100ms}
  sinks:
    - {name: out, type: file_roll, channel: disk, directory: ")" +
         root + R"(/out", rollInterval: 0, batchSize: 100}
  metrics: {port: {metrics_port}}
)";
}

std::string Numbered(const std::string& prefix, int count) {
  std::string text;
  for (int i = 0; i < count; ++i) text += prefix + std::to_string(i) + "\n";
  return text;
}

// Writes a file beside the spool directory and renames it in, as producers must.
void Drop(const std::string& root, const std::string& name, const std::string& content) {
  WriteFile(root + "/" + name, content);
  fs::rename(root + "/" + name, root + "/spool/" + name);
}

TEST(SpoolDirKillTest, Kill9MidFileThenRestartDeliversEveryLineExactlyOnce) {
  AgentFixture agent;
  const std::string root = agent.dir() / "sd";
  fs::create_directories(root + "/spool");
  Drop(root, "a.log", Numbered("a-", 1000));
  Drop(root, "b.log", Numbered("b-", 500));
  // The sink cannot write (its directory is a file), so the channel fills and the source stops
  // in the middle of a.log with 300 lines committed.
  WriteFile(root + "/out", "not a directory");
  agent.WriteConfig(SpoolFlow(root));
  ASSERT_TRUE(agent.Start()) << agent.Log();
  const std::string progress = root + "/spool/.flumespool/progress.json";
  ASSERT_TRUE(WaitFor([&] { return agent.Metric("acequia_channel_size") == 300; }))
      << agent.Metrics() << agent.Log();
  ASSERT_TRUE(WaitFor([&] {
    const std::string offset = std::to_string(Numbered("a-", 300).size());
    return ReadFile(progress).find("\"offset\":" + offset) != std::string::npos;
  })) << ReadFile(progress);
  agent.process()->Signal(SIGKILL);
  ASSERT_TRUE(agent.process()->Wait(std::chrono::seconds(10)).has_value());
  EXPECT_TRUE(fs::exists(root + "/spool/a.log")) << "not completed: 700 lines are not committed";
  EXPECT_FALSE(fs::exists(root + "/spool/a.log.COMPLETED"));

  fs::remove(root + "/out");
  ASSERT_TRUE(agent.Start()) << agent.Log();
  EXPECT_NE(agent.Log().find("continuing " + root + "/spool/a.log at offset"), std::string::npos)
      << agent.Log();
  ASSERT_TRUE(WaitFor(
      [&] {
        return fs::exists(root + "/spool/a.log.COMPLETED") &&
               fs::exists(root + "/spool/b.log.COMPLETED") &&
               agent.Metric("acequia_channel_size") == 0;
      },
      std::chrono::seconds(30)))
      << agent.Log();
  ASSERT_EQ(agent.Terminate(), 0) << agent.Log();

  std::map<std::string, int> seen;
  for (const auto& line : ReadLinesUnder(root + "/out", [](const std::string&) { return true; })) {
    ++seen[line];
  }
  EXPECT_EQ(seen.size(), 1500u);
  int duplicates = 0;
  for (const auto& [line, count] : seen) duplicates += count - 1;
  EXPECT_EQ(duplicates, 0);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(seen.count("a-" + std::to_string(i)), 1u) << i;
  for (int i = 0; i < 500; ++i) EXPECT_EQ(seen.count("b-" + std::to_string(i)), 1u) << i;
  EXPECT_FALSE(fs::exists(progress)) << "no file in progress";
}

}  // namespace
}  // namespace acequia::testing
