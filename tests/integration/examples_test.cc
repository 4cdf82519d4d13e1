// Every example under examples/ is exercised: validated, and run end to end where it can be.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/agent_fixture.h"
#include "tests/support/net_client.h"
#include "tests/support/process.h"
#include "tests/support/test_env.h"

namespace acequia::testing {
namespace {

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "the example no longer contains " << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(ExamplesTest, EveryFlowExampleValidates) {
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(ACEQUIA_SOURCE_DIR) + "/examples/flows")) {
    TempDir dir;
    ChildProcess validate({AgentBinary(), "validate", entry.path().string()}, dir.path());
    validate.Start();
    EXPECT_EQ(validate.Wait(std::chrono::seconds(20)), 0) << entry.path() << ":\n"
                                                          << validate.Stderr();
  }
}

TEST(ExamplesTest, QuickstartRunsAsDocumented) {
  // The quickstart as shipped, moved to free ports and a private directory.
  std::string config =
      ReadFile(std::string(ACEQUIA_SOURCE_DIR) + "/examples/flows/quickstart.yaml");
  AgentFixture agent;
  const int http_port = FreePort();
  const int nc_port = FreePort();
  config = Replace(config, "port: 8080", "port: " + std::to_string(http_port));
  config = Replace(config, "port: 6666", "port: " + std::to_string(nc_port));
  config = Replace(config, "port: 9464", "port: {metrics_port}");
  config = Replace(config, "/tmp/acequia-quickstart", agent.dir() / "out");
  agent.WriteConfig(config);
  ASSERT_TRUE(agent.Start()) << agent.Log();

  auto response =
      HttpPost("http://127.0.0.1:" + std::to_string(http_port),
               R"([{"headers": {"level": "info"}, "body": "hello"}])", "application/json");
  EXPECT_EQ(response.status, 200) << response.body;
  TcpClient client(nc_port);
  ASSERT_TRUE(client.Send("hello from netcat\n"));
  EXPECT_EQ(client.ReadLine(), "OK");
  ASSERT_TRUE(WaitFor([&] {
    return agent.Metric("acequia_sink_events_drained_total", {"component=\"archive\""}) == 2 &&
           agent.Metric("acequia_sink_events_drained_total", {"component=\"console\""}) == 2;
  })) << agent.Metrics();
  ASSERT_EQ(agent.Terminate(), 0) << agent.Log();
  auto lines = ReadLinesUnder(agent.dir() / "out", [](const std::string&) { return true; });
  EXPECT_EQ(lines, (std::vector<std::string>{"hello", "hello from netcat"}));
  EXPECT_NE(agent.Log().find("via=netcat"), std::string::npos) << agent.Log();
}

}  // namespace
}  // namespace acequia::testing
