#include "sidecar/interceptors/regex_filter_interceptor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/flow.h"
#include "sidecar/core/registry.h"
#include "tests/support/component_configs.h"

namespace acequia::sidecar {
namespace {

std::vector<std::string> Filter(const std::string& fields, std::vector<std::string> bodies) {
  auto interceptor =
      RegexFilterInterceptor::Create(testing::InterceptorConfig("type: regex_filter" + fields));
  EXPECT_TRUE(interceptor.ok()) << interceptor.status().ToString();
  if (!interceptor.ok()) return {};
  std::vector<Event> events;
  for (auto& body : bodies) events.push_back(Event{{}, std::move(body)});
  (*interceptor)->Intercept(events);
  std::vector<std::string> kept;
  for (const auto& event : events) kept.push_back(event.body);
  return kept;
}

TEST(RegexFilterInterceptorTest, KeepsOnlyBodiesContainingAMatch) {
  EXPECT_EQ(Filter(", regex: 'ERROR|WARN'", {"INFO up", "an ERROR here", "WARN x", "DEBUG"}),
            (std::vector<std::string>{"an ERROR here", "WARN x"}));
}

TEST(RegexFilterInterceptorTest, ExcludeEventsDropsTheMatchingOnes) {
  EXPECT_EQ(Filter(", regex: '^DEBUG', excludeEvents: true", {"DEBUG a", "INFO DEBUG", "DEBUG"}),
            std::vector<std::string>{"INFO DEBUG"});
}

TEST(RegexFilterInterceptorTest, TheDefaultRegexKeepsEverything) {
  EXPECT_EQ(Filter("", {"", "a"}), (std::vector<std::string>{"", "a"}));
}

TEST(RegexFilterInterceptorTest, MatchesBodiesThatAreNotUtf8) {
  EXPECT_EQ(Filter(", regex: 'x'", {std::string("\xff\xfex", 3), std::string("\xff", 1)}),
            std::vector<std::string>{std::string("\xff\xfex", 3)});
}

TEST(RegexFilterInterceptorTest, AnInvalidRegexIsRejectedWithItsFieldPath) {
  EXPECT_THAT(testing::InterceptorConfigErrors("type: regex_filter, regex: '[a-'"),
              ::testing::HasSubstr(
                  "spec.sources[0].interceptors[0].regex: invalid regular expression \"[a-\""));
}

TEST(RegexFilterInterceptorTest, IsRegisteredAsRegexFilter) {
  EXPECT_NE(InterceptorRegistry().Find("regex_filter"), nullptr);
}

}  // namespace
}  // namespace acequia::sidecar
