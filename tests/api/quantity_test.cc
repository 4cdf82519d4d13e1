#include "api/quantity.h"

#include <gtest/gtest.h>

namespace acequia::api {
namespace {

using std::chrono::milliseconds;

TEST(QuantityTest, DurationsInGoStyleAndFlumeSeconds) {
  EXPECT_EQ(*ParseDuration("30s"), milliseconds(30'000));
  EXPECT_EQ(*ParseDuration("1m30s"), milliseconds(90'000));
  EXPECT_EQ(*ParseDuration("250ms"), milliseconds(250));
  EXPECT_EQ(*ParseDuration("2h"), milliseconds(7'200'000));
  EXPECT_EQ(*ParseDuration("30"), milliseconds(30'000)) << "Flume writes seconds as bare numbers";
  EXPECT_EQ(*ParseDuration("0"), milliseconds(0));
}

TEST(QuantityTest, BadDurationsSayWhy) {
  auto r = ParseDuration("soon");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("invalid duration \"soon\""), std::string::npos);
  EXPECT_NE(ParseDuration("10x").status().message().find("unknown unit \"x\""), std::string::npos);
  EXPECT_FALSE(ParseDuration("").ok());
  EXPECT_FALSE(ParseDuration("-5s").ok());
  EXPECT_FALSE(ParseDuration("99999999999999999999s").ok());
}

TEST(QuantityTest, SizesAsKubernetesQuantities) {
  EXPECT_EQ(*ParseSize("4096"), 4096);
  EXPECT_EQ(*ParseSize("64Ki"), 64 * 1024);
  EXPECT_EQ(*ParseSize("5Gi"), int64_t{5} << 30);
  EXPECT_EQ(*ParseSize("10M"), 10'000'000);
  EXPECT_EQ(*ParseSize("1k"), 1000);
  EXPECT_NE(ParseSize("5GB").status().message().find("unknown suffix \"GB\""), std::string::npos);
  EXPECT_FALSE(ParseSize("").ok());
  EXPECT_FALSE(ParseSize("1.5Gi").ok());
}

TEST(QuantityTest, FormatDurationIsCanonical) {
  EXPECT_EQ(FormatDuration(milliseconds(90'000)), "1m30s");
  EXPECT_EQ(FormatDuration(milliseconds(250)), "250ms");
  EXPECT_EQ(FormatDuration(milliseconds(0)), "0s");
}

}  // namespace
}  // namespace acequia::api
