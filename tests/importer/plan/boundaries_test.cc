#include "importer/plan/boundaries.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace acequia::importer {
namespace {

using ::testing::ElementsAre;

TEST(BoundariesTest, IntegersCutEvenlyAndKeepMinAndMax) {
  auto b = IntegerBoundaries("1", "100", 4);
  ASSERT_TRUE(b.ok());
  EXPECT_THAT(*b, ElementsAre("1", "25", "50", "75", "100"));
}

TEST(BoundariesTest, SmallRangeGivesFewerSplits) {
  auto b = IntegerBoundaries("5", "6", 4);
  ASSERT_TRUE(b.ok());
  EXPECT_THAT(*b, ElementsAre("5", "6"));
  auto same = IntegerBoundaries("7", "7", 4);
  ASSERT_TRUE(same.ok());
  EXPECT_THAT(*same, ElementsAre("7", "7")) << "one split [7, 7]";
}

TEST(BoundariesTest, IntegersDoNotOverflowAtTheExtremes) {
  auto b = IntegerBoundaries("-9223372036854775808", "9223372036854775807", 2);
  ASSERT_TRUE(b.ok());
  EXPECT_THAT(*b, ElementsAre("-9223372036854775808", "-1", "9223372036854775807"));
}

TEST(BoundariesTest, DecimalsAreStrictlyIncreasing) {
  auto b = DecimalBoundaries("0.01", "99.99", 4);
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(b->size(), 5u);
  EXPECT_EQ(b->front(), "0.01");
  EXPECT_EQ(b->back(), "99.99");
  for (size_t i = 1; i < b->size(); ++i) EXPECT_LT(std::stod((*b)[i - 1]), std::stod((*b)[i]));
}

TEST(BoundariesTest, Dates) {
  auto b = DateBoundaries("2024-01-01", "2024-01-09", 4);
  ASSERT_TRUE(b.ok());
  EXPECT_THAT(*b,
              ElementsAre("2024-01-01", "2024-01-03", "2024-01-05", "2024-01-07", "2024-01-09"));
  EXPECT_FALSE(DateBoundaries("infinity", "2024-01-01", 2).ok());
}

TEST(BoundariesTest, TimestampsKeepTheZoneOfMin) {
  auto b = TimestampBoundaries("2024-01-01 00:00:00+00", "2024-01-01 04:00:00+00", 2);
  ASSERT_TRUE(b.ok());
  EXPECT_THAT(*b, ElementsAre("2024-01-01 00:00:00+00", "2024-01-01 02:00:00.000000+00",
                              "2024-01-01 04:00:00+00"));
}

TEST(BoundariesTest, TextInCodePointOrder) {
  auto b = TextBoundaries("apple", "zebra", 4);
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(b->size(), 5u);
  for (size_t i = 1; i < b->size(); ++i) EXPECT_LT((*b)[i - 1], (*b)[i]);
  auto unicode = TextBoundaries("a", "\xe4\xb8\xad\xe6\x96\x87", 3);  // "a" .. "中文"
  ASSERT_TRUE(unicode.ok());
  for (size_t i = 1; i < unicode->size(); ++i) EXPECT_LT((*unicode)[i - 1], (*unicode)[i]);
}

}  // namespace
}  // namespace acequia::importer
