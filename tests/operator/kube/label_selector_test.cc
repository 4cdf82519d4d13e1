#include "operator/kube/label_selector.h"

#include <gtest/gtest.h>

namespace acequia::kube {
namespace {

using Labels = std::map<std::string, std::string>;

bool Select(const std::string& selector, const Labels& labels) {
  auto s = LabelSelector::Parse(selector);
  EXPECT_TRUE(s.ok()) << selector << ": " << s.status().ToString();
  return s.ok() && s->Matches(labels);
}

TEST(LabelSelectorTest, EqualityAndInequality) {
  EXPECT_TRUE(Select("app=web", {{"app", "web"}}));
  EXPECT_TRUE(Select("app==web", {{"app", "web"}}));
  EXPECT_FALSE(Select("app=web", {{"app", "db"}}));
  EXPECT_FALSE(Select("app=web", {}));
  EXPECT_TRUE(Select("app!=web", {}));  // a missing label is "not equal"
  EXPECT_FALSE(Select("app!=web", {{"app", "web"}}));
}

TEST(LabelSelectorTest, SetsAndExistence) {
  EXPECT_TRUE(Select("env in (prod, dev)", {{"env", "dev"}}));
  EXPECT_FALSE(Select("env in (prod,dev)", {{"env", "qa"}}));
  EXPECT_TRUE(Select("env notin (prod)", {}));
  EXPECT_FALSE(Select("env notin (prod)", {{"env", "prod"}}));
  EXPECT_TRUE(Select("canary", {{"canary", ""}}));
  EXPECT_TRUE(Select("!canary", {{"app", "x"}}));
  EXPECT_TRUE(Select("app=web,env in (a,b),!canary", {{"app", "web"}, {"env", "b"}}));
  EXPECT_FALSE(
      Select("app=web,env in (a,b),!canary", {{"app", "web"}, {"env", "b"}, {"canary", "1"}}));
}

TEST(LabelSelectorTest, RejectsMalformedSelectors) {
  EXPECT_FALSE(LabelSelector::Parse("env in (a").ok());
  EXPECT_FALSE(LabelSelector::Parse("env within (a)").ok());
  EXPECT_FALSE(LabelSelector::Parse("a=b,,c=d").ok());
}

TEST(LabelSelectorTest, FromMetav1LabelSelector) {
  auto s = LabelSelector::FromJson(nlohmann::json::parse(
      R"({"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"NotIn","values":["db"]}]})"));
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->Matches(Labels{{"app", "web"}, {"tier", "fe"}}));
  EXPECT_FALSE(s->Matches(Labels{{"app", "web"}, {"tier", "db"}}));
  EXPECT_EQ(s->ToString(), "app=web,tier notin (db)");
  auto again = LabelSelector::Parse(s->ToString());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->ToString(), s->ToString());
}

}  // namespace
}  // namespace acequia::kube
