#include "sidecar/interceptors/static_interceptor.h"

#include <gtest/gtest.h>

#include "api/flow.h"
#include "sidecar/core/registry.h"
#include "tests/support/component_configs.h"

namespace acequia::sidecar {
namespace {

api::ComponentConfig StaticConfig(const std::string& extra) {
  return testing::InterceptorConfig("type: static" + extra);
}

TEST(StaticInterceptorTest, SetsTheConfiguredHeaderOnEveryEvent) {
  StaticInterceptor interceptor(StaticConfig(", key: datacenter, value: eu-west"));
  std::vector<Event> events = {Event{{}, "a"}, Event{{}, "b"}};
  interceptor.Intercept(events);
  for (const auto& event : events) {
    ASSERT_TRUE(event.headers.Has("datacenter"));
    EXPECT_EQ(*event.headers.Find("datacenter"), "eu-west");
  }
}

TEST(StaticInterceptorTest, KeepsAnExistingHeaderByDefault) {
  StaticInterceptor interceptor(StaticConfig(", key: datacenter, value: eu-west"));
  std::vector<Event> events(2);
  events[0].headers.Set("datacenter", "us-east");
  interceptor.Intercept(events);
  EXPECT_EQ(*events[0].headers.Find("datacenter"), "us-east");
  EXPECT_EQ(*events[1].headers.Find("datacenter"), "eu-west");
}

TEST(StaticInterceptorTest, OverwritesWhenPreserveExistingIsFalse) {
  StaticInterceptor interceptor(
      StaticConfig(", key: datacenter, value: eu-west, preserveExisting: false"));
  std::vector<Event> events(1);
  events[0].headers.Set("datacenter", "us-east");
  interceptor.Intercept(events);
  EXPECT_EQ(*events[0].headers.Find("datacenter"), "eu-west");
  EXPECT_EQ(events[0].headers.size(), 1u);
}

TEST(StaticInterceptorTest, IsRegisteredAsStatic) {
  EXPECT_NE(InterceptorRegistry().Find("static"), nullptr);
}

}  // namespace
}  // namespace acequia::sidecar
