#include "sidecar/interceptors/search_replace_interceptor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/flow.h"
#include "sidecar/core/registry.h"
#include "tests/support/component_configs.h"

namespace acequia::sidecar {
namespace {

Result<std::unique_ptr<SearchReplaceInterceptor>> Make(const std::string& fields) {
  return SearchReplaceInterceptor::Create(
      testing::InterceptorConfig("type: search_replace" + fields));
}

std::string Replace(const std::string& fields, std::string body) {
  auto interceptor = Make(fields);
  EXPECT_TRUE(interceptor.ok()) << interceptor.status().ToString();
  if (!interceptor.ok()) return "<invalid>";
  std::vector<Event> events = {Event{{}, std::move(body)}};
  (*interceptor)->Intercept(events);
  return events[0].body;
}

TEST(SearchReplaceInterceptorTest, ReplacesEveryMatch) {
  EXPECT_EQ(Replace(", searchPattern: 'password=\\S+', replaceString: 'password=***'",
                    "user=a password=x1 b password=y2"),
            "user=a password=*** b password=***");
}

TEST(SearchReplaceInterceptorTest, TheDefaultReplacementDeletesTheMatches) {
  EXPECT_EQ(Replace(", searchPattern: '^\\d+ '", "1234 message"), "message");
}

TEST(SearchReplaceInterceptorTest, DollarGroupsAndEscapesFollowJava) {
  EXPECT_EQ(Replace(", searchPattern: '(\\w+)@(\\w+)', replaceString: '$2 at $1 \\$ \\\\'",
                    "mail bob@example"),
            "mail example at bob $ \\");
}

TEST(SearchReplaceInterceptorTest, CharsetIsAcceptedAndBodiesAreBytes) {
  EXPECT_EQ(
      Replace(", searchPattern: 'a', replaceString: 'b', charset: ISO-8859-1", std::string("\xff"
                                                                                           "a\xfe",
                                                                                           3)),
      std::string("\xff"
                  "b\xfe",
                  3));
}

TEST(SearchReplaceInterceptorTest, AnInvalidPatternIsRejectedWithItsFieldPath) {
  EXPECT_THAT(testing::InterceptorConfigErrors("type: search_replace, searchPattern: 'a**('"),
              ::testing::HasSubstr("spec.sources[0].interceptors[0].searchPattern: invalid "
                                   "regular expression \"a**(\""));
}

TEST(SearchReplaceInterceptorTest, AReplacementNamingAMissingGroupIsRejected) {
  api::ComponentConfig config =
      testing::InterceptorConfig("type: search_replace, searchPattern: '(a)', replaceString: '$2'");
  auto interceptor = SearchReplaceInterceptor::Create(config);
  ASSERT_FALSE(interceptor.ok());
  EXPECT_NE(interceptor.status().message().find(config.path + ".replaceString: "),
            std::string::npos)
      << interceptor.status().message();
  EXPECT_FALSE(Make(", searchPattern: a, replaceString: 'cost $'").ok());
}

TEST(SearchReplaceInterceptorTest, IsRegisteredAsSearchReplace) {
  EXPECT_NE(InterceptorRegistry().Find("search_replace"), nullptr);
}

}  // namespace
}  // namespace acequia::sidecar
