#include "sidecar/sources/syslog_udp_source.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/support/source_harness.h"
#include "tests/support/test_env.h"

namespace acequia::sidecar {
namespace {

void SendDatagram(int port, const std::string& payload) {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  EXPECT_EQ(sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&addr),
                   sizeof addr),
            static_cast<ssize_t>(payload.size()));
  close(fd);
}

class SyslogUdpSourceTest : public ::testing::Test {
 protected:
  void StartSource(const std::string& props,
                   const std::string& channel = "capacity: 1000, transactionCapacity: 100") {
    port_ = testing::FreePort();
    ASSERT_TRUE(harness_.Wire("name: udp, type: syslogudp, port: " + std::to_string(port_) +
                                  ", host: 127.0.0.1, " + props,
                              channel));
    auto source = SyslogUdpSource::Create(harness_.source_config(), harness_.processor());
    ASSERT_TRUE(source.ok()) << source.status().ToString();
    harness_.Started(std::move(source).value());
  }

  testing::SourceHarness harness_;
  int port_ = 0;
};

TEST_F(SyslogUdpSourceTest, EachDatagramIsOneEvent) {
  StartSource("clientIPHeader: from");
  SendDatagram(port_, "<34>1 2003-10-11T22:14:15.003Z mymachine su - ID47 - multi\nline");
  SendDatagram(port_, "<13>Oct 11 22:14:15 h app: trailing newline\n");
  SendDatagram(port_, "garbage");
  auto events = harness_.TakeWhenThere(3);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].body, "multi\nline") << "a datagram may hold newlines";
  EXPECT_EQ(*events[0].headers.Find("host"), "mymachine");
  EXPECT_EQ(*events[0].headers.Find("from"), "127.0.0.1");
  EXPECT_EQ(events[1].body, "app: trailing newline");
  EXPECT_EQ(events[2].body, "garbage");
  EXPECT_EQ(*events[2].headers.Find("flume.syslog.status"), "Invalid");
  EXPECT_EQ(harness_.metrics().received->Value(), 3);
  EXPECT_EQ(harness_.metrics().accepted->Value(), 3);
}

TEST_F(SyslogUdpSourceTest, AFullChannelDropsAndCountsWhatCannotWait) {
  StartSource("batchSize: 1", "capacity: 2, transactionCapacity: 2, keepAlive: 10ms");
  for (int i = 0; i < 5; ++i)
    SendDatagram(port_, "<13>Oct 11 22:14:15 h app: " + std::to_string(i));
  ASSERT_TRUE(testing::WaitFor([&] {
    const SourceMetrics& m = harness_.metrics();
    return m.accepted->Value() + m.rejected->Value() == 5;
  }));
  EXPECT_EQ(harness_.metrics().received->Value(), 5);
  EXPECT_EQ(harness_.metrics().accepted->Value(), 2);
  EXPECT_EQ(harness_.metrics().rejected->Value(), 3);
  auto events = harness_.TakeWhenThere(2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].body, "app: 0");
  // Room again: new datagrams get in.
  SendDatagram(port_, "<13>Oct 11 22:14:15 h app: later");
  EXPECT_EQ(harness_.TakeWhenThere(1).at(0).body, "app: later");
}

}  // namespace
}  // namespace acequia::sidecar
