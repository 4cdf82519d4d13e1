// Sink groups inside a running flow: http sinks in failover and load_balance groups whose
// receivers (real HTTP servers on loopback) go down and come back, and hot reload of groups.
#include <gtest/gtest.h>

#include <set>

#include "sidecar/core/flow_runtime.h"
#include "tests/sidecar/sinks/http_sink_receiver.h"
#include "tests/support/net_client.h"
#include "tests/support/test_env.h"

namespace acequia::sidecar {
namespace {

using testing::HttpReceiver;
using testing::TcpClient;
using testing::WaitFor;

api::Flow Parse(const std::string& yaml) {
  auto parsed = api::ParseFlow(yaml, "group-test");
  EXPECT_TRUE(parsed.flow) << api::JoinErrors(parsed.errors) << "\n" << yaml;
  return *parsed.flow;
}

std::string HttpSinkYaml(const std::string& name, const HttpReceiver& receiver) {
  return "{name: " + name + ", type: http, channel: buffer, batchSize: 5, endpoint: \"" +
         receiver.url() + "\", connectTimeout: 1s, requestTimeout: 2s}";
}

std::string FlowYaml(int port, const std::vector<std::string>& sinks, const std::string& groups,
                     const std::string& extra_sinks = "") {
  std::string yaml =
      "sources: [{name: in, type: netcat, bind: 127.0.0.1, port: " + std::to_string(port) +
      ", channels: [buffer], batchSize: 10}]\n"
      "channels: [{name: buffer, type: memory, capacity: 10000, "
      "transactionCapacity: 100}]\n"
      "sinks: [";
  for (size_t i = 0; i < sinks.size(); ++i) yaml += (i ? ", " : "") + sinks[i];
  yaml += extra_sinks + "]\n";
  if (!groups.empty()) yaml += "sinkGroups: [" + groups + "]\n";
  return yaml;
}

std::vector<std::string> Lines(int from, int count) {
  std::vector<std::string> out;
  for (int i = from; i < from + count; ++i) out.push_back("event " + std::to_string(i));
  return out;
}

class SinkGroupFlowTest : public ::testing::Test {
 protected:
  void Send(int from, int count) {
    TcpClient client(port_);
    std::string lines;
    for (const auto& l : Lines(from, count)) lines += l + "\n";
    ASSERT_TRUE(client.Send(lines));
    for (int i = 0; i < count; ++i) ASSERT_EQ(client.ReadLine(), "OK");
  }
  static std::multiset<std::string> Accepted(const std::vector<const HttpReceiver*>& receivers) {
    std::multiset<std::string> all;
    for (const auto* r : receivers) {
      for (const auto& b : r->AcceptedBodies()) all.insert(b);
    }
    return all;
  }
  static std::multiset<std::string> Expected(int count) {
    auto lines = Lines(0, count);
    return {lines.begin(), lines.end()};
  }

  int port_ = testing::FreePort();
  AgentMetrics metrics_{"group-test"};
  FlowRuntime runtime_{metrics_, std::chrono::seconds(10)};
};

TEST_F(SinkGroupFlowTest, FailoverSendsToTheSpareWhileThePrimaryIsDownAndBackAfterMaxPenalty) {
  HttpReceiver primary, spare;
  ASSERT_TRUE(primary.Start());
  ASSERT_TRUE(spare.Start());
  ASSERT_TRUE(runtime_
                  .Start(Parse(FlowYaml(
                      port_, {HttpSinkYaml("primary", primary), HttpSinkYaml("spare", spare)},
                      "{name: alerting, sinks: [primary, spare], processor: {type: failover, "
                      "priority: {primary: 10, spare: 5}, maxpenalty: 1s}}")))
                  .ok());
  Send(0, 20);
  ASSERT_TRUE(WaitFor([&] { return primary.AcceptedBodies().size() == 20; }));
  EXPECT_TRUE(spare.requests().empty());

  primary.Stop();  // the primary's downstream dies
  Send(20, 20);
  ASSERT_TRUE(WaitFor([&] { return spare.AcceptedBodies().size() == 20; }));
  EXPECT_EQ(primary.AcceptedBodies().size(), 20u);
  auto group = metrics_.ForSinkGroup("alerting", "failover", {"primary", "spare"});
  EXPECT_TRUE(WaitFor([&] { return group.active_sink[1]->Value() == 1; }));
  EXPECT_EQ(group.active_sink[0]->Value(), 0);
  EXPECT_GE(group.failovers->Value(), 1);

  ASSERT_TRUE(primary.Start());                                  // and comes back
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // maxpenalty
  Send(40, 20);
  ASSERT_TRUE(WaitFor([&] { return primary.AcceptedBodies().size() == 40; }))
      << "primary requests " << primary.requests().size() << ", spare accepted "
      << spare.AcceptedBodies().size() << ", primary failures "
      << metrics_.ForSink("primary", "http").rollbacks->Value();
  runtime_.Stop();
  EXPECT_EQ(spare.AcceptedBodies().size(), 20u) << "back on the primary after maxpenalty";
  EXPECT_EQ(Accepted({&primary, &spare}), Expected(60)) << "nothing lost, nothing twice";
  EXPECT_GE(metrics_.ForSink("primary", "http").rollbacks->Value(), 1);
  EXPECT_GE(metrics_.ForSink("primary", "http").connection_failures->Value(), 1)
      << "the stopped receiver dropped its connections and refused new ones";
  EXPECT_EQ(metrics_.ForSink("spare", "http").rollbacks->Value(), 0);
}

TEST_F(SinkGroupFlowTest, RoundRobinSpreadsOverThreeSinksAndSkipsADeadOne) {
  HttpReceiver a, b, c;
  for (auto* r : {&a, &b, &c}) ASSERT_TRUE(r->Start());
  ASSERT_TRUE(runtime_
                  .Start(Parse(FlowYaml(
                      port_, {HttpSinkYaml("a", a), HttpSinkYaml("b", b), HttpSinkYaml("c", c)},
                      "{name: spread, sinks: [a, b, c], processor: {type: load_balance, "
                      "selector: round_robin, backoff: true, maxTimeOut: 30s}}")))
                  .ok());
  for (int i = 0; i < 6; ++i) {
    Send(i * 5, 5);  // one batch at a time, so each goes to the next sink
    ASSERT_TRUE(WaitFor([&] { return Accepted({&a, &b, &c}).size() == size_t(i + 1) * 5; }));
  }
  EXPECT_EQ(a.AcceptedBodies().size(), 10u);
  EXPECT_EQ(b.AcceptedBodies().size(), 10u);
  EXPECT_EQ(c.AcceptedBodies().size(), 10u);

  b.Stop();
  for (int i = 6; i < 12; ++i) {
    Send(i * 5, 5);
    ASSERT_TRUE(WaitFor([&] { return Accepted({&a, &c}).size() + 10 == size_t(i + 1) * 5; }));
  }
  runtime_.Stop();
  EXPECT_EQ(b.AcceptedBodies().size(), 10u) << "the dead sink is skipped";
  EXPECT_GE(a.AcceptedBodies().size(), 20u);
  EXPECT_GE(c.AcceptedBodies().size(), 20u);
  EXPECT_EQ(Accepted({&a, &b, &c}), Expected(60));
  EXPECT_EQ(metrics_.ForSinkGroup("spread", "load_balance", {"a", "b", "c"}).failovers->Value(), 1)
      << "b backed off after its first failure";
}

TEST_F(SinkGroupFlowTest, ReloadRebuildsAChangedGroupAndLeavesTheRestRunning) {
  HttpReceiver p, s, solo;
  for (auto* r : {&p, &s, &solo}) ASSERT_TRUE(r->Start());
  // The source copies every event into two channels: one for the group, one for the solo sink.
  auto flow = [&](const std::string& groups) {
    std::string yaml =
        "sources: [{name: in, type: netcat, bind: 127.0.0.1, port: " + std::to_string(port_) +
        ", channels: [buffer, other], batchSize: 10}]\n"
        "channels: [{name: buffer, type: memory}, {name: other, type: memory}]\n"
        "sinks: [" +
        HttpSinkYaml("p", p) + ", " + HttpSinkYaml("s", s) +
        ", {name: solo, type: http, channel: other, endpoint: \"" + solo.url() + "\"}]\n";
    if (!groups.empty()) yaml += "sinkGroups: [" + groups + "]\n";
    return Parse(yaml);
  };
  auto group = [](const std::string& penalty) {
    return "{name: g, sinks: [p, s], processor: {type: failover, priority: {p: 2, s: 1}, "
           "maxpenalty: " +
           penalty + "}}";
  };
  ASSERT_TRUE(runtime_.Start(flow(group("1s"))).ok());
  Send(0, 10);
  ASSERT_TRUE(WaitFor([&] { return p.AcceptedBodies().size() == 10; }));
  ASSERT_TRUE(WaitFor([&] { return solo.AcceptedBodies().size() == 10; }));

  ASSERT_TRUE(runtime_.Apply(flow(group("1s"))).ok());
  EXPECT_EQ(runtime_.last_change(),
            "sources: 0 stopped, 0 started; sinks: 0 stopped, 0 started; channels: 0 removed, 0 "
            "reconfigured, 0 added; sink groups: 0 stopped, 0 started");

  ASSERT_TRUE(runtime_.Apply(flow(group("5s"))).ok());
  EXPECT_EQ(runtime_.last_change(),
            "sources: 0 stopped, 0 started; sinks: 2 stopped, 2 started; channels: 0 removed, 0 "
            "reconfigured, 0 added; sink groups: 1 stopped, 1 started")
      << "only the group is rebuilt; the solo sink keeps running";
  Send(10, 10);
  ASSERT_TRUE(WaitFor([&] { return p.AcceptedBodies().size() == 20; }));

  // Taking the group away hands its sinks to runners of their own.
  ASSERT_TRUE(runtime_.Apply(flow("")).ok());
  EXPECT_EQ(runtime_.last_change(),
            "sources: 0 stopped, 0 started; sinks: 2 stopped, 2 started; channels: 0 removed, 0 "
            "reconfigured, 0 added; sink groups: 1 stopped, 0 started");
  Send(20, 30);
  ASSERT_TRUE(WaitFor([&] { return Accepted({&p, &s}).size() == 50; }));
  runtime_.Stop();
  EXPECT_EQ(Accepted({&p, &s}), Expected(50));
  EXPECT_EQ(Accepted({&solo}), Expected(50));
  EXPECT_EQ(metrics_.ForSink("p", "http").drained->Value() +
                metrics_.ForSink("s", "http").drained->Value(),
            50)
      << "the sinks kept their counters through the hand-overs";
}

}  // namespace
}  // namespace acequia::sidecar
