// End-to-end: the real acequia-agent with a failover group of two http sinks whose receivers (real
// HTTP servers in the test) go down and come back.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "tests/sidecar/sinks/http_sink_receiver.h"
#include "tests/support/agent_fixture.h"
#include "tests/support/net_client.h"
#include "tests/support/test_env.h"

namespace acequia::testing {
namespace {

std::string Events(int from, int count) {
  std::string body;
  for (int i = from; i < from + count; ++i) body += "event " + std::to_string(i) + "\n";
  return body;
}

TEST(SinkGroupIntegrationTest, FailoverMovesToTheSpareAndBackWithoutLosingAnEvent) {
  HttpReceiver primary, spare;
  ASSERT_TRUE(primary.Start());
  ASSERT_TRUE(spare.Start());
  AgentFixture agent;
  const int port = FreePort();
  agent.WriteConfig(R"(
sources: [{name: web, type: http, bind: 127.0.0.1, port: )" +
                    std::to_string(port) + R"(, channels: [errors]}]
channels: [{name: errors, type: memory}]
sinks:
  - {name: alert, type: http, channel: errors, endpoint: ")" +
                    primary.url() + R"(", connectTimeout: 1s}
  - {name: alert-spare, type: http, channel: errors, endpoint: ")" +
                    spare.url() + R"(", connectTimeout: 1s}
sinkGroups:
  - {name: alerting, sinks: [alert, alert-spare],
     processor: {type: failover, priority: {alert: 10, alert-spare: 5}, maxpenalty: 1s}}
metrics: {port: {metrics_port}}
)");
  ASSERT_TRUE(agent.Start()) << agent.Log();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  auto active = [&](const std::string& sink) {
    return agent.Metric("acequia_sink_group_active_sink", {"sink=\"" + sink + "\""});
  };

  ASSERT_EQ(HttpPost(url, Events(0, 50), "text/plain").status, 200);
  ASSERT_TRUE(WaitFor([&] { return primary.AcceptedBodies().size() == 50; }));
  EXPECT_TRUE(WaitFor([&] { return active("alert") == 1; })) << agent.Metrics();

  primary.Stop();
  ASSERT_EQ(HttpPost(url, Events(50, 50), "text/plain").status, 200);
  ASSERT_TRUE(WaitFor([&] { return spare.AcceptedBodies().size() == 50; })) << agent.Metrics();
  EXPECT_TRUE(WaitFor([&] { return active("alert-spare") == 1; })) << agent.Metrics();
  EXPECT_EQ(active("alert"), 0);
  EXPECT_GE(agent.Metric("acequia_sink_connection_failures_total", {"component=\"alert\""}), 1)
      << "the dead receiver refuses connections";
  EXPECT_GE(agent.Metric("acequia_sink_group_failovers_total", {"component=\"alerting\""}), 1);

  ASSERT_TRUE(primary.Start());
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // maxpenalty
  ASSERT_EQ(HttpPost(url, Events(100, 50), "text/plain").status, 200);
  ASSERT_TRUE(WaitFor([&] { return primary.AcceptedBodies().size() == 100; })) << agent.Metrics();
  EXPECT_TRUE(WaitFor([&] { return active("alert") == 1; })) << agent.Metrics();
  ASSERT_EQ(agent.Terminate(), 0) << agent.Log();

  std::multiset<std::string> all;
  for (const auto* r : {&primary, &spare}) {
    for (const auto& b : r->AcceptedBodies()) all.insert(b);
  }
  ASSERT_EQ(all.size(), 150u);
  for (int i = 0; i < 150; ++i) EXPECT_EQ(all.count("event " + std::to_string(i)), 1u) << i;
  EXPECT_EQ(spare.AcceptedBodies().size(), 50u);
}

}  // namespace
}  // namespace acequia::testing
