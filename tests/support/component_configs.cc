#include "tests/support/component_configs.h"

#include <gtest/gtest.h>

namespace acequia::testing {

api::Flow ParseValidFlow(const std::string& yaml, const std::string& name) {
  auto parsed = api::ParseFlow(yaml, name);
  EXPECT_TRUE(parsed.flow) << api::JoinErrors(parsed.errors) << "\nin:\n" << yaml;
  return parsed.flow ? *parsed.flow : api::Flow{};
}

namespace {

std::string FlowWithInterceptor(const std::string& fields) {
  return "sources: [{name: s, type: netcat, port: 7000, channels: [c], batchSize: 1, "
         "interceptors: [{" +
         fields +
         "}]}]\n"
         "channels: [{name: c, type: memory}]\n"
         "sinks: [{name: k, type: \"null\", channel: c, batchSize: 1}]\n";
}

}  // namespace

std::string InterceptorConfigErrors(const std::string& fields) {
  return api::JoinErrors(api::ParseFlow(FlowWithInterceptor(fields)).errors);
}

api::ComponentConfig InterceptorConfig(const std::string& fields) {
  api::Flow flow = ParseValidFlow(FlowWithInterceptor(fields));
  return flow.spec.sources.empty() || flow.spec.sources[0].interceptors.empty()
             ? api::ComponentConfig{}
             : flow.spec.sources[0].interceptors[0];
}

api::ComponentConfig ChannelConfig(const std::string& fields) {
  api::Flow flow = ParseValidFlow(
      "sources: [{name: s, type: netcat, port: 7000, channels: [c], batchSize: 1}]\n"
      "channels: [{name: c, " +
      fields +
      "}]\n"
      "sinks: [{name: k, type: \"null\", channel: c, batchSize: 1}]\n");
  return flow.spec.channels.empty() ? api::ComponentConfig{} : flow.spec.channels[0];
}

api::SinkConfig SinkConfig(const std::string& fields) {
  api::Flow flow = ParseValidFlow(
      "sources: [{name: s, type: netcat, port: 7000, channels: [c], batchSize: 1}]\n"
      "channels: [{name: c, type: memory, capacity: 100000, transactionCapacity: 10000}]\n"
      "sinks: [{channel: c, " +
      fields + "}]\n");
  return flow.spec.sinks.empty() ? api::SinkConfig{} : flow.spec.sinks[0];
}

}  // namespace acequia::testing
