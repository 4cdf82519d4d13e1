// End-to-end guarantees of the file channel with the real agent: acknowledged events survive
// kill -9 at any moment, and two agents never share a channel's directories.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <iostream>
#include <map>
#include <random>
#include <thread>

#include "tests/support/agent_fixture.h"
#include "tests/support/net_client.h"
#include "tests/support/test_env.h"

namespace acequia::testing {
namespace {

std::string FileFlow(int port, const std::string& root, const std::string& channel_extra = "") {
  return R"(apiVersion: acequia.io/v1alpha1
kind: Flow
metadata: {name: durable}
spec:
  sources:
    - {name: lines, type: netcat, bind: 127.0.0.1, port: )" +
         std::to_string(port) + R"(, batchSize: 100, channels: [disk]}
  channels:
    - {name: disk, type: file, checkpointDir: ")" +
         root + R"(/checkpoint", dataDirs: [")" + root +
         R"(/data"], capacity: 100000, transactionCapacity: 1000, checkpointInterval: 1s,
       maxFileSize: 1Mi, minimumRequiredSpace: 0, keepAlive: 100ms)" +
         channel_extra + R"(}
  sinks:
    - {name: out, type: file_roll, channel: disk, directory: ")" +
         root + R"(/out", rollInterval: 0, batchSize: 100}
  metrics: {port: {metrics_port}}
)";
}

// Sends numbered lines in batches of 50 and records every one the agent acknowledged with OK,
// until the connection breaks or `stop` is set.
void SendUntilBroken(int port, std::atomic<long>& next, std::vector<long>& acked,
                     std::atomic<bool>& stop) {
  TcpClient client(port, std::chrono::seconds(5));
  if (!client.connected()) return;
  while (!stop) {
    const long first = next.fetch_add(50);
    std::string batch;
    for (long i = first; i < first + 50; ++i) batch += "event-" + std::to_string(i) + "\n";
    if (!client.Send(batch)) return;
    for (long i = first; i < first + 50; ++i) {
      auto reply = client.ReadLine(std::chrono::seconds(5));
      if (!reply) return;
      if (*reply == "OK") acked.push_back(i);
    }
  }
}

TEST(FileChannelKillTest, AcknowledgedEventsSurviveTwentyKill9sUnderLoad) {
  AgentFixture agent;
  const int port = FreePort();
  const std::string root = agent.dir() / "fc";
  agent.WriteConfig(FileFlow(port, root));
  constexpr int kKills = 20;
  std::mt19937 random(20261121);
  std::uniform_int_distribution<int> delay_ms(50, 600);
  std::atomic<long> next{0};
  std::vector<long> acked;
  for (int kill = 0; kill < kKills; ++kill) {
    ASSERT_TRUE(agent.Start()) << "restart " << kill << ":\n" << agent.Log();
    std::atomic<bool> stop{false};
    std::thread sender([&] { SendUntilBroken(port, next, acked, stop); });
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(random)));
    agent.process()->Signal(SIGKILL);
    ASSERT_TRUE(agent.process()->Wait(std::chrono::seconds(10)).has_value());
    stop = true;
    sender.join();
  }
  // A last run delivers what is left and shuts down cleanly.
  ASSERT_TRUE(agent.Start()) << agent.Log();
  {
    std::atomic<bool> stop{false};
    std::thread sender([&] { SendUntilBroken(port, next, acked, stop); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop = true;
    sender.join();
  }
  ASSERT_TRUE(
      WaitFor([&] { return agent.Metric("acequia_channel_size") == 0; }, std::chrono::seconds(30)))
      << agent.Metrics();
  ASSERT_EQ(agent.Terminate(), 0) << agent.Log();

  std::map<long, int> delivered;
  for (const auto& line : ReadLinesUnder(root + "/out", [](const std::string&) { return true; })) {
    if (line.rfind("event-", 0) == 0) ++delivered[std::stol(line.substr(6))];
  }
  size_t lost = 0;
  for (long seq : acked) {
    if (!delivered.count(seq)) ++lost;
  }
  size_t duplicates = 0;
  for (const auto& [seq, count] : delivered) duplicates += static_cast<size_t>(count - 1);
  std::cout << "[ kill -9 ] " << kKills << " kills, " << acked.size() << " events acknowledged, "
            << delivered.size() << " distinct delivered ("
            << delivered.size() - (acked.size() - lost) << " unacknowledged among them), " << lost
            << " acknowledged lost, " << duplicates << " duplicate lines\n";
  EXPECT_GT(acked.size(), 1000u) << "the load was real";
  EXPECT_EQ(lost, 0u) << "every acknowledged event is delivered at least once";
}

TEST(FileChannelKillTest, ASecondAgentOnTheSameDirectoriesRefusesToStart) {
  AgentFixture first;
  const std::string root = first.dir() / "fc";
  first.WriteConfig(FileFlow(FreePort(), root));
  ASSERT_TRUE(first.Start()) << first.Log();

  AgentFixture second;
  second.WriteConfig(FileFlow(FreePort(), root));
  EXPECT_FALSE(second.Start());
  const std::string log = second.Log();
  EXPECT_NE(log.find(root + "/checkpoint is in use"), std::string::npos) << log;
  EXPECT_NE(log.find("pid " + std::to_string(first.process()->pid())), std::string::npos) << log;
  EXPECT_EQ(first.Terminate(), 0);
}

TEST(FileChannelKillTest, AgentStartsOnATornLogAndKeepsItsValidPrefix) {
  AgentFixture agent;
  const int port = FreePort();
  const std::string root = agent.dir() / "fc";
  agent.WriteConfig(FileFlow(port, root));
  ASSERT_TRUE(agent.Start()) << agent.Log();
  {
    TcpClient client(port);
    std::string lines;
    for (int i = 0; i < 10; ++i) lines += "line-" + std::to_string(i) + "\n";
    ASSERT_TRUE(client.Send(lines));
    for (int i = 0; i < 10; ++i) ASSERT_EQ(client.ReadLine(), "OK");
  }
  ASSERT_TRUE(WaitFor([&] { return agent.Metric("acequia_channel_size") == 0; })) << agent.Log();
  agent.process()->Signal(SIGKILL);
  ASSERT_TRUE(agent.process()->Wait(std::chrono::seconds(10)).has_value());
  // Append garbage to the newest segment, as a torn write would leave.
  std::string newest;
  for (const auto& f : ListFiles(root + "/data")) {
    if (f.find("/log-") != std::string::npos) newest = f;
  }
  ASSERT_FALSE(newest.empty());
  WriteFile(newest,
            ReadFile(newest) + std::string("\x13\x37\x00\x00\xff\xff\x00\x10\x02garbage", 16));
  ASSERT_TRUE(agent.Start()) << agent.Log();
  EXPECT_NE(agent.Log().find("is torn or corrupt"), std::string::npos) << agent.Log();
  EXPECT_EQ(agent.Metric("acequia_channel_corrupt_records_total"), 1) << agent.Metrics();
  EXPECT_EQ(agent.Terminate(), 0);
  EXPECT_EQ(ReadLinesUnder(root + "/out", [](const std::string&) { return true; }).size(), 10u);
}

}  // namespace
}  // namespace acequia::testing
