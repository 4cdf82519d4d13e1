#include "sidecar/sinks/null_sink.h"

#include <gtest/gtest.h>

#include "api/flow.h"
#include "sidecar/core/registry.h"
#include "tests/support/component_configs.h"

namespace acequia::sidecar {
namespace {

api::SinkConfig NullConfig(const std::string& extra) {
  return testing::SinkConfig("name: k, type: \"null\"" + extra);
}

TEST(NullSinkTest, AcceptsEveryBatch) {
  NullSink sink(NullConfig(""));
  ASSERT_TRUE(sink.Start().ok());
  std::vector<Event> events(50, Event{{}, "discarded"});
  EXPECT_TRUE(sink.Deliver(events).ok());
  EXPECT_TRUE(sink.Deliver({}).ok());
  EXPECT_TRUE(sink.Tick().ok());
  sink.Stop();
}

TEST(NullSinkTest, TakesBatchSizeFromItsConfig) {
  EXPECT_EQ(NullSink(NullConfig("")).BatchSize(), 100u) << "Flume's default";
  EXPECT_EQ(NullSink(NullConfig(", batchSize: 500")).BatchSize(), 500u);
}

TEST(NullSinkTest, IsRegisteredAsNull) {
  const auto* factory = SinkRegistry().Find("null");
  ASSERT_NE(factory, nullptr);
  AgentMetrics metrics("test");
  auto sink = (*factory)(NullConfig(", batchSize: 7"), ComponentContext{"test", &metrics});
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  EXPECT_EQ((*sink)->BatchSize(), 7u);
}

}  // namespace
}  // namespace acequia::sidecar
