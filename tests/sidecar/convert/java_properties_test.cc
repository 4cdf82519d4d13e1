// The Java .properties reader: separators, comments, continuations, escapes, line numbers.
#include "sidecar/convert/java_properties.h"

#include <gtest/gtest.h>

namespace acequia::sidecar::convert {
namespace {

std::vector<PropertyEntry> Parse(std::string_view text) {
  auto parsed = ParseJavaProperties(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status().message();
  return parsed.ok() ? *parsed : std::vector<PropertyEntry>{};
}

TEST(JavaPropertiesTest, ReadsTheThreeSeparatorsAndKeepsLineNumbers) {
  auto e = Parse("a = 1\nb: 2\nc 3\n  d=4\n\te\t:\t5\n");
  ASSERT_EQ(e.size(), 5u);
  EXPECT_EQ(e[0].key, "a");
  EXPECT_EQ(e[0].value, "1");
  EXPECT_EQ(e[1].key, "b");
  EXPECT_EQ(e[1].value, "2");
  EXPECT_EQ(e[2].key, "c");
  EXPECT_EQ(e[2].value, "3");
  EXPECT_EQ(e[3].key, "d");
  EXPECT_EQ(e[3].line, 4);
  EXPECT_EQ(e[4].key, "e");
  EXPECT_EQ(e[4].value, "5");
  EXPECT_EQ(e[4].line, 5);
}

TEST(JavaPropertiesTest, SkipsCommentsAndBlankLinesButNotHashesInValues) {
  auto e =
      Parse("# comment\n! also a comment\n   # indented comment\n\n   \nk = v # not a comment\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].value, "v # not a comment");
  EXPECT_EQ(e[0].line, 6);
}

TEST(JavaPropertiesTest, EmptyValuesAndKeysWithoutValue) {
  auto e = Parse("a =\nb\nc = \n");
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].value, "");
  EXPECT_EQ(e[1].key, "b");
  EXPECT_EQ(e[1].value, "");
  EXPECT_EQ(e[2].value, "");
}

TEST(JavaPropertiesTest, JoinsContinuationLinesDroppingTheirIndentation) {
  auto e = Parse("cmd = tail \\\n      -F \\\n      /var/log/a\nnext = 1\n");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].value, "tail -F /var/log/a");
  EXPECT_EQ(e[0].line, 1);
  EXPECT_EQ(e[1].line, 4);
}

TEST(JavaPropertiesTest, AnEvenNumberOfBackslashesIsNoContinuation) {
  auto e = Parse("path = C:\\\\\nnext = 1\n");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].value, "C:\\");
}

TEST(JavaPropertiesTest, ResolvesEscapesInKeysAndValues) {
  auto e =
      Parse("a\\ key\\=x = tab\\there\\nnew \\u00e9\\u20AC\\: \\\\d\nregex = (\\\\d):(\\\\d)\n");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].key, "a key=x");
  EXPECT_EQ(e[0].value, "tab\there\nnew \xC3\xA9\xE2\x82\xAC: \\d");
  EXPECT_EQ(e[1].value, "(\\d):(\\d)");
}

TEST(JavaPropertiesTest, SurrogatePairsBecomeOneCharacter) {
  auto e = Parse("emoji = \\uD83D\\uDE00\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].value, "\xF0\x9F\x98\x80");
}

TEST(JavaPropertiesTest, KeepsTrailingWhitespaceOfValuesLikeJava) {
  auto e = Parse("k =   v  \n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].value, "v  ");
}

TEST(JavaPropertiesTest, AcceptsEveryLineEnding) {
  auto e = Parse("a = 1\r\nb = 2\rc = 3\n");
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[1].key, "b");
  EXPECT_EQ(e[2].line, 3);
}

TEST(JavaPropertiesTest, KeepsDuplicatesInOrder) {
  auto e = Parse("k = 1\nk = 2\n");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[1].value, "2");
}

TEST(JavaPropertiesTest, AMalformedUnicodeEscapeNamesItsLine) {
  auto parsed = ParseJavaProperties("a = 1\nb = \\u12G4\n");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(), "line 2: malformed \\uxxxx escape");
}

TEST(JavaPropertiesTest, ACommentLineIsNeverContinued) {
  auto e = Parse("# a comment \\\nk = v\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].key, "k");
}

}  // namespace
}  // namespace acequia::sidecar::convert
