// Converting Flume agent configurations: the user guide's examples against golden manifests that
// the Flow validator accepts, unsupported parts named with their lines, and the conversions of
// names, units and values. Set ACEQUIA_UPDATE_GOLDEN=1 to rewrite the golden files.
#include "sidecar/convert/flume_converter.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "api/flow.h"

namespace acequia::sidecar::convert {
namespace {

const std::string kTestData = std::string(ACEQUIA_SOURCE_DIR) + "/tests/testdata/flume/";

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

FlumeConversion Convert(std::string_view text, std::string agent = "") {
  FlumeConvertOptions options;
  options.agent = std::move(agent);
  auto result = ConvertFlumeProperties(text, options);
  EXPECT_TRUE(result.ok()) << result.status().message();
  return result.ok() ? *result : FlumeConversion{};
}

std::string Issues(const FlumeConversion& c) {
  std::string out;
  for (const auto& i : c.issues) out += i.Format("agent.properties") + "\n";
  return out;
}

bool HasIssue(const FlumeConversion& c, const std::string& formatted) {
  for (const auto& i : c.issues) {
    if (i.Format("agent.properties") == formatted) return true;
  }
  return false;
}

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, ConvertsToTheGoldenManifestWhichTheValidatorAccepts) {
  const std::string name = GetParam();
  FlumeConvertOptions options;
  options.file_name = name + ".properties";
  auto result = ConvertFlumeProperties(Read(kTestData + name + ".properties"), options);
  ASSERT_TRUE(result.ok()) << result.status().message();
  for (const auto& issue : result->issues) {
    EXPECT_EQ(issue.severity, ConversionIssue::Severity::kNote) << issue.Format(name);
  }
  EXPECT_FALSE(result->dropped_anything());
  const std::string golden_path = kTestData + name + ".yaml";
  if (std::getenv("ACEQUIA_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(golden_path, std::ios::binary | std::ios::trunc) << result->manifest;
  }
  EXPECT_EQ(result->manifest, Read(golden_path));
  api::FlowParseResult flow = api::ParseFlow(result->manifest);
  EXPECT_TRUE(flow.flow.has_value()) << api::JoinErrors(flow.errors);
  EXPECT_TRUE(ValidateConversion(*result).empty());
}

INSTANTIATE_TEST_SUITE_P(UserGuideExamples, GoldenTest,
                         ::testing::Values("netcat_logger", "spooldir_file_roll", "multiplexing",
                                           "failover", "taildir", "exec"));

TEST(FlumeConverterTest, ConvertsUnitsPerProperty) {
  auto c = Convert(R"(a1.sources = r1
a1.channels = c1
a1.sinks = k1
a1.sources.r1.type = exec
a1.sources.r1.command = cat
a1.sources.r1.channels = c1
a1.sources.r1.restartThrottle = 2500
a1.channels.c1.type = memory
a1.channels.c1.keep-alive = 90
a1.sinks.k1.type = file_roll
a1.sinks.k1.channel = c1
a1.sinks.k1.sink.directory = /tmp/x
a1.sinks.k1.sink.rollInterval = 3600
)");
  EXPECT_EQ(Issues(c), "");
  EXPECT_NE(c.manifest.find("restartThrottle: 2s500ms\n"), std::string::npos) << c.manifest;
  EXPECT_NE(c.manifest.find("keepAlive: 1m30s\n"), std::string::npos) << c.manifest;
  EXPECT_NE(c.manifest.find("rollInterval: 1h\n"), std::string::npos) << c.manifest;
}

TEST(FlumeConverterTest, NamesUnsupportedTypesAndPropertiesWithTheirLines) {
  auto c = Convert(Read(kTestData + "unsupported.properties"));
  EXPECT_TRUE(c.dropped_anything());
  EXPECT_TRUE(HasIssue(c,
                       "agent.properties:10: a1.sources.r1.encoding: unsupported value "
                       "\"latin1\" (only utf-8, what Acequia does)"))
      << Issues(c);
  EXPECT_TRUE(HasIssue(c,
                       "agent.properties:12: a1.sources.r2.type: unsupported source type "
                       "\"kafka\"; the source is not converted"))
      << Issues(c);
  EXPECT_TRUE(HasIssue(c,
                       "agent.properties:14: a1.sources.r2.kafka.topics: unsupported "
                       "property of source kafka (the source is not converted)"))
      << Issues(c);
  EXPECT_TRUE(HasIssue(c,
                       "agent.properties:18: a1.sinks.k1.hdfs.kerberosPrincipal: unsupported "
                       "property of sink hdfs (the sink is not converted)"))
      << Issues(c);
  EXPECT_NE(Issues(c).find("agent.properties:20: a1.sinks.k2.type: unsupported sink type "
                           "\"avro\": Acequia agents send to each other with the forward sink"),
            std::string::npos)
      << Issues(c);
  EXPECT_TRUE(HasIssue(c,
                       "agent.properties:27: a1.channels.c1.keep-alive: expected a whole "
                       "number of seconds, got \"soon\""))
      << Issues(c);
  EXPECT_TRUE(HasIssue(c,
                       "agent.properties:28: a1.channels.c1.maxSize: unsupported property of "
                       "channel memory"))
      << Issues(c);
  // What could be converted still is.
  EXPECT_NE(c.manifest.find("port: 6666"), std::string::npos) << c.manifest;
  EXPECT_NE(c.manifest.find("capacity: 1000"), std::string::npos) << c.manifest;
  // The validator's complaints about the result point at the Flume keys.
  auto invalid = ValidateConversion(c);
  ASSERT_FALSE(invalid.empty());
  bool found = false;
  for (const auto& i : invalid) {
    found = found || i.Format("agent.properties") ==
                         "agent.properties:25: a1.channels.c1.type: channel \"c1\" is not read "
                         "by any sink: its events would pile up (spec.channels[0])";
  }
  EXPECT_TRUE(found);
}

TEST(FlumeConverterTest, ValidatorErrorsPointAtTheFlumeProperty) {
  auto c = Convert(R"(a1.sources = r1
a1.channels = c1
a1.sinks = k1
a1.sources.r1.type = netcat
a1.sources.r1.port = 5000
a1.sources.r1.channels = c1
a1.channels.c1.type = memory
a1.channels.c1.capacity = 10
a1.channels.c1.transactionCapacity = 100
a1.sinks.k1.type = logger
a1.sinks.k1.channel = c2
)");
  EXPECT_FALSE(c.dropped_anything()) << Issues(c);
  std::string all;
  for (const auto& i : ValidateConversion(c)) all += i.Format("agent.properties") + "\n";
  EXPECT_NE(all.find("agent.properties:9: a1.channels.c1.transactionCapacity: must not exceed "
                     "capacity (10) (spec.channels[0].transactionCapacity)"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("agent.properties:11: a1.sinks.k1.channel: unknown channel \"c2\" "
                     "(spec.sinks[0].channel)"),
            std::string::npos)
      << all;
}

TEST(FlumeConverterTest, RenamesComponentsToDnsLabelsEverywhereTheyAreNamed) {
  auto c = Convert(R"(Agent_1.sources = Src_A
Agent_1.channels = Mem.Ch
Agent_1.sinks = K_1 K_2
Agent_1.sinkgroups = G_1
Agent_1.sources.Src_A.type = seq
Agent_1.sources.Src_A.channels = Mem.Ch
Agent_1.sources.Src_A.selector.optional = Mem.Ch
Agent_1.channels.Mem.Ch.type = memory
Agent_1.sinks.K_1.type = null
Agent_1.sinks.K_1.channel = Mem.Ch
Agent_1.sinks.K_2.type = null
Agent_1.sinks.K_2.channel = Mem.Ch
Agent_1.sinkgroups.G_1.sinks = K_1 K_2
Agent_1.sinkgroups.G_1.processor.type = failover
Agent_1.sinkgroups.G_1.processor.priority.K_1 = 10
)");
  // A channel name with a dot cannot be told from its properties: Flume cannot either.
  EXPECT_NE(c.manifest.find("name: agent-1\n"), std::string::npos) << c.manifest;
  EXPECT_NE(c.manifest.find("- name: src-a\n"), std::string::npos) << c.manifest;
  EXPECT_NE(c.manifest.find("sinks: [k-1, k-2]"), std::string::npos) << c.manifest;
  EXPECT_NE(c.manifest.find("k-1: 10"), std::string::npos) << c.manifest;
  EXPECT_TRUE(HasIssue(c,
                       "agent.properties:3: Agent_1.sinks: note: sink \"K_1\" is named "
                       "\"k-1\" (names are lower-case DNS labels)"))
      << Issues(c);
}

TEST(FlumeConverterTest, KeepsInterceptorsInTheOrderOfTheirList) {
  auto c = Convert(R"(a1.sources = r1
a1.channels = c1
a1.sinks = k1
a1.sources.r1.type = seq
a1.sources.r1.channels = c1
a1.sources.r1.interceptors = z a m
a1.sources.r1.interceptors.a.type = host
a1.sources.r1.interceptors.m.type = org.apache.flume.sink.solr.morphline.UUIDInterceptor$Builder
a1.sources.r1.interceptors.m.headerName = eventId
a1.sources.r1.interceptors.z.type = timestamp
a1.sources.r1.interceptors.z.headerName = ts
a1.sources.r1.interceptors.x.type = static
a1.channels.c1.type = memory
a1.sinks.k1.type = null
a1.sinks.k1.channel = c1
)");
  const size_t ts = c.manifest.find("- type: timestamp\n          header: ts");
  const size_t host = c.manifest.find("- type: host");
  const size_t uuid = c.manifest.find("- type: uuid\n          headerName: eventId");
  ASSERT_NE(ts, std::string::npos) << c.manifest;
  ASSERT_NE(host, std::string::npos) << c.manifest;
  ASSERT_NE(uuid, std::string::npos) << c.manifest;
  EXPECT_LT(ts, host);
  EXPECT_LT(host, uuid);
  EXPECT_EQ(c.manifest.find("static"), std::string::npos);
  EXPECT_TRUE(HasIssue(c,
                       "agent.properties:12: a1.sources.r1.interceptors.x.type: note: not "
                       "converted: interceptor \"x\" is not listed in "
                       "a1.sources.r1.interceptors, so Flume does not run it either"))
      << Issues(c);
}

TEST(FlumeConverterTest, ChoosesTheAgent) {
  const std::string two = "a1.sources = r\na2.sources = r\n";
  auto ambiguous = ConvertFlumeProperties(two, {});
  ASSERT_FALSE(ambiguous.ok());
  EXPECT_EQ(ambiguous.status().message(),
            "the file configures several agents (a1, a2): choose one with --agent");
  FlumeConvertOptions options;
  options.agent = "a3";
  auto missing = ConvertFlumeProperties(two, options);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "no agent \"a3\" in the file (found: a1, a2)");
  auto none = ConvertFlumeProperties("# nothing\n", {});
  ASSERT_FALSE(none.ok());
  auto chosen = Convert(two + "a2.sources.r.type = seq\n", "a2");
  EXPECT_NE(chosen.manifest.find("name: a2\n"), std::string::npos) << chosen.manifest;
}

TEST(FlumeConverterTest, ReportsOverriddenKeysAndIgnoredTuningAsNotes) {
  auto c = Convert(R"(a1.sources = r1
a1.channels = c1
a1.sinks = k1
a1.sources.r1.type = multiport_syslogtcp
a1.sources.r1.ports = 10001 10002
a1.sources.r1.numProcessors = 4
a1.sources.r1.channels = c1
a1.channels.c1.type = memory
a1.channels.c1.capacity = 100
a1.channels.c1.capacity = 5000
a1.sinks.k1.type = logger
a1.sinks.k1.channel = c1
)");
  EXPECT_FALSE(c.dropped_anything()) << Issues(c);
  EXPECT_NE(c.manifest.find("ports: [10001, 10002]"), std::string::npos) << c.manifest;
  EXPECT_NE(c.manifest.find("capacity: 5000"), std::string::npos) << c.manifest;
  EXPECT_TRUE(HasIssue(c,
                       "agent.properties:9: a1.channels.c1.capacity: note: set again at line "
                       "10, which wins (as in Flume)"))
      << Issues(c);
  EXPECT_TRUE(HasIssue(c,
                       "agent.properties:6: a1.sources.r1.numProcessors: note: ignored: "
                       "Mina's processor threads: one thread serves every port"))
      << Issues(c);
}

TEST(FlumeConverterTest, UnsupportedValuesAreNamed) {
  auto c = Convert(R"(a1.sources = r1
a1.channels = c1
a1.sinks = k1
a1.sources.r1.type = spooldir
a1.sources.r1.spoolDir = /in
a1.sources.r1.deserializer = AVRO
a1.sources.r1.channels = c1
a1.channels.c1.type = memory
a1.sinks.k1.type = file_roll
a1.sinks.k1.channel = c1
a1.sinks.k1.sink.directory = /out
a1.sinks.k1.sink.serializer = HEADER_AND_TEXT
)");
  EXPECT_TRUE(HasIssue(c,
                       "agent.properties:6: a1.sources.r1.deserializer: unsupported value "
                       "\"AVRO\" (supported: LINE, "
                       "org.apache.flume.serialization.LineDeserializer$Builder, "
                       "org.apache.flume.sink.solr.morphline.BlobDeserializer$Builder)"))
      << Issues(c);
  EXPECT_TRUE(HasIssue(c,
                       "agent.properties:12: a1.sinks.k1.sink.serializer: unsupported value "
                       "\"HEADER_AND_TEXT\" (supported: TEXT, avro_event, "
                       "org.apache.flume.serialization.FlumeEventAvroEventSerializer$Builder)"))
      << Issues(c);
}

TEST(FlumeConverterTest, AvroEventSerializerKeepsItsCodecAndBlockSize) {
  auto c = Convert(R"(a1.sources = r1
a1.channels = c1
a1.sinks = k1
a1.sources.r1.type = seq
a1.sources.r1.channels = c1
a1.channels.c1.type = memory
a1.sinks.k1.type = file_roll
a1.sinks.k1.channel = c1
a1.sinks.k1.sink.directory = /out
a1.sinks.k1.sink.serializer = avro_event
a1.sinks.k1.sink.serializer.compressionCodec = snappy
a1.sinks.k1.sink.serializer.syncIntervalBytes = 4096000
)");
  EXPECT_EQ(Issues(c), "") << "nothing dropped";
  auto flow = api::ParseFlow(c.manifest);
  ASSERT_TRUE(flow.flow) << api::JoinErrors(flow.errors) << "\n" << c.manifest;
  const auto& sink = flow.flow->spec.sinks.at(0);
  EXPECT_EQ(sink.properties.GetString("serializer"), "avro_event");
  EXPECT_EQ(sink.properties.GetString("compression"), "snappy");
  EXPECT_EQ(sink.properties.GetSize("syncIntervalBytes"), 4096000);
}

TEST(FlumeConverterTest, TaildirPatternsBecomeGlobs) {
  EXPECT_EQ(*FileRegexToGlob("/var/log/app/.*\\.log"), "/var/log/app/*.log");
  EXPECT_EQ(*FileRegexToGlob("/var/log/app/^app-[0-9].log$"), "/var/log/app/app-[0-9]?log");
  EXPECT_EQ(*FileRegexToGlob("/var/log/a/[^.]x"), "/var/log/a/[!.]x");
  EXPECT_EQ(*FileRegexToGlob("/var/log/a/x.+"), "/var/log/a/x?*");
  auto bad = FileRegexToGlob("/var/log/a/(app|web)\\.log");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("has no glob equivalent (operator ()"), std::string::npos)
      << bad.status().message();
  EXPECT_FALSE(FileRegexToGlob("/var/log/a/a+b").ok());
  EXPECT_FALSE(FileRegexToGlob("relative.log").ok());
}

// Found by fuzz/flume_properties_fuzz.cc: a numeric property whose value is not a number went
// into the manifest as is ("port: " followed by NUL bytes and "*= 5140"), and the manifest was no
// longer YAML.
TEST(FlumeConverterTest, NonNumbersInNumericPropertiesKeepTheManifestYaml) {
  using namespace std::string_literals;
  auto c = Convert(
      "a1.sources = r1\n"
      "a1.channels = c1\n"
      "a1.sources.r1.type = syslogtcp\n"
      "a1.sources.r1.port \0\0*= 5140\n"s
      "a1.sources.r1.channels = c1\n"
      "a1.channels.c1.type = memory\n"
      "a1.channels.c1.capacity = [10\n"
      "a1.channels.c1.transactionCapacity = 1 # 2\n");
  YAML::Node manifest;
  ASSERT_NO_THROW(manifest = YAML::Load(c.manifest)) << c.manifest;
  EXPECT_EQ(manifest["spec"]["sources"][0]["port"].as<std::string>(), "\0\0*= 5140"s);
  EXPECT_EQ(manifest["spec"]["channels"][0]["capacity"].as<std::string>(), "[10");
  EXPECT_EQ(manifest["spec"]["channels"][0]["transactionCapacity"].as<std::string>(), "1 # 2");
  std::string errors;
  for (const auto& issue : ValidateConversion(c)) errors += issue.Format("agent.properties") + "\n";
  EXPECT_NE(errors.find("agent.properties:4: a1.sources.r1.port: "), std::string::npos) << errors;
  EXPECT_NE(errors.find("agent.properties:7: a1.channels.c1.capacity: "), std::string::npos)
      << errors;
}

// Found by fuzz/flume_properties_fuzz.cc: ".sources = r1" counted as an agent named "", so a file
// with one agent was refused as configuring several ("a1"), and --agent could not name it.
TEST(FlumeConverterTest, IgnoresKeysWithAnEmptyAgentName) {
  auto c = Convert(".sources = r1\na1.sources = r1\na1.sources.r1.type = seq\n");
  EXPECT_EQ(c.agent, "a1");
}

// Found by fuzz/flume_properties_fuzz.cc (UBSan): seconds were multiplied into milliseconds
// without a range check, overflowing int64.
TEST(FlumeConverterTest, RejectsDurationsBeyondRange) {
  const std::string head = "a1.channels = c1\na1.channels.c1.type = memory\n";
  auto huge = Convert(head + "a1.channels.c1.keep-alive = 9223372036854776\n");
  EXPECT_TRUE(HasIssue(huge,
                       "agent.properties:3: a1.channels.c1.keep-alive: expected a whole number "
                       "of seconds, got \"9223372036854776\""))
      << Issues(huge);
  EXPECT_EQ(huge.manifest.find("keepAlive"), std::string::npos) << huge.manifest;
  auto largest = Convert(head + "a1.channels.c1.keep-alive = 9223372036854775\n");
  EXPECT_FALSE(largest.dropped_anything()) << Issues(largest);
  EXPECT_NE(largest.manifest.find("keepAlive: 2562047788015h12m55s\n"), std::string::npos)
      << largest.manifest;
}

// Found by fuzz/flume_properties_fuzz.cc: an agent name with a line break ("a\nb", written
// a\nb in the file) ended the manifest's header comment, and the rest of it was not YAML.
TEST(FlumeConverterTest, NamesInTheHeaderCommentStayInTheComment) {
  auto c = Convert("a\\nb.sources = r1\na\\nb.sources.r1.type = seq\n");
  ASSERT_EQ(c.agent, "a\nb");
  EXPECT_EQ(c.manifest.substr(0, c.manifest.find('\n') + 1),
            "# Converted from agent.properties (Flume agent \"a\\nb\") by acequia-agent "
            "convert-flume.\n");
  YAML::Node manifest;
  ASSERT_NO_THROW(manifest = YAML::Load(c.manifest)) << c.manifest;
  EXPECT_EQ(manifest["kind"].as<std::string>(), "Flow");
}

TEST(FlumeConverterTest, FlowNamesAreDnsLabels) {
  EXPECT_EQ(FlowName("a1"), "a1");
  EXPECT_EQ(FlowName("HDFS_Sink.1"), "hdfs-sink-1");
  EXPECT_EQ(FlowName("__"), "flume");
  EXPECT_EQ(FlowName(std::string(80, 'x')).size(), 63u);
}

}  // namespace
}  // namespace acequia::sidecar::convert
