#include "sidecar/core/flow_runtime.h"

#include <gtest/gtest.h>

#include "tests/support/net_client.h"
#include "tests/support/test_env.h"

namespace acequia::sidecar {
namespace {

using testing::TcpClient;

// A netcat source into channel `buffer` drained by a file_roll sink into `dir`. The sink can
// be paused by pointing it at an unwritable directory.
std::string Config(int port, const std::string& dir, const std::string& buffer_extra = "",
                   const std::string& sink_extra = "", const std::string& channel_name = "buffer") {
  return "sources: [{name: in, type: netcat, bind: 127.0.0.1, port: " + std::to_string(port) +
         ", channels: [" + channel_name +
         "], batchSize: 10}]\n"
         "channels: [{name: " +
         channel_name +
         ", type: memory, capacity: 1000, "
         "transactionCapacity: 10" +
         buffer_extra +
         "}]\n"
         "sinks: [{name: out, type: file_roll, channel: " +
         channel_name + ", directory: \"" + dir + "\", rollInterval: 0, batchSize: 10" +
         sink_extra + "}]\n";
}

api::Flow Parse(const std::string& yaml) {
  auto parsed = api::ParseFlow(yaml, "runtime-test");
  EXPECT_TRUE(parsed.flow) << api::JoinErrors(parsed.errors);
  return *parsed.flow;
}

size_t LinesUnder(const std::string& dir) {
  return testing::ReadLinesUnder(dir, [](const std::string&) { return true; }).size();
}

class FlowRuntimeTest : public ::testing::Test {
 protected:
  void Send(int port, int from, int count) {
    TcpClient client(port);
    std::string lines;
    for (int i = from; i < from + count; ++i) lines += "event " + std::to_string(i) + "\n";
    ASSERT_TRUE(client.Send(lines));
    for (int i = 0; i < count; ++i) ASSERT_EQ(client.ReadLine(), "OK");
  }

  testing::TempDir dir_;
  AgentMetrics metrics_{"runtime-test"};
  FlowRuntime runtime_{metrics_, std::chrono::seconds(10)};
};

TEST_F(FlowRuntimeTest, StartsAndStopsAFlowDeliveringEverything) {
  const int port = testing::FreePort();
  ASSERT_TRUE(runtime_.Start(Parse(Config(port, dir_ / "out"))).ok());
  Send(port, 0, 50);
  runtime_.Stop();
  EXPECT_EQ(LinesUnder(dir_ / "out"), 50u);
}

TEST_F(FlowRuntimeTest, ChangingOnlyTheSinkKeepsTheSourceAndTheQueuedEvents) {
  const int port = testing::FreePort();
  // The first sink writes below a regular file, so it fails and events queue in the channel.
  testing::WriteFile(dir_ / "blocker", "");
  ASSERT_TRUE(runtime_.Start(Parse(Config(port, dir_ / "blocker/out"))).ok());
  TcpClient client(port);
  ASSERT_TRUE(client.Send("queued 1\nqueued 2\n"));
  EXPECT_EQ(client.ReadLine(), "OK");
  EXPECT_EQ(client.ReadLine(), "OK");
  ASSERT_TRUE(testing::WaitFor([&] { return runtime_.ChannelSize("buffer") == 2; }));

  ASSERT_TRUE(runtime_.Apply(Parse(Config(port, dir_ / "fixed"))).ok());
  EXPECT_EQ(runtime_.last_change(),
            "sources: 0 stopped, 0 started; sinks: 1 stopped, 1 started; channels: 0 removed, 0 "
            "reconfigured, 0 added");
  ASSERT_TRUE(client.Send("after reload\n"));
  EXPECT_EQ(client.ReadLine(), "OK") << "the untouched source kept its connection";
  ASSERT_TRUE(testing::WaitFor([&] { return LinesUnder(dir_ / "fixed") == 3; }));
  runtime_.Stop();
}

TEST_F(FlowRuntimeTest, ChannelPropertyChangesApplyInPlace) {
  const int port = testing::FreePort();
  ASSERT_TRUE(runtime_.Start(Parse(Config(port, dir_ / "out"))).ok());
  ASSERT_TRUE(runtime_.Apply(Parse(Config(port, dir_ / "out", ", keepAlive: 1s"))).ok());
  EXPECT_EQ(runtime_.last_change(),
            "sources: 0 stopped, 0 started; sinks: 0 stopped, 0 started; channels: 0 removed, 1 "
            "reconfigured, 0 added");
  Send(port, 0, 5);
  runtime_.Stop();
  EXPECT_EQ(LinesUnder(dir_ / "out"), 5u);
}

TEST_F(FlowRuntimeTest, ARemovedChannelIsDrainedBeforeItGoes) {
  const int port = testing::FreePort();
  ASSERT_TRUE(runtime_.Start(Parse(Config(port, dir_ / "old"))).ok());
  Send(port, 0, 200);
  // Replace channel "buffer" by channel "fresh": the old one's sink must deliver everything.
  ASSERT_TRUE(runtime_.Apply(Parse(Config(port, dir_ / "new", "", "", "fresh"))).ok());
  EXPECT_EQ(LinesUnder(dir_ / "old"), 200u);
  Send(port, 200, 10);
  runtime_.Stop();
  EXPECT_EQ(LinesUnder(dir_ / "new"), 10u);
}

TEST_F(FlowRuntimeTest, AComponentThatCannotBeBuiltChangesNothing) {
  const int port = testing::FreePort();
  ASSERT_TRUE(runtime_.Start(Parse(Config(port, dir_ / "out"))).ok());
  api::Flow broken = Parse(Config(port, dir_ / "out"));
  broken.spec.sinks[0].type = "no-such-sink";  // as if a newer operator sent a type we lack
  Status s = runtime_.Apply(broken);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("no sink \"no-such-sink\""), std::string::npos) << s.message();
  Send(port, 0, 3);
  runtime_.Stop();
  EXPECT_EQ(LinesUnder(dir_ / "out"), 3u);
}

}  // namespace
}  // namespace acequia::sidecar
