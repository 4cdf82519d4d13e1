#include "operator/kube/yaml_json.h"

#include <gtest/gtest.h>

namespace acequia::kube {
namespace {

TEST(YamlJsonTest, PlainScalarsResolveLikeYaml12AndQuotedStayStrings) {
  auto doc = ParseYamlOrJson("a: 1\nb: \"1\"\nc: true\nd: 'true'\ne: 1.5\nf: ~\ng: web\nh: 0x1f\n");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ((*doc)["a"], 1);
  EXPECT_EQ((*doc)["b"], "1");
  EXPECT_EQ((*doc)["c"], true);
  EXPECT_EQ((*doc)["d"], "true");
  EXPECT_EQ((*doc)["e"], 1.5);
  EXPECT_TRUE((*doc)["f"].is_null());
  EXPECT_EQ((*doc)["g"], "web");
  EXPECT_EQ((*doc)["h"], 31);
}

TEST(YamlJsonTest, MultiDocumentStreamsSkipEmptyDocuments) {
  auto docs = ParseYamlDocuments("---\na: 1\n---\n---\nb: [x, y]\n");
  ASSERT_TRUE(docs.ok());
  ASSERT_EQ(docs->size(), 2u);
  EXPECT_EQ((*docs)[1]["b"][1], "y");
}

TEST(YamlJsonTest, YamlRoundTripKeepsStringsThatLookLikeNumbers) {
  Json value = {{"port", 8080}, {"version", "1.0"}, {"flag", "true"}, {"list", {"a", 2}}};
  auto back = ParseYamlOrJson(JsonToYaml(value));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, value);
}

TEST(YamlJsonTest, InvalidYamlIsAnError) { EXPECT_FALSE(ParseYamlOrJson("a: [1, 2").ok()); }

}  // namespace
}  // namespace acequia::kube

namespace acequia::kube {
namespace {

TEST(YamlJsonTest, MultiLineTextIsALiteralBlockAndReadsBackExactly) {
  const std::vector<std::string> texts = {
      "apiVersion: v1\nkind: Flow\n",          // a block
      "no newline at the end",                  // plain
      "two\nnewlines at the end\n\n",           // quoted: clip chomping would lose one
      "trailing blank \nline\n",                // quoted: the blank would be lost
      "  leading blanks\nsecond\n",             // quoted: indentation would be ambiguous
      "tab\there\nand a bell \a\n",             // quoted: not printable
  };
  for (const auto& text : texts) {
    const std::string yaml = JsonToYaml(Json{{"data", text}});
    auto back = ParseYamlOrJson(yaml);
    ASSERT_TRUE(back.ok()) << yaml;
    EXPECT_EQ((*back)["data"], text) << yaml;
  }
  EXPECT_NE(JsonToYaml(Json{{"data", "a: 1\nb: 2\n"}}).find("data: |\n  a: 1\n  b: 2\n"),
            std::string::npos);
}

}  // namespace
}  // namespace acequia::kube
