#include "sidecar/interceptors/timestamp_interceptor.h"

#include <gtest/gtest.h>

#include <chrono>

#include "api/flow.h"
#include "sidecar/core/registry.h"
#include "tests/support/component_configs.h"

namespace acequia::sidecar {
namespace {

api::ComponentConfig TimestampConfig(const std::string& extra) {
  return testing::InterceptorConfig("type: timestamp" + extra);
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST(TimestampInterceptorTest, SetsTheTimestampHeaderToNowInMilliseconds) {
  TimestampInterceptor interceptor(TimestampConfig(""));
  std::vector<Event> events = {Event{{}, "a"}, Event{{}, "b"}};
  const int64_t before = NowMs();
  interceptor.Intercept(events);
  const int64_t after = NowMs();
  ASSERT_EQ(events.size(), 2u);
  for (const auto& event : events) {
    const std::string* value = event.headers.Find("timestamp");
    ASSERT_NE(value, nullptr);
    const int64_t ms = std::stoll(*value);
    EXPECT_GE(ms, before);
    EXPECT_LE(ms, after);
  }
  EXPECT_EQ(events[0].body, "a") << "the body is untouched";
}

TEST(TimestampInterceptorTest, OverwritesAnExistingHeaderUnlessPreserveExisting) {
  Event old;
  old.headers.Set("ts", "42");

  TimestampInterceptor overwrite(TimestampConfig(", header: ts"));
  std::vector<Event> events = {old};
  overwrite.Intercept(events);
  EXPECT_NE(*events[0].headers.Find("ts"), "42");
  EXPECT_FALSE(events[0].headers.Has("timestamp")) << "only the configured header is set";

  TimestampInterceptor preserve(TimestampConfig(", header: ts, preserveExisting: true"));
  events = {old, Event{}};
  preserve.Intercept(events);
  EXPECT_EQ(*events[0].headers.Find("ts"), "42");
  ASSERT_TRUE(events[1].headers.Has("ts")) << "events without the header still get it";
}

TEST(TimestampInterceptorTest, IsRegisteredAsTimestamp) {
  EXPECT_NE(InterceptorRegistry().Find("timestamp"), nullptr);
}

}  // namespace
}  // namespace acequia::sidecar
