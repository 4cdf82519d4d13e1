#include "sidecar/interceptors/uuid_interceptor.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <thread>

#include "api/flow.h"
#include "sidecar/core/registry.h"
#include "tests/support/component_configs.h"

namespace acequia::sidecar {
namespace {

api::ComponentConfig UuidConfig(const std::string& extra) {
  return testing::InterceptorConfig("type: uuid" + extra);
}

TEST(UuidInterceptorTest, SetsADistinctVersion4UuidInTheIdHeader) {
  UuidInterceptor interceptor(UuidConfig(""));
  std::vector<Event> events(1000);
  interceptor.Intercept(events);
  const std::regex v4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (const auto& event : events) {
    const std::string* id = event.headers.Find("id");
    ASSERT_NE(id, nullptr);
    EXPECT_TRUE(std::regex_match(*id, v4)) << *id;
    seen.insert(*id);
  }
  EXPECT_EQ(seen.size(), events.size());
}

TEST(UuidInterceptorTest, KeepsAnExistingHeaderByDefault) {
  UuidInterceptor interceptor(UuidConfig(""));
  std::vector<Event> events(1);
  events[0].headers.Set("id", "mine");
  interceptor.Intercept(events);
  EXPECT_EQ(*events[0].headers.Find("id"), "mine");
}

TEST(UuidInterceptorTest, HonoursHeaderNamePrefixAndPreserveExistingFalse) {
  UuidInterceptor interceptor(
      UuidConfig(", headerName: eventId, prefix: 'node1-', preserveExisting: false"));
  std::vector<Event> events(1);
  events[0].headers.Set("eventId", "old");
  interceptor.Intercept(events);
  const std::string& id = *events[0].headers.Find("eventId");
  EXPECT_EQ(id.rfind("node1-", 0), 0u) << id;
  EXPECT_EQ(id.size(), 6u + 36u);
  EXPECT_FALSE(events[0].headers.Has("id"));
}

TEST(UuidInterceptorTest, ThreadsDrawDifferentSequences) {
  std::string a;
  std::string b;
  std::thread ta([&] { a = UuidInterceptor::NewUuid(); });
  std::thread tb([&] { b = UuidInterceptor::NewUuid(); });
  ta.join();
  tb.join();
  EXPECT_NE(a, b);
}

TEST(UuidInterceptorTest, IsRegisteredAsUuid) {
  EXPECT_NE(InterceptorRegistry().Find("uuid"), nullptr);
}

}  // namespace
}  // namespace acequia::sidecar
