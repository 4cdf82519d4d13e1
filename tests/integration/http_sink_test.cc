// End-to-end: the real acequia-agent delivering through its http sink to a real HTTP server, and
// two agents chained by http sink → http source.
#include <gtest/gtest.h>

#include <set>

#include "tests/sidecar/sinks/http_sink_receiver.h"
#include "tests/support/agent_fixture.h"
#include "tests/support/net_client.h"
#include "tests/support/test_env.h"

namespace acequia::testing {
namespace {

std::string HttpToHttp(int http_port, const std::string& endpoint, const std::string& extra = "") {
  return R"(
sources: [{name: web, type: http, bind: 127.0.0.1, port: )" +
         std::to_string(http_port) + R"(, channels: [c]}]
channels: [{name: c, type: memory, capacity: 10000, transactionCapacity: 1000}]
sinks: [{name: out, type: http, channel: c, endpoint: ")" +
         endpoint + R"(", batchSize: 50)" + extra + R"(}]
metrics: {port: {metrics_port}}
)";
}

std::string JsonEvents(int from, int count) {
  std::string body = "[";
  for (int i = from; i < from + count; ++i) {
    body += std::string(i > from ? "," : "") + R"({"headers": {"n": ")" + std::to_string(i) +
            R"("}, "body": "event )" + std::to_string(i) + R"("})";
  }
  return body + "]";
}

TEST(HttpSinkIntegrationTest, DeliversToAnEndpointThatGoesDownAndComesBackWithoutLoss) {
  HttpReceiver receiver;
  ASSERT_TRUE(receiver.Start());
  AgentFixture agent;
  const int port = FreePort();
  agent.WriteConfig(HttpToHttp(port, receiver.url()));
  ASSERT_TRUE(agent.Start()) << agent.Log();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";

  ASSERT_EQ(HttpPost(url, JsonEvents(0, 100), "application/json").status, 200);
  ASSERT_TRUE(WaitFor([&] { return receiver.AcceptedBodies().size() == 100; }));

  receiver.Stop();
  ASSERT_EQ(HttpPost(url, JsonEvents(100, 100), "application/json").status, 200);
  ASSERT_TRUE(WaitFor([&] {
    return agent.Metric("acequia_sink_connection_failures_total", {"component=\"out\""}) >= 1;
  })) << agent.Metrics();
  EXPECT_EQ(agent.Metric("acequia_channel_size", {"component=\"c\""}), 100);
  receiver.SetStatus(500);
  ASSERT_TRUE(receiver.Start()) << receiver.last_error();
  ASSERT_TRUE(WaitFor([&] { return receiver.requests().size() >= 3; }));
  EXPECT_EQ(agent.Metric("acequia_sink_events_drained_total", {"component=\"out\""}), 100)
      << "a 500 commits nothing";
  receiver.SetStatus(200);
  ASSERT_TRUE(WaitFor([&] {
    return agent.Metric("acequia_sink_events_drained_total", {"component=\"out\""}) == 200;
  })) << agent.Metrics();
  EXPECT_GE(agent.Metric("acequia_sink_rollbacks_total", {"component=\"out\""}), 2);
  ASSERT_EQ(agent.Terminate(), 0) << agent.Log();

  auto bodies = receiver.AcceptedBodies();
  EXPECT_EQ(bodies.size(), 200u);
  EXPECT_EQ(std::set<std::string>(bodies.begin(), bodies.end()).size(), 200u);
  auto first = nlohmann::json::parse(receiver.requests().front().body);
  EXPECT_EQ(first[0]["headers"]["n"], "0") << "headers travel with the events";
}

TEST(HttpSinkIntegrationTest, ABadRequestConfiguredToDropIsCountedAndTheTokenIsNeverLogged) {
  HttpReceiver receiver;
  ASSERT_TRUE(receiver.Start());
  receiver.SetStatus(400);
  AgentFixture agent;
  const int port = FreePort();
  WriteFile(agent.dir() / "token", "s3cr3t-t0ken");
  agent.WriteConfig(HttpToHttp(
      port, receiver.url(),
      ", rollback: {\"400\": false}, bearerTokenFile: \"" + agent.dir() / "token" + "\""));
  ASSERT_TRUE(agent.Start()) << agent.Log();
  ASSERT_EQ(HttpPost("http://127.0.0.1:" + std::to_string(port) + "/", JsonEvents(0, 10),
                     "application/json")
                .status,
            200);
  ASSERT_TRUE(WaitFor([&] {
    return agent.Metric("acequia_sink_events_dropped_total", {"component=\"out\""}) == 10;
  })) << agent.Metrics();
  EXPECT_EQ(agent.Metric("acequia_channel_size", {"component=\"c\""}), 0);
  EXPECT_EQ(agent.Metric("acequia_sink_events_drained_total", {"component=\"out\""}), 0);
  EXPECT_EQ(receiver.requests().front().Header("Authorization"), "Bearer s3cr3t-t0ken");
  ASSERT_EQ(agent.Terminate(), 0);
  EXPECT_NE(agent.Log().find("dropped 10 events"), std::string::npos) << agent.Log();
  EXPECT_EQ(agent.Log().find("s3cr3t"), std::string::npos) << "the token leaked into the log";
}

TEST(HttpSinkIntegrationTest, TwoAgentsChainedThroughHttpKeepEveryEventOnce) {
  AgentFixture downstream;
  const int down_port = FreePort();
  const std::string out = downstream.dir() / "out";
  downstream.WriteConfig(R"(
sources: [{name: web, type: http, bind: 127.0.0.1, port: )" +
                         std::to_string(down_port) + R"(, channels: [c]}]
channels: [{name: c, type: memory, capacity: 10000, transactionCapacity: 1000}]
sinks: [{name: files, type: file_roll, channel: c, directory: ")" +
                         out + R"(", rollInterval: 0}]
metrics: {port: {metrics_port}}
)");
  ASSERT_TRUE(downstream.Start()) << downstream.Log();
  AgentFixture upstream;
  const int up_port = FreePort();
  upstream.WriteConfig(HttpToHttp(up_port, "http://127.0.0.1:" + std::to_string(down_port) + "/"));
  ASSERT_TRUE(upstream.Start()) << upstream.Log();
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(HttpPost("http://127.0.0.1:" + std::to_string(up_port) + "/",
                       JsonEvents(i * 100, 100), "application/json")
                  .status,
              200);
  }
  ASSERT_TRUE(WaitFor([&] {
    return downstream.Metric("acequia_sink_events_drained_total", {"component=\"files\""}) == 500;
  })) << upstream.Metrics();
  ASSERT_EQ(upstream.Terminate(), 0);
  ASSERT_EQ(downstream.Terminate(), 0);
  auto lines = ReadLinesUnder(out, [](const std::string&) { return true; });
  ASSERT_EQ(lines.size(), 500u);
  EXPECT_EQ(lines.front(), "event 0");
  EXPECT_EQ(lines.back(), "event 499");
}

}  // namespace
}  // namespace acequia::testing
