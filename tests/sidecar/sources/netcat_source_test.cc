#include "sidecar/sources/netcat_source.h"

#include <gtest/gtest.h>

#include "tests/support/net_client.h"
#include "tests/support/source_harness.h"
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
    ASSERT_TRUE(harness_.Wire("name: nc, type: netcat, port: " + std::to_string(port_) +
                                  ", bind: 127.0.0.1" + (props.empty() ? "" : ", " + props),
                              channel));
    harness_.Started(std::make_unique<NetcatSource>(harness_.source_config(), harness_.context(),
                                                    harness_.processor()));
  }

  // What one transaction takes from the channel: up to its transactionCapacity.
  std::vector<std::string> Bodies() { return harness_.TakeBodies(10000); }

  testing::SourceHarness harness_;
  int port_ = 0;
};

TEST_F(NetcatSourceTest, EachLineIsAnEventAcknowledgedAfterCommit) {
  StartSource("");
  TcpClient client(port_);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send("alpha\nbeta\r\ngamma\n"));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(client.ReadLine(), "OK");
  EXPECT_EQ(Bodies(), (std::vector<std::string>{"alpha", "beta", "gamma"}));
  EXPECT_EQ(harness_.metrics().received->Value(), 3);
  EXPECT_EQ(harness_.metrics().accepted->Value(), 3);
}

TEST_F(NetcatSourceTest, OversizedLinesAreRejectedAndTheirNeighboursKept) {
  StartSource("maxLineLength: 10");
  TcpClient client(port_);
  ASSERT_TRUE(client.Send("short\n" + std::string(11, 'x') + "\nafter\n"));
  EXPECT_EQ(client.ReadLine(), "OK");
  EXPECT_EQ(client.ReadLine(), "FAILED: line longer than maxLineLength 10");
  EXPECT_EQ(client.ReadLine(), "OK");
  EXPECT_EQ(Bodies(), (std::vector<std::string>{"short", "after"}));
  EXPECT_EQ(harness_.metrics().rejected->Value(), 1);
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
  ASSERT_TRUE(testing::WaitFor([&] { return harness_.channel().Size() == 2; }));
  EXPECT_EQ(Bodies(), (std::vector<std::string>{"first", "last-without-newline"}));
}

TEST_F(NetcatSourceTest, AFullChannelHoldsBackAcksUntilThereIsRoomAndLosesNothing) {
  StartSource("batchSize: 5", "capacity: 5, transactionCapacity: 5, keepAlive: 10ms");
  TcpClient client(port_);
  std::string lines;
  for (int i = 0; i < 12; ++i) lines += "line" + std::to_string(i) + "\n";
  ASSERT_TRUE(client.Send(lines));
  ASSERT_TRUE(testing::WaitFor([&] { return harness_.channel().Size() == 5; }));
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
  NetcatSource second(harness_.source_config(), harness_.context(), harness_.processor());
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
  EXPECT_EQ(harness_.metrics().open_connections->Value(), 1);
}

}  // namespace
}  // namespace acequia::sidecar
