#include "sidecar/sources/syslog_tcp_source.h"

#include <gtest/gtest.h>

#include "sidecar/core/registry.h"
#include "tests/support/net_client.h"
#include "tests/support/source_harness.h"
#include "tests/support/test_env.h"

namespace acequia::sidecar {
namespace {

using testing::TcpClient;

// A syslogtcp or multiport_syslogtcp source built through the registry, as the agent does,
// writing to one memory channel.
class SyslogTcpSourceTest : public ::testing::Test {
 protected:
  void StartSource(const std::string& type, const std::string& props,
                   const std::string& channel = "capacity: 1000, transactionCapacity: 100") {
    ASSERT_TRUE(harness_.Wire("name: sys, type: " + type + ", host: 127.0.0.1, " + props, channel));
    const SourceFactory* factory = SourceRegistry().Find(type);
    ASSERT_NE(factory, nullptr);
    auto source = (*factory)(harness_.source_config(), harness_.context(), harness_.processor());
    ASSERT_TRUE(source.ok()) << source.status().ToString();
    harness_.Started(std::move(source).value());
  }

  testing::SourceHarness harness_;
};

TEST_F(SyslogTcpSourceTest, OctetCountedAndNewlineFramesBecomeEventsWithHeaders) {
  const int port = testing::FreePort();
  StartSource("syslogtcp", "port: " + std::to_string(port) + ", clientIPHeader: ip");
  const std::string m1 = "<165>1 2003-10-11T22:14:15.003Z host1 app 42 ID47 - first";
  const std::string m2 = "<13>Oct 11 22:14:15 host2 sshd[7]: second";
  TcpClient client(port);
  ASSERT_TRUE(client.connected());
  EXPECT_TRUE(testing::WaitFor([&] { return harness_.metrics().open_connections->Value() == 1; }));
  ASSERT_TRUE(client.Send(std::to_string(m1.size()) + " " + m1 + m2 + "\r\nnot syslog\n"));
  auto events = harness_.TakeWhenThere(3);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].body, "first");
  EXPECT_EQ(*events[0].headers.Find("timestamp"), "1065910455003");
  EXPECT_EQ(*events[0].headers.Find("host"), "host1");
  EXPECT_EQ(*events[0].headers.Find("procId"), "42");
  EXPECT_EQ(*events[0].headers.Find("Severity"), "5");
  EXPECT_EQ(*events[0].headers.Find("ip"), "127.0.0.1");
  EXPECT_EQ(events[1].body, "sshd[7]: second");
  EXPECT_EQ(*events[1].headers.Find("host"), "host2");
  EXPECT_EQ(events[2].body, "not syslog");
  EXPECT_EQ(*events[2].headers.Find("flume.syslog.status"), "Invalid");
  EXPECT_EQ(harness_.metrics().received->Value(), 3);
  EXPECT_EQ(harness_.metrics().accepted->Value(), 3);
  client.ShutdownWrite();
  EXPECT_TRUE(testing::WaitFor([&] { return harness_.metrics().open_connections->Value() == 0; }));
}

TEST_F(SyslogTcpSourceTest, ALongMessageArrivesInIncompletePartsThatJoinUp) {
  const int port = testing::FreePort();
  StartSource("syslogtcp", "port: " + std::to_string(port) + ", eventSize: 40");
  const std::string text(70, 'z');
  const std::string message = "<11>Oct 11 22:14:15 web app: " + text;  // 99 bytes
  TcpClient client(port);
  ASSERT_TRUE(client.Send(message + "\n<13>Oct 11 22:14:15 web app: small\n"));
  auto events = harness_.TakeWhenThere(4);
  ASSERT_EQ(events.size(), 4u);
  std::string joined;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(*events[i].headers.Find("flume.syslog.status"), "Incomplete") << i;
    EXPECT_EQ(*events[i].headers.Find("host"), "web") << "every part carries the headers";
    EXPECT_EQ(*events[i].headers.Find("Severity"), "3");
    joined += events[i].body;
  }
  EXPECT_EQ(joined, "app: " + text);
  EXPECT_EQ(events[3].body, "app: small");
  EXPECT_FALSE(events[3].headers.Has("flume.syslog.status"));
}

TEST_F(SyslogTcpSourceTest, AFullChannelStopsReadingAndLosesNothing) {
  const int port = testing::FreePort();
  StartSource("syslogtcp", "port: " + std::to_string(port) + ", batchSize: 5",
              "capacity: 5, transactionCapacity: 5, keepAlive: 10ms");
  std::string stream;
  for (int i = 0; i < 40; ++i) stream += "<13>Oct 11 22:14:15 h app: n" + std::to_string(i) + "\n";
  TcpClient client(port);
  ASSERT_TRUE(client.Send(stream));
  ASSERT_TRUE(testing::WaitFor([&] { return harness_.channel().Size() == 5; }));
  std::vector<std::string> got;
  ASSERT_TRUE(testing::WaitFor([&] {
    for (auto& e : harness_.Take(100)) got.push_back(e.body);
    return got.size() >= 40;
  }));
  ASSERT_EQ(got.size(), 40u);
  for (int i = 0; i < 40; ++i) EXPECT_EQ(got[i], "app: n" + std::to_string(i));
}

TEST_F(SyslogTcpSourceTest, KeepFieldsAllKeepsTheRawMessage) {
  const int port = testing::FreePort();
  StartSource("syslogtcp", "port: " + std::to_string(port) + ", keepFields: all");
  TcpClient client(port);
  ASSERT_TRUE(client.Send("<13>Oct 11 22:14:15 h app: x\n"));
  auto events = harness_.TakeWhenThere(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].body, "<13>Oct 11 22:14:15 h app: x");
  EXPECT_EQ(*events[0].headers.Find("host"), "h");
}

TEST_F(SyslogTcpSourceTest, MultiportListensOnEveryPortAndNamesIt) {
  const int a = testing::FreePort();
  int b = testing::FreePort();
  while (b == a) b = testing::FreePort();
  StartSource("multiport_syslogtcp",
              "ports: [" + std::to_string(a) + ", " + std::to_string(b) + "], portHeader: port");
  TcpClient to_a(a);
  TcpClient to_b(b);
  ASSERT_TRUE(to_a.Send("<13>Oct 11 22:14:15 h app: via a\n"));
  ASSERT_TRUE(testing::WaitFor([&] { return harness_.channel().Size() == 1; }));
  ASSERT_TRUE(to_b.Send("<13>Oct 11 22:14:15 h app: via b\n"));
  auto events = harness_.TakeWhenThere(2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(*events[0].headers.Find("port"), std::to_string(a));
  EXPECT_EQ(*events[1].headers.Find("port"), std::to_string(b));
}

TEST_F(SyslogTcpSourceTest, MultiportTakesFlumesSpaceSeparatedPorts) {
  const int a = testing::FreePort();
  StartSource("multiport_syslogtcp", "ports: \"" + std::to_string(a) + "\"");
  TcpClient client(a);
  ASSERT_TRUE(client.Send("<13>Oct 11 22:14:15 h app: x\n"));
  EXPECT_EQ(harness_.TakeWhenThere(1).size(), 1u);
}

TEST(SyslogTcpSourceConfigTest, BadSettingsAreReportedWithTheirField) {
  auto bad_port = api::ParseFlow(
      "sources: [{name: s, type: multiport_syslogtcp, ports: [5140, 70000], channels: [c]}]\n"
      "channels: [{name: c, type: memory}]\nsinks: [{name: k, type: \"null\", channel: c}]\n");
  EXPECT_FALSE(bad_port.flow);
  EXPECT_NE(api::JoinErrors(bad_port.errors).find("spec.sources[0].ports"), std::string::npos)
      << api::JoinErrors(bad_port.errors);

  auto parsed = api::ParseFlow(
      "sources: [{name: s, type: syslogtcp, port: 5140, keepFields: bogus, channels: [c]}]\n"
      "channels: [{name: c, type: memory}]\nsinks: [{name: k, type: \"null\", channel: c}]\n");
  ASSERT_TRUE(parsed.flow) << api::JoinErrors(parsed.errors);
  auto settings = SyslogTcpSource::SettingsOf(parsed.flow->spec.sources[0]);
  ASSERT_FALSE(settings.ok());
  EXPECT_NE(settings.status().message().find("keepFields"), std::string::npos);
}

}  // namespace
}  // namespace acequia::sidecar
