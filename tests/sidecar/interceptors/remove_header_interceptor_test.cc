#include "sidecar/interceptors/remove_header_interceptor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/flow.h"
#include "sidecar/core/registry.h"
#include "tests/support/component_configs.h"

namespace acequia::sidecar {
namespace {

std::unique_ptr<RemoveHeaderInterceptor> Make(const std::string& fields) {
  auto interceptor =
      RemoveHeaderInterceptor::Create(testing::InterceptorConfig("type: remove_header" + fields));
  EXPECT_TRUE(interceptor.ok()) << interceptor.status().ToString();
  return interceptor.ok() ? std::move(interceptor).value() : nullptr;
}

Event WithHeaders(std::initializer_list<std::pair<std::string, std::string>> headers) {
  Event event;
  for (const auto& [k, v] : headers) event.headers.Set(k, v);
  return event;
}

std::vector<std::string> Names(const Event& event) {
  std::vector<std::string> names;
  for (const auto& [name, _] : event.headers) names.push_back(name);
  return names;
}

TEST(RemoveHeaderInterceptorTest, RemovesTheHeaderWithName) {
  auto interceptor = Make(", withName: secret");
  std::vector<Event> events = {WithHeaders({{"secret", "x"}, {"host", "a"}}), Event{{}, "b"}};
  interceptor->Intercept(events);
  EXPECT_EQ(Names(events[0]), std::vector<std::string>{"host"});
  EXPECT_TRUE(events[1].headers.empty());
}

TEST(RemoveHeaderInterceptorTest, SplitsFromListOnTheDefaultSeparatorWithSpaces) {
  auto interceptor = Make(", fromList: 'a , b,c'");
  std::vector<Event> events = {WithHeaders({{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}})};
  interceptor->Intercept(events);
  EXPECT_EQ(Names(events[0]), std::vector<std::string>{"d"});
}

TEST(RemoveHeaderInterceptorTest, SplitsFromListOnACustomSeparator) {
  auto interceptor = Make(", fromList: 'a;b', fromListSeparator: ';'");
  std::vector<Event> events = {WithHeaders({{"a", "1"}, {"b", "2"}, {"a;b", "3"}})};
  interceptor->Intercept(events);
  EXPECT_EQ(Names(events[0]), std::vector<std::string>{"a;b"});
}

TEST(RemoveHeaderInterceptorTest, MatchingMustMatchTheWholeName) {
  auto interceptor = Make(", matching: 'x-.*'");
  std::vector<Event> events = {
      WithHeaders({{"x-trace", "1"}, {"x-span", "2"}, {"my-x-keep", "3"}, {"host", "h"}})};
  interceptor->Intercept(events);
  EXPECT_EQ(Names(events[0]), (std::vector<std::string>{"my-x-keep", "host"}));
}

TEST(RemoveHeaderInterceptorTest, WithoutCriteriaRemovesNothing) {
  auto interceptor = Make("");
  std::vector<Event> events = {WithHeaders({{"a", "1"}})};
  interceptor->Intercept(events);
  EXPECT_EQ(Names(events[0]), std::vector<std::string>{"a"});
}

TEST(RemoveHeaderInterceptorTest, AnInvalidRegexIsRejectedWithItsFieldPath) {
  EXPECT_THAT(testing::InterceptorConfigErrors("type: remove_header, matching: 'a('"),
              ::testing::HasSubstr(
                  "spec.sources[0].interceptors[0].matching: invalid regular expression \"a(\""));
}

TEST(RemoveHeaderInterceptorTest, IsRegisteredAsRemoveHeader) {
  EXPECT_NE(InterceptorRegistry().Find("remove_header"), nullptr);
}

}  // namespace
}  // namespace acequia::sidecar
