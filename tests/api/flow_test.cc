#include "api/flow.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace acequia::api {
namespace {

using ::testing::HasSubstr;

// The errors of parsing `yaml`, one string each ("path: message").
std::vector<std::string> ErrorsOf(const std::string& yaml) {
  std::vector<std::string> out;
  for (const auto& e : ParseFlow(yaml).errors) out.push_back(e.ToString());
  return out;
}

// A valid flow with `extra` lines appended to nothing; tests break one thing at a time.
constexpr const char* kMinimal = R"(
sources: [{name: in, type: netcat, port: 6000, channels: [main]}]
channels: [{name: main, type: memory}]
sinks: [{name: out, type: logger, channel: main}]
)";

TEST(FlowTest, ParsesAWholeManifestWithDefaults) {
  auto parsed = ParseFlow(R"(
apiVersion: acequia.io/v1alpha1
kind: Flow
metadata: {name: web-logs, namespace: shop}
spec:
  replicas: 2
  sources:
    - name: web
      type: http
      port: 8080
      channels: [main, errors]
      selector: {type: multiplexing, header: level, mapping: {error: [errors]}, default: [main]}
      interceptors:
        - {type: timestamp}
        - {type: static, key: team, value: payments}
  channels:
    - {name: main, type: memory, capacity: 100000, transactionCapacity: 1000}
    - {name: errors, type: memory}
  sinks:
    - {name: archive, type: file_roll, channel: main, directory: "/data/%Y-%m-%d", rollInterval: 1m}
    - {name: alert, type: logger, channel: errors}
  metrics: {port: 9500}
)");
  ASSERT_TRUE(parsed.flow) << JoinErrors(parsed.errors);
  const Flow& flow = *parsed.flow;
  EXPECT_EQ(flow.name, "web-logs");
  EXPECT_EQ(flow.namespace_name, "shop");
  EXPECT_EQ(flow.spec.replicas, 2);
  EXPECT_EQ(flow.spec.metrics_port, 9500);
  ASSERT_EQ(flow.spec.sources.size(), 1u);
  const auto& web = flow.spec.sources[0];
  EXPECT_EQ(web.properties.GetString("bind"), "0.0.0.0") << "defaults come from the table";
  EXPECT_EQ(web.properties.GetSize("maxBodySize"), 16 << 20);
  EXPECT_EQ(web.selector.type, "multiplexing");
  EXPECT_EQ(web.selector.properties.GetListMap("mapping").at("error"),
            std::vector<std::string>{"errors"});
  ASSERT_EQ(web.interceptors.size(), 2u);
  EXPECT_EQ(web.interceptors[1].properties.GetString("value"), "payments");
  EXPECT_EQ(flow.spec.channels[1].properties.GetInt("capacity"), 10000);
  EXPECT_EQ(flow.spec.sinks[0].properties.GetDuration("rollInterval"), std::chrono::minutes(1));
  EXPECT_EQ(flow.spec.sinks[0].properties.GetInt("batchSize"), 100);
}

TEST(FlowTest, ABareSpecIsAFlowNamedByTheCaller) {
  auto parsed = ParseFlow(kMinimal, "laptop");
  ASSERT_TRUE(parsed.flow) << JoinErrors(parsed.errors);
  EXPECT_EQ(parsed.flow->name, "laptop");
  EXPECT_EQ(parsed.flow->spec.mode, "collector");
  EXPECT_EQ(parsed.flow->spec.sources[0].selector.type, "replicating");
}

TEST(FlowTest, UnknownTypesListTheKnownOnes) {
  EXPECT_THAT(ErrorsOf(R"(
sources: [{name: in, type: kafka, channels: [main]}]
channels: [{name: main, type: memory}]
sinks: [{name: out, type: logger, channel: main}]
)"),
              ::testing::Contains(::testing::AllOf(
                  HasSubstr("spec.sources[0].type: unknown source type \"kafka\" (known: "),
                  HasSubstr("http, "), HasSubstr("netcat"))));
}

TEST(FlowTest, UnknownPropertiesAreRejectedWithTheirPath) {
  EXPECT_THAT(ErrorsOf(R"(
sources: [{name: in, type: netcat, port: 6000, channels: [main]}]
channels: [{name: main, type: memory, capacty: 10}]
sinks: [{name: out, type: logger, channel: main}]
)"),
              ::testing::ElementsAre(HasSubstr(
                  "spec.channels[0].capacty: unknown property for channel type \"memory\"")));
}

TEST(FlowTest, WiringErrorsNameTheField) {
  EXPECT_THAT(ErrorsOf(R"(
sources: [{name: in, type: netcat, port: 6000, channels: [main, nowhere]}]
channels: [{name: main, type: memory}, {name: idle, type: memory}]
sinks: [{name: out, type: logger, channel: mian}]
)"),
              ::testing::UnorderedElementsAre(
                  "spec.sources[0].channels[1]: unknown channel \"nowhere\"",
                  "spec.sinks[0].channel: unknown channel \"mian\"",
                  HasSubstr("spec.channels[0]: channel \"main\" is not read by any sink"),
                  HasSubstr("spec.channels[1]: channel \"idle\" is not read by any sink")));
}

TEST(FlowTest, DuplicateNamesPointAtTheFirst) {
  EXPECT_THAT(ErrorsOf(R"(
sources: [{name: in, type: netcat, port: 6000, channels: [main]}]
channels: [{name: main, type: memory}, {name: main, type: memory}]
sinks: [{name: out, type: logger, channel: main}]
)"),
              ::testing::ElementsAre(
                  "spec.channels[1].name: duplicate name \"main\" (also spec.channels[0])"));
}

TEST(FlowTest, BadDurationsSizesAndNumbers) {
  EXPECT_THAT(ErrorsOf(R"(
sources: [{name: in, type: http, port: 70000, channels: [main], maxBodySize: 5GB}]
channels: [{name: main, type: memory, keepAlive: soon, capacity: lots}]
sinks: [{name: out, type: file_roll, channel: main, directory: /tmp/x, rollInterval: 10x}]
)"),
              ::testing::UnorderedElementsAre(
                  "spec.sources[0].port: must be at most 65535, got 70000",
                  HasSubstr("spec.sources[0].maxBodySize: invalid size \"5GB\""),
                  HasSubstr("spec.channels[0].keepAlive: invalid duration \"soon\""),
                  "spec.channels[0].capacity: expected an integer, got \"lots\"",
                  HasSubstr("spec.sinks[0].rollInterval: invalid duration \"10x\"")));
}

TEST(FlowTest, RequiredPropertiesAreNamed) {
  EXPECT_THAT(ErrorsOf(R"(
sources: [{name: in, type: netcat, channels: [main]}]
channels: [{name: main, type: memory}]
sinks: [{name: out, type: file_roll, channel: main}]
)"),
              ::testing::UnorderedElementsAre(
                  "spec.sources[0].port: required by source type \"netcat\"",
                  "spec.sinks[0].directory: required by sink type \"file_roll\""));
}

TEST(FlowTest, BatchesMustFitTheChannelTransaction) {
  EXPECT_THAT(ErrorsOf(R"(
sources: [{name: in, type: netcat, port: 6000, channels: [main], batchSize: 500}]
channels: [{name: main, type: memory, transactionCapacity: 100}]
sinks: [{name: out, type: "null", channel: main, batchSize: 200}]
)"),
              ::testing::UnorderedElementsAre(
                  "spec.sources[0].batchSize: 500 is larger than the transactionCapacity (100) of "
                  "channel \"main\"",
                  "spec.sinks[0].batchSize: 200 is larger than the transactionCapacity (100) of "
                  "channel \"main\""));
}

TEST(FlowTest, PortsMayNotCollide) {
  EXPECT_THAT(ErrorsOf(R"(
sources:
  - {name: a, type: netcat, port: 6000, channels: [main]}
  - {name: b, type: http, port: 6000, channels: [main]}
  - {name: c, type: http, port: 9464, channels: [main]}
channels: [{name: main, type: memory}]
sinks: [{name: out, type: logger, channel: main}]
)"),
              ::testing::UnorderedElementsAre(
                  "spec.sources[1].port: port 6000 is already used by spec.sources[0].port",
                  "spec.sources[2].port: port 9464 is already used by spec.metrics.port"));
}

TEST(FlowTest, SelectorsMayOnlyNameTheSourcesChannels) {
  EXPECT_THAT(
      ErrorsOf(R"(
sources:
  - name: in
    type: netcat
    port: 6000
    channels: [main]
    selector: {type: multiplexing, header: level, mapping: {error: [other]}}
channels: [{name: main, type: memory}, {name: other, type: memory}]
sinks: [{name: out, type: logger, channel: main}, {name: out2, type: logger, channel: other}]
)"),
      ::testing::UnorderedElementsAre(
          "spec.sources[0].selector.mapping.error: channel \"other\" is not one of the source's "
          "channels",
          HasSubstr("spec.sources[0].selector.default: required: events whose header matches no "
                    "mapping need a channel")));
}

TEST(FlowTest, InvalidYamlGivesTheLine) {
  auto errors = ErrorsOf("sources: [{name: in\nchannels: : :\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("invalid YAML at line"));
}

TEST(FlowTest, ManifestEnvelopeIsChecked) {
  EXPECT_THAT(
      ErrorsOf(R"(
apiVersion: acequia.io/v2
kind: Pipeline
metadata: {name: Bad_Name}
spec: {}
)"),
      ::testing::IsSupersetOf({"apiVersion: must be acequia.io/v1alpha1, got \"acequia.io/v2\"",
                               "kind: must be Flow, got \"Pipeline\"",
                               "metadata.name: invalid name \"Bad_Name\""}));
}

TEST(FlowTest, UnknownSpecFieldsAndBadNames) {
  EXPECT_THAT(
      ErrorsOf(R"(
sources: [{name: In_1, type: netcat, port: 6000, channels: [main]}]
channels: [{name: main, type: memory}]
sinks: [{name: out, type: logger, channel: main}]
sink: [{name: oops}]
)"),
      ::testing::UnorderedElementsAre(HasSubstr("spec.sink: unknown field"),
                                      HasSubstr("spec.sources[0].name: invalid name \"In_1\"")));
}

TEST(FlowTest, BareNullTypeExplainsTheQuoting) {
  EXPECT_THAT(ErrorsOf(R"(
sources: [{name: in, type: netcat, port: 6000, channels: [main]}]
channels: [{name: main, type: memory}]
sinks: [{name: out, type: null, channel: main}]
)"),
              ::testing::ElementsAre(HasSubstr(
                  "spec.sinks[0].type: required (YAML reads a bare null as no value: write "
                  "\"null\" in quotes")));
}

TEST(FlowTest, RegularExpressionsAreCompiledAtValidation) {
  EXPECT_THAT(ErrorsOf(R"(
sources:
  - name: in
    type: netcat
    port: 6000
    channels: [main]
    interceptors: [{type: regex_filter, regex: "a(b"}]
channels: [{name: main, type: memory}]
sinks: [{name: out, type: logger, channel: main}]
)"),
              ::testing::ElementsAre(HasSubstr(
                  "spec.sources[0].interceptors[0].regex: invalid regular expression \"a(b\": "
                  "missing )")));
}

TEST(FlowTest, FingerprintsChangeWithAnyProperty) {
  auto a = ParseFlow(kMinimal);
  auto b = ParseFlow(R"(
sources: [{name: in, type: netcat, port: 6000, channels: [main], ack: false}]
channels: [{name: main, type: memory}]
sinks: [{name: out, type: logger, channel: main}]
)");
  ASSERT_TRUE(a.flow && b.flow);
  EXPECT_NE(a.flow->spec.sources[0].Fingerprint(), b.flow->spec.sources[0].Fingerprint());
  EXPECT_EQ(a.flow->spec.channels[0].Fingerprint(), b.flow->spec.channels[0].Fingerprint());
  EXPECT_EQ(a.flow->spec.sinks[0].Fingerprint(), b.flow->spec.sinks[0].Fingerprint());
}

TEST(FlowTest, SinkGroupsNeedKnownSinksOnce) {
  EXPECT_THAT(ErrorsOf(R"(
sources: [{name: in, type: netcat, port: 6000, channels: [main]}]
channels: [{name: main, type: memory}]
sinks: [{name: out, type: logger, channel: main}]
sinkGroups:
  - {name: g1, sinks: [out, ghost]}
  - {name: g2, sinks: [out]}
)"),
              ::testing::UnorderedElementsAre(
                  "spec.sinkGroups[0].sinks[1]: unknown sink \"ghost\"",
                  "spec.sinkGroups[1].sinks[0]: sink \"out\" is already in spec.sinkGroups[0]",
                  HasSubstr("spec.sinkGroups[0].processor: the default processor runs one sink")));
}

}  // namespace
}  // namespace acequia::api
