#include "sidecar/interceptors/host_interceptor.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <climits>

#include "api/flow.h"
#include "sidecar/core/registry.h"
#include "tests/support/component_configs.h"

namespace acequia::sidecar {
namespace {

api::ComponentConfig HostConfig(const std::string& extra) {
  return testing::InterceptorConfig("type: host" + extra);
}

TEST(HostInterceptorTest, SetsTheHostNameWhenUseIpIsFalse) {
  char name[HOST_NAME_MAX + 1] = {};
  ASSERT_EQ(gethostname(name, sizeof name - 1), 0);
  HostInterceptor interceptor(HostConfig(", useIP: false"));
  std::vector<Event> events(3);
  interceptor.Intercept(events);
  for (const auto& event : events) {
    ASSERT_TRUE(event.headers.Has("host"));
    EXPECT_EQ(*event.headers.Find("host"), name);
  }
}

TEST(HostInterceptorTest, SetsAnIpv4AddressByDefault) {
  HostInterceptor interceptor(HostConfig(", hostHeader: agent"));
  std::vector<Event> events(1);
  interceptor.Intercept(events);
  ASSERT_TRUE(events[0].headers.Has("agent"));
  const std::string& value = *events[0].headers.Find("agent");
  in_addr parsed{};
  EXPECT_EQ(inet_pton(AF_INET, value.c_str(), &parsed), 1) << value;
  EXPECT_EQ(value, HostInterceptor::LocalIpv4Address());
}

TEST(HostInterceptorTest, KeepsAnExistingHeaderWithPreserveExisting) {
  HostInterceptor interceptor(HostConfig(", useIP: false, preserveExisting: true"));
  std::vector<Event> events(2);
  events[0].headers.Set("host", "origin.example");
  interceptor.Intercept(events);
  EXPECT_EQ(*events[0].headers.Find("host"), "origin.example");
  EXPECT_EQ(*events[1].headers.Find("host"), HostInterceptor::LocalHostName());

  HostInterceptor overwrite(HostConfig(", useIP: false"));
  overwrite.Intercept(events);
  EXPECT_EQ(*events[0].headers.Find("host"), HostInterceptor::LocalHostName());
}

TEST(HostInterceptorTest, IsRegisteredAsHost) {
  EXPECT_NE(InterceptorRegistry().Find("host"), nullptr);
}

}  // namespace
}  // namespace acequia::sidecar
