// file_roll's avro_event serializer, end to end: the real agent writes what the http source
// accepted, and Apache Avro's own Python implementation (not ours, not libavro) reads every
// record back — for a Flow written by hand, and for one converted from a Flume configuration.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/agent_fixture.h"
#include "tests/support/net_client.h"
#include "tests/support/process.h"
#include "tests/support/test_env.h"

namespace acequia::testing {
namespace {

const std::string kReader = std::string(ACEQUIA_SOURCE_DIR) + "/tests/support/read_avro_events.py";

struct AvroFiles {
  std::vector<std::string> codecs;  // one per file
  std::vector<nlohmann::json> schemas;
  std::vector<nlohmann::json> events;  // {"headers", "body_hex"}, in file order
};

// Reads every closed file under `dir` with Apache Avro's Python reader.
AvroFiles ReadWithApacheAvro(const std::string& dir, const std::string& log_dir) {
  std::vector<std::string> argv = {"/usr/bin/python3", kReader};
  for (const auto& f : ListFiles(dir)) {
    if (f.size() < 4 || f.compare(f.size() - 4, 4, ".tmp") != 0) argv.push_back(f);
  }
  ChildProcess reader(argv, log_dir);
  reader.Start();
  EXPECT_EQ(reader.Wait(std::chrono::seconds(60)), 0) << reader.Stderr();
  AvroFiles out;
  std::istringstream lines(reader.Stdout());
  for (std::string line; std::getline(lines, line);) {
    auto item = nlohmann::json::parse(line);
    if (item.contains("file")) {
      out.codecs.push_back(item["codec"]);
      out.schemas.push_back(item["schema"]);
    } else {
      out.events.push_back(item);
    }
  }
  return out;
}

std::string Hex(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : bytes) {
    hex += kDigits[c >> 4];
    hex += kDigits[c & 15];
  }
  return hex;
}

// Posts `count` events in batches of 100, each with headers and a body that names it; returns
// what the reader should print for them.
std::vector<nlohmann::json> PostEvents(int port, int count) {
  std::vector<nlohmann::json> expected;
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  for (int from = 0; from < count; from += 100) {
    nlohmann::json batch = nlohmann::json::array();
    for (int i = from; i < std::min(count, from + 100); ++i) {
      const std::string body = "event " + std::to_string(i) + " — naïve ✓";
      nlohmann::json headers = {{"n", std::to_string(i)}, {"tenant", i % 2 ? "shop" : "blog"}};
      batch.push_back({{"headers", headers}, {"body", body}});
      expected.push_back({{"headers", headers}, {"body_hex", Hex(body)}});
    }
    EXPECT_EQ(HttpPost(url, batch.dump(), "application/json").status, 200);
  }
  return expected;
}

std::vector<nlohmann::json> SortedByN(std::vector<nlohmann::json> events) {
  std::sort(events.begin(), events.end(), [](const auto& a, const auto& b) {
    return std::stoi(a["headers"]["n"].template get<std::string>()) <
           std::stoi(b["headers"]["n"].template get<std::string>());
  });
  return events;
}

TEST(FileRollAvroAgentTest, ApacheAvroReadsEveryEventTheAgentAccepted) {
  AgentFixture agent;
  const int port = FreePort();
  const std::string out = agent.dir() / "out";
  agent.WriteConfig(R"(apiVersion: acequia.io/v1alpha1
kind: Flow
metadata: {name: avro}
spec:
  metrics: {port: {metrics_port}}
  sources:
    - {name: in, type: http, port: )" +
                    std::to_string(port) + R"(, channels: [mem]}
  channels:
    - {name: mem, type: memory}
  sinks:
    - name: archive
      type: file_roll
      channel: mem
      directory: )" +
                    out + R"(/%{tenant}
      serializer: avro_event
      compression: zstd
      fileSuffix: .avro
      rollCount: 300
)");
  ASSERT_TRUE(agent.Start()) << agent.Log();
  auto expected = PostEvents(port, 2000);
  ASSERT_EQ(agent.Terminate(), 0) << agent.Log();

  AvroFiles shop = ReadWithApacheAvro(out + "/shop", agent.dir().path());
  AvroFiles blog = ReadWithApacheAvro(out + "/blog", agent.dir().path());
  EXPECT_EQ(shop.codecs.size(), 4u) << "1,000 events per tenant, rolled every 300";
  for (const auto& codec : shop.codecs) EXPECT_EQ(codec, "zstandard");
  ASSERT_FALSE(shop.schemas.empty());
  EXPECT_EQ(shop.schemas[0]["name"], "Event");
  std::vector<nlohmann::json> all = shop.events;
  all.insert(all.end(), blog.events.begin(), blog.events.end());
  EXPECT_EQ(SortedByN(all), expected) << "every event once, headers and body intact";
}

TEST(FileRollAvroAgentTest, AFlumeAvroEventSinkConvertsAndRunsUnchanged) {
  TempDir dir;
  const int port = FreePort();
  const std::string out = dir / "out";
  WriteFile(dir / "agent.properties", R"(a1.sources = web
a1.channels = mem
a1.sinks = archive
a1.sources.web.type = http
a1.sources.web.port = )" + std::to_string(port) +
                                          R"(
a1.sources.web.channels = mem
a1.channels.mem.type = memory
a1.sinks.archive.type = file_roll
a1.sinks.archive.channel = mem
a1.sinks.archive.sink.directory = )" + out +
                                          R"(
a1.sinks.archive.sink.serializer = avro_event
a1.sinks.archive.sink.serializer.compressionCodec = snappy
)");
  ChildProcess convert(
      {AgentBinary(), "convert-flume", dir / "agent.properties", "-o", dir / "flow.yaml"},
      dir.path());
  convert.Start();
  ASSERT_EQ(convert.Wait(std::chrono::seconds(20)), 0) << convert.Stderr();

  AgentFixture agent;
  agent.WriteConfig(ReadFile(dir / "flow.yaml"));
  ASSERT_TRUE(agent.Start()) << agent.Log();
  auto expected = PostEvents(port, 500);
  ASSERT_EQ(agent.Terminate(), 0) << agent.Log();

  AvroFiles files = ReadWithApacheAvro(out, dir.path());
  ASSERT_FALSE(files.codecs.empty());
  for (const auto& codec : files.codecs) EXPECT_EQ(codec, "snappy");
  EXPECT_EQ(SortedByN(files.events), expected);
}

}  // namespace
}  // namespace acequia::testing
