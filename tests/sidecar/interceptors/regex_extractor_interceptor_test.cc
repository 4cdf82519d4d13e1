#include "sidecar/interceptors/regex_extractor_interceptor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/flow.h"
#include "sidecar/core/registry.h"
#include "tests/support/component_configs.h"

namespace acequia::sidecar {
namespace {

std::unique_ptr<RegexExtractorInterceptor> Make(const std::string& fields) {
  auto interceptor = RegexExtractorInterceptor::Create(
      testing::InterceptorConfig("type: regex_extractor" + fields));
  EXPECT_TRUE(interceptor.ok()) << interceptor.status().ToString();
  return interceptor.ok() ? std::move(interceptor).value() : nullptr;
}

TEST(RegexExtractorInterceptorTest, CopiesEachGroupOfTheFirstMatchIntoItsHeader) {
  auto interceptor = Make(", regex: '(\\d+):(\\d+)', serializers: [hour, minute]");
  std::vector<Event> events = {Event{{}, "at 12:34 and 56:78"}, Event{{}, "no time"}};
  interceptor->Intercept(events);
  EXPECT_EQ(*events[0].headers.Find("hour"), "12");
  EXPECT_EQ(*events[0].headers.Find("minute"), "34");
  EXPECT_EQ(events[0].body, "at 12:34 and 56:78");
  EXPECT_TRUE(events[1].headers.empty());
}

TEST(RegexExtractorInterceptorTest, OverwritesExistingHeadersAndSkipsUnmatchedGroups) {
  auto interceptor =
      Make(", regex: 'level=(\\w+)( user=(\\w+))?', serializers: [level, skip, user]");
  std::vector<Event> events(1);
  events[0].headers.Set("level", "old");
  events[0].headers.Set("user", "kept");
  events[0].body = "level=warn";
  interceptor->Intercept(events);
  EXPECT_EQ(*events[0].headers.Find("level"), "warn");
  EXPECT_EQ(*events[0].headers.Find("user"), "kept");
  EXPECT_FALSE(events[0].headers.Has("skip"));
}

TEST(RegexExtractorInterceptorTest, FewerSerializersThanGroupsUsesTheFirstGroups) {
  auto interceptor = Make(", regex: '(a)(b)', serializers: [first]");
  std::vector<Event> events = {Event{{}, "ab"}};
  interceptor->Intercept(events);
  EXPECT_EQ(*events[0].headers.Find("first"), "a");
  EXPECT_EQ(events[0].headers.size(), 1u);
}

TEST(RegexExtractorInterceptorTest, MoreSerializersThanGroupsIsRejected) {
  api::ComponentConfig config =
      testing::InterceptorConfig("type: regex_extractor, regex: '(a)', serializers: [x, y]");
  auto interceptor = RegexExtractorInterceptor::Create(config);
  ASSERT_FALSE(interceptor.ok());
  EXPECT_NE(interceptor.status().message().find(config.path + ".serializers:"), std::string::npos)
      << interceptor.status().message();
}

TEST(RegexExtractorInterceptorTest, AnInvalidRegexIsRejectedWithItsFieldPath) {
  EXPECT_THAT(testing::InterceptorConfigErrors("type: regex_extractor, regex: '(a'"),
              ::testing::HasSubstr(
                  "spec.sources[0].interceptors[0].regex: invalid regular expression \"(a\""));
}

TEST(RegexExtractorInterceptorTest, IsRegisteredAsRegexExtractor) {
  EXPECT_NE(InterceptorRegistry().Find("regex_extractor"), nullptr);
}

}  // namespace
}  // namespace acequia::sidecar
