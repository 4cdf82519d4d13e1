// End-to-end: the real acequia-agent, real sockets, real files, real Prometheus tooling.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <set>
#include <sstream>
#include <thread>

#include "tests/support/agent_fixture.h"
#include "tests/support/net_client.h"
#include "tests/support/test_env.h"

namespace acequia::testing {
namespace {

bool Closed(const std::string& path) {
  return path.size() < 4 || path.substr(path.size() - 4) != ".tmp";
}
bool Any(const std::string&) { return true; }

// Runs `command` with `input` on stdin; returns its exit code and output.
std::pair<int, std::string> Pipe(const std::string& command, const std::string& input,
                                 const TempDir& dir) {
  WriteFile(dir / "pipe-input", input);
  const std::string out = dir / "pipe-output";
  int code = std::system((command + " < " + dir / "pipe-input" + " > " + out + " 2>&1").c_str());
  return {WEXITSTATUS(code), ReadFile(out)};
}

std::string QuickstartLikeConfig(int http_port, int nc_port, const std::string& out_dir,
                                 const std::string& file_roll_extra = "") {
  return R"(apiVersion: acequia.io/v1alpha1
kind: Flow
metadata: {name: e2e}
spec:
  sources:
    - name: web
      type: http
      bind: 127.0.0.1
      port: )" +
         std::to_string(http_port) + R"(
      channels: [main, log]
      interceptors: [{type: timestamp}, {type: static, key: via, value: http}]
    - name: lines
      type: netcat
      bind: 127.0.0.1
      port: )" +
         std::to_string(nc_port) + R"(
      maxLineLength: 64
      channels: [main, log]
      interceptors: [{type: static, key: via, value: netcat}]
  channels:
    - {name: main, type: memory, capacity: 10000, transactionCapacity: 1000}
    - {name: log, type: memory, capacity: 10000, transactionCapacity: 1000}
  sinks:
    - {name: archive, type: file_roll, channel: main, directory: ")" +
         out_dir + R"(/%{via}", rollInterval: 0)" + file_roll_extra + R"(}
    - {name: console, type: logger, channel: log}
  metrics: {port: {metrics_port}}
)";
}

TEST(AgentFlowTest, EventsFromHttpAndNetcatLandInFilesAndMetrics) {
  AgentFixture agent;
  const int http_port = FreePort();
  const int nc_port = FreePort();
  const std::string out = agent.dir() / "out";
  agent.WriteConfig(QuickstartLikeConfig(http_port, nc_port, out));
  ASSERT_TRUE(agent.Start()) << agent.Log();

  auto response = HttpPost("http://127.0.0.1:" + std::to_string(http_port) + "/",
                           R"([{"headers": {"level": "info"}, "body": "from http 1"},
                               {"body": "from http 2"}])",
                           "application/json");
  EXPECT_EQ(response.status, 200) << response.body;
  TcpClient client(nc_port);
  ASSERT_TRUE(client.Send("from netcat 1\nfrom netcat 2\nfrom netcat 3\n"));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(client.ReadLine(), "OK");

  ASSERT_TRUE(WaitFor([&] {
    return agent.Metric("acequia_sink_events_drained_total", {"component=\"archive\""}) == 5;
  })) << agent.Metrics();
  EXPECT_EQ(agent.Metric("acequia_source_events_accepted_total", {"component=\"web\""}), 2);
  EXPECT_EQ(agent.Metric("acequia_source_events_accepted_total", {"component=\"lines\""}), 3);
  EXPECT_EQ(agent.Metric("acequia_channel_size", {"component=\"main\""}), 0);
  EXPECT_EQ(agent.Metric("acequia_channel_put_successes_total", {"component=\"log\""}), 5)
      << "the replicating selector copies every event into both channels";
  EXPECT_EQ(agent.Metric("acequia_channel_capacity", {"component=\"main\""}), 10000);

  // The exposition is valid for Prometheus itself.
  auto [code, lint] = Pipe("promtool check metrics", agent.Metrics(), agent.dir());
  EXPECT_EQ(code, 0) << lint;

  ASSERT_EQ(agent.Terminate(), 0) << agent.Log();
  // Files are closed (renamed without .tmp) on shutdown, split by the %{via} header.
  auto http_lines = ReadLinesUnder(out + "/http", Any);
  auto nc_lines = ReadLinesUnder(out + "/netcat", Any);
  EXPECT_EQ(http_lines, (std::vector<std::string>{"from http 1", "from http 2"}));
  EXPECT_EQ(nc_lines,
            (std::vector<std::string>{"from netcat 1", "from netcat 2", "from netcat 3"}));
  for (const auto& f : ListFiles(out)) EXPECT_TRUE(Closed(f)) << f;
  EXPECT_NE(agent.Log().find("from netcat 2"), std::string::npos) << "the logger sink logs events";
}

TEST(AgentFlowTest, MalformedInputIsRejectedClearlyAndLosesNoValidEvent) {
  AgentFixture agent;
  const int http_port = FreePort();
  const int nc_port = FreePort();
  const std::string out = agent.dir() / "out";
  agent.WriteConfig(QuickstartLikeConfig(http_port, nc_port, out));
  ASSERT_TRUE(agent.Start()) << agent.Log();
  const std::string url = "http://127.0.0.1:" + std::to_string(http_port) + "/";

  EXPECT_EQ(HttpPost(url, R"([{"body": "good 1"}])", "application/json").status, 200);
  auto bad_json = HttpPost(url, R"([{"body": "unterminated)", "application/json");
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_FALSE(bad_json.body.empty()) << "a 400 says why";
  auto bad_header = HttpPost(url, R"([{"headers": {"n": 5}, "body": "x"}])", "application/json");
  EXPECT_EQ(bad_header.status, 400);
  EXPECT_NE(bad_header.body.find("headers.n"), std::string::npos) << bad_header.body;
  EXPECT_EQ(HttpPost(url, std::string("\x00\xff\xfe junk", 8), "application/json").status, 400);
  EXPECT_EQ(HttpPost(url, R"([{"body": "good 2"}])", "application/json").status, 200);

  TcpClient client(nc_port);
  std::string binary("bin\x01\x02\xff", 6);
  ASSERT_TRUE(
      client.Send("nc good 1\n" + std::string(5000, 'z') + "\n" + binary + "\nnc good 2\n"));
  EXPECT_EQ(client.ReadLine(), "OK");
  EXPECT_EQ(client.ReadLine(), "FAILED: line longer than maxLineLength 64");
  EXPECT_EQ(client.ReadLine(), "OK");
  EXPECT_EQ(client.ReadLine(), "OK");

  ASSERT_TRUE(WaitFor([&] {
    return agent.Metric("acequia_sink_events_drained_total", {"component=\"archive\""}) == 5;
  })) << agent.Metrics();
  EXPECT_EQ(agent.Metric("acequia_source_events_rejected_total", {"component=\"lines\""}), 1);
  EXPECT_GE(agent.Metric("acequia_source_events_rejected_total", {"component=\"web\""}), 3);
  ASSERT_EQ(agent.Terminate(), 0);
  EXPECT_EQ(ReadLinesUnder(out + "/http", Any), (std::vector<std::string>{"good 1", "good 2"}));
  EXPECT_EQ(ReadLinesUnder(out + "/netcat", Any),
            (std::vector<std::string>{"nc good 1", binary, "nc good 2"}));
}

TEST(AgentFlowTest, SigtermDrainsTheChannelBeforeExiting) {
  AgentFixture agent;
  const int http_port = FreePort();
  const int nc_port = FreePort();
  const std::string out = agent.dir() / "out";
  // A sink that takes one event per batch keeps the channel full for a while.
  agent.WriteConfig(QuickstartLikeConfig(http_port, nc_port, out, ", batchSize: 1"));
  ASSERT_TRUE(agent.Start({"--drain-timeout", "60s"})) << agent.Log();
  TcpClient client(nc_port);
  std::string lines;
  const int n = 5000;
  for (int i = 0; i < n; ++i) lines += "event " + std::to_string(i) + "\n";
  ASSERT_TRUE(client.Send(lines));
  for (int i = 0; i < n; ++i) ASSERT_EQ(client.ReadLine(), "OK") << i;
  // Every line is committed to the channel; now stop at once.
  ASSERT_EQ(agent.Terminate(), 0) << agent.Log();
  auto got = ReadLinesUnder(out + "/netcat", Closed);
  ASSERT_EQ(got.size(), static_cast<size_t>(n)) << "acknowledged events were lost on shutdown";
  std::set<std::string> unique(got.begin(), got.end());
  EXPECT_EQ(unique.size(), static_cast<size_t>(n));
}

TEST(AgentFlowTest, ConfigChangesApplyLiveAndBadOnesAreRejected) {
  AgentFixture agent;
  const int http_port = FreePort();
  const int nc_port = FreePort();
  const std::string out = agent.dir() / "out";
  agent.WriteConfig(QuickstartLikeConfig(http_port, nc_port, out));
  ASSERT_TRUE(agent.Start()) << agent.Log();

  TcpClient client(nc_port);  // stays connected across the reloads
  ASSERT_TRUE(client.Send("before\n"));
  EXPECT_EQ(client.ReadLine(), "OK");

  // 1. A valid change to the sink only: new files get the new prefix; the source keeps running.
  agent.WriteConfig(QuickstartLikeConfig(http_port, nc_port, out, ", filePrefix: reloaded-"));
  ASSERT_TRUE(WaitFor([&] {
    return agent.Metric("acequia_config_reloads_total", {"result=\"applied\""}) == 1;
  })) << agent.Log();
  ASSERT_TRUE(client.Send("after\n"));
  EXPECT_EQ(client.ReadLine(), "OK") << "an unchanged source keeps its connections";

  // 2. An invalid change is rejected and counted; the running flow is untouched.
  agent.WriteConfig("spec:\n  sources: [{name: lines, type: netcat}]\n");
  ASSERT_TRUE(WaitFor([&] {
    return agent.Metric("acequia_config_reloads_total", {"result=\"rejected\""}) == 1;
  })) << agent.Log();
  EXPECT_NE(agent.Log().find("spec.sources[0].port: required"), std::string::npos) << agent.Log();
  ASSERT_TRUE(client.Send("still running\n"));
  EXPECT_EQ(client.ReadLine(), "OK");

  ASSERT_EQ(agent.Terminate(), 0) << agent.Log();
  std::vector<std::string> reloaded;
  for (const auto& f : ListFiles(out + "/netcat")) {
    if (f.find("/reloaded-") != std::string::npos) {
      std::istringstream in(ReadFile(f));
      for (std::string l; std::getline(in, l);) reloaded.push_back(l);
    }
  }
  auto all = ReadLinesUnder(out + "/netcat", Any);
  EXPECT_EQ(all.size(), 3u);
  EXPECT_EQ(reloaded, (std::vector<std::string>{"after", "still running"}));
}

TEST(AgentFlowTest, AFullChannelDoesNotStallTheHealthEndpoints) {
  AgentFixture agent;
  const int http_port = FreePort();
  WriteFile(agent.dir() / "blocker", "");  // the sink writes below a file: it can never deliver
  agent.WriteConfig(R"(
sources: [{name: web, type: http, bind: 127.0.0.1, port: )" +
                    std::to_string(http_port) + R"(, channels: [c]}]
channels: [{name: c, type: memory, capacity: 1, transactionCapacity: 1, keepAlive: 500ms}]
sinks: [{name: out, type: file_roll, channel: c, directory: ")" +
                    agent.dir() / "blocker/out" +
                    R"(", batchSize: 1}]
metrics: {port: {metrics_port}}
)");
  ASSERT_TRUE(agent.Start({"--drain-timeout", "1s"})) << agent.Log();
  const std::string url = "http://127.0.0.1:" + std::to_string(http_port) + "/";
  ASSERT_EQ(HttpPost(url, R"([{"body": "fills the channel"}])", "application/json").status, 200);
  // More blocked commits than cpprest has pool threads: each waits keepAlive, one at a time.
  std::vector<std::thread> posts;
  std::atomic<int> unavailable{0};
  for (int i = 0; i < 10; ++i) {
    posts.emplace_back([&] {
      if (HttpPost(url, R"([{"body": "x"}])", "application/json").status == 503) ++unavailable;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto start = std::chrono::steady_clock::now();
  auto ready = HttpGet("http://127.0.0.1:" + std::to_string(agent.metrics_port()) + "/readyz");
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(ready.status, 200);
  EXPECT_LT(waited, std::chrono::milliseconds(400)) << "/readyz waited behind blocked commits";
  for (auto& t : posts) t.join();
  EXPECT_EQ(unavailable, 10) << "every request that found the channel full got 503";
  EXPECT_EQ(agent.Terminate(), 0);
}

TEST(AgentFlowTest, HealthAndReadinessEndpoints) {
  AgentFixture agent;
  agent.WriteConfig(QuickstartLikeConfig(FreePort(), FreePort(), agent.dir() / "out"));
  ASSERT_TRUE(agent.Start()) << agent.Log();
  const std::string base = "http://127.0.0.1:" + std::to_string(agent.metrics_port());
  EXPECT_EQ(HttpGet(base + "/healthz").status, 200);
  EXPECT_EQ(HttpGet(base + "/readyz").status, 200);
  EXPECT_EQ(HttpGet(base + "/nope").status, 404);
  ASSERT_EQ(agent.Terminate(), 0);
}

TEST(AgentFlowTest, APortInUseFailsStartWithTheAddress) {
  const int busy = FreePort();
  AgentFixture first;
  first.WriteConfig(QuickstartLikeConfig(FreePort(), busy, first.dir() / "out"));
  ASSERT_TRUE(first.Start()) << first.Log();
  AgentFixture second;  // wants the netcat port the first agent holds
  second.WriteConfig(QuickstartLikeConfig(FreePort(), busy, second.dir() / "out"));
  EXPECT_FALSE(second.Start());
  EXPECT_EQ(second.process()->Wait(std::chrono::seconds(5)), 1);
  EXPECT_NE(second.Log().find("127.0.0.1:" + std::to_string(busy)), std::string::npos)
      << second.Log();
}

}  // namespace
}  // namespace acequia::testing
