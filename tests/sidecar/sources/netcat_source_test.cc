#include "sidecar/sources/netcat_source.h"

#include <gtest/gtest.h>

#include "sidecar/channels/memory_channel.h"
#include "tests/support/net_client.h"
#include "tests/support/test_env.h"

namespace acequia::sidecar {
namespace {

using testing::TcpClient;

class NetcatSourceTest : public ::testing::Test {
 protected:
  // Starts a netcat source on a free port with `props`, writing to one memory channel.
  void StartSource(const std::string& props,
                   const std::string& channel = "capacity: 1000, transactionCapacity: 100") {
    port_ = testing::FreePort();
    auto parsed = api::ParseFlow(
        "sources: [{name: nc, type: netcat, port: " + std::to_string(port_) +
        ", channels: [c], bind: 127.0.0.1, " + props + "}]\nchannels: [{name: c, type: memory, " +
        channel + "}]\nsinks: [{name: k, type: \"null\", channel: c, batchSize: 1}]\n");
    ASSERT_TRUE(parsed.flow) << api::JoinErrors(parsed.errors);
    flow_ = *parsed.flow;
    channel_ =
        std::make_unique<MemoryChannel>(flow_.spec.channels[0], metrics_.ForChannel("c", "memory"));
    auto processor = ChannelProcessor::Create(flow_.spec.sources[0], {channel_.get()}, context_);
    ASSERT_TRUE(processor.ok()) << processor.status().ToString();
    processor_ = std::move(processor).value();
    source_ = std::make_unique<NetcatSource>(flow_.spec.sources[0], context_, *processor_);
    Status s = source_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  std::vector<std::string> Bodies(size_t max = 10000) {
    std::vector<std::string> bodies;
    auto tx = channel_->Begin();
    for (const auto& e : tx->Take(std::min<size_t>(max, channel_->TransactionCapacity()))) {
      bodies.push_back(e.body);
    }
    EXPECT_TRUE(tx->Commit().ok());
    return bodies;
  }

  void TearDown() override {
    if (source_) source_->Stop();
  }

  AgentMetrics metrics_{"test"};
  ComponentContext context_{"test", &metrics_};
  api::Flow flow_;
  int port_ = 0;
  std::unique_ptr<MemoryChannel> channel_;
  std::unique_ptr<ChannelProcessor> processor_;
  std::unique_ptr<NetcatSource> source_;
};

TEST_F(NetcatSourceTest, EachLineIsAnEventAcknowledgedAfterCommit) {
  StartSource("");
  TcpClient client(port_);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send("alpha\nbeta\r\ngamma\n"));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(client.ReadLine(), "OK");
  EXPECT_EQ(Bodies(), (std::vector<std::string>{"alpha", "beta", "gamma"}));
  EXPECT_EQ(processor_->metrics().received->Value(), 3);
  EXPECT_EQ(processor_->metrics().accepted->Value(), 3);
}

TEST_F(NetcatSourceTest, OversizedLinesAreRejectedAndTheirNeighboursKept) {
  StartSource("maxLineLength: 10");
  TcpClient client(port_);
  ASSERT_TRUE(client.Send("short\n" + std::string(11, 'x') + "\nafter\n"));
  EXPECT_EQ(client.ReadLine(), "OK");
  EXPECT_EQ(client.ReadLine(), "FAILED: line longer than maxLineLength 10");
  EXPECT_EQ(client.ReadLine(), "OK");
  EXPECT_EQ(Bodies(), (std::vector<std::string>{"short", "after"}));
  EXPECT_EQ(processor_->metrics().rejected->Value(), 1);
}

TEST_F(NetcatSourceTest, ALineLargerThanTheBufferIsRejectedOnce) {
  StartSource("maxLineLength: 100");
  TcpClient client(port_);
  ASSERT_TRUE(client.Send("one\n" + std::string(300 * 1024, 'y') + "\ntwo\n"));
  EXPECT_EQ(client.ReadLine(), "OK");
  EXPECT_EQ(client.ReadLine(), "FAILED: line longer than maxLineLength 100");
  EXPECT_EQ(client.ReadLine(), "OK");
  EXPECT_EQ(Bodies(), (std::vector<std::string>{"one", "two"}));
}

TEST_F(NetcatSourceTest, BinaryBytesPassThroughUnchanged) {
  StartSource("");
  std::string junk;
  for (int b = 0; b < 256; ++b) {
    if (b != '\n' && b != '\r') junk.push_back(static_cast<char>(b));
  }
  TcpClient client(port_);
  ASSERT_TRUE(client.Send(junk + "\nplain\n"));
  EXPECT_EQ(client.ReadLine(), "OK");
  EXPECT_EQ(client.ReadLine(), "OK");
  EXPECT_EQ(Bodies(), (std::vector<std::string>{junk, "plain"}));
}

TEST_F(NetcatSourceTest, ALastLineWithoutNewlineCountsWhenTheClientCloses) {
  StartSource("ack: false");
  {
    TcpClient client(port_);
    ASSERT_TRUE(client.Send("first\nlast-without-newline"));
    client.ShutdownWrite();
    EXPECT_EQ(client.ReadLine(std::chrono::seconds(2)), std::nullopt) << "no acks with ack: false";
  }
  ASSERT_TRUE(testing::WaitFor([&] { return channel_->Size() == 2; }));
  EXPECT_EQ(Bodies(), (std::vector<std::string>{"first", "last-without-newline"}));
}

TEST_F(NetcatSourceTest, AFullChannelHoldsBackAcksUntilThereIsRoomAndLosesNothing) {
  StartSource("batchSize: 5", "capacity: 5, transactionCapacity: 5, keepAlive: 10ms");
  TcpClient client(port_);
  std::string lines;
  for (int i = 0; i < 12; ++i) lines += "line" + std::to_string(i) + "\n";
  ASSERT_TRUE(client.Send(lines));
  ASSERT_TRUE(testing::WaitFor([&] { return channel_->Size() == 5; }));
  EXPECT_EQ(client.ReadLine(std::chrono::milliseconds(300)), std::nullopt)
      << "nothing is acknowledged while part of the input waits for room";
  std::vector<std::string> got;
  ASSERT_TRUE(testing::WaitFor([&] {
    for (auto& b : Bodies()) got.push_back(b);
    return got.size() == 12;
  }));
  for (int i = 0; i < 12; ++i) EXPECT_EQ(got[i], "line" + std::to_string(i));
  for (int i = 0; i < 12; ++i) EXPECT_EQ(client.ReadLine(), "OK");
}

TEST_F(NetcatSourceTest, ABatchTheChannelCanNeverHoldFailsOnlyItsOwnLines) {
  // 100 body bytes with 20% kept for headers: 80 bytes of bodies fit, ever.
  StartSource("batchSize: 2", "capacity: 100, transactionCapacity: 10, byteCapacity: 100");
  TcpClient client(port_);
  ASSERT_TRUE(client.Send("a\nb\n" + std::string(50, 'x') + "\n" + std::string(50, 'y') + "\nc\n"));
  EXPECT_EQ(client.ReadLine(), "OK");
  EXPECT_EQ(client.ReadLine(), "OK");
  auto third = client.ReadLine();
  ASSERT_TRUE(third);
  EXPECT_EQ(third->rfind("FAILED: ", 0), 0u) << *third;
  EXPECT_NE(third->find("byteCapacity"), std::string::npos) << *third;
  EXPECT_EQ(client.ReadLine(), *third);
  EXPECT_EQ(client.ReadLine(), "OK");
  EXPECT_EQ(Bodies(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(NetcatSourceTest, APortInUseIsAnErrorNamingIt) {
  StartSource("");
  NetcatSource second(flow_.spec.sources[0], context_, *processor_);
  Status s = second.Start();
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_NE(s.message().find(std::to_string(port_)), std::string::npos) << s.message();
}

TEST_F(NetcatSourceTest, ConnectionsBeyondTheLimitAreRefused) {
  StartSource("maxConnections: 1");
  TcpClient first(port_);
  ASSERT_TRUE(first.Send("a\n"));
  EXPECT_EQ(first.ReadLine(), "OK");
  TcpClient second(port_);
  second.Send("b\n");
  EXPECT_EQ(second.ReadLine(std::chrono::seconds(2)), std::nullopt);
  EXPECT_EQ(processor_->metrics().open_connections->Value(), 1);
}

}  // namespace
}  // namespace acequia::sidecar
