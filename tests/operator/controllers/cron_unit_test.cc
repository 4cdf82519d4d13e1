// The cron schedules the ImportJob controller runs on (api/cron.h): next ticks across month
// and year ends in UTC, steps, lists, names, macros, the Vixie rule for two day fields, the
// latest missed tick, and errors that name the field.
#include <gtest/gtest.h>

#include "api/cron.h"
#include "operator/controllers/conditions.h"

namespace acequia::api {
namespace {

using TimePoint = std::chrono::system_clock::time_point;

TimePoint At(const std::string& text) {
  TimePoint t;
  EXPECT_TRUE(controllers::ParseTime(text, &t)) << text;
  return t;
}

std::string Next(const std::string& schedule, const std::string& after) {
  auto cron = CronSchedule::Parse(schedule);
  EXPECT_TRUE(cron.ok()) << cron.status().ToString();
  if (!cron.ok()) return "";
  auto next = cron->Next(At(after));
  return next ? controllers::FormatTime(*next) : "never";
}

std::string Error(const std::string& schedule) {
  auto cron = CronSchedule::Parse(schedule);
  return cron.ok() ? "" : cron.status().message();
}

TEST(CronScheduleTest, EveryFieldStar) {
  EXPECT_EQ(Next("* * * * *", "2026-11-21T07:00:00Z"), "2026-11-21T07:01:00Z");
  EXPECT_EQ(Next("* * * * *", "2026-11-21T07:00:59Z"), "2026-11-21T07:01:00Z")
      << "strictly after, on whole minutes";
}

TEST(CronScheduleTest, AcrossMonthAndYearEnds) {
  EXPECT_EQ(Next("0 0 1 * *", "2026-01-31T23:59:00Z"), "2026-02-01T00:00:00Z");
  EXPECT_EQ(Next("30 12 31 * *", "2026-04-01T00:00:00Z"), "2026-05-31T12:30:00Z")
      << "April has no 31st";
  EXPECT_EQ(Next("0 0 29 2 *", "2026-03-01T00:00:00Z"), "2028-02-29T00:00:00Z") << "leap day";
  EXPECT_EQ(Next("59 23 31 12 *", "2026-12-31T23:59:00Z"), "2027-12-31T23:59:00Z");
  EXPECT_EQ(Next("@yearly", "2026-06-15T10:00:00Z"), "2027-01-01T00:00:00Z");
  EXPECT_EQ(Next("@monthly", "2026-02-28T23:00:00Z"), "2026-03-01T00:00:00Z");
}

TEST(CronScheduleTest, StepsRangesAndLists) {
  EXPECT_EQ(Next("*/15 * * * *", "2026-11-21T07:14:00Z"), "2026-11-21T07:15:00Z");
  EXPECT_EQ(Next("*/15 * * * *", "2026-11-21T07:45:00Z"), "2026-11-21T08:00:00Z");
  EXPECT_EQ(Next("10-20/5 * * * *", "2026-11-21T07:16:00Z"), "2026-11-21T07:20:00Z");
  EXPECT_EQ(Next("10-20/5 * * * *", "2026-11-21T07:20:00Z"), "2026-11-21T08:10:00Z");
  EXPECT_EQ(Next("50/5 * * * *", "2026-11-21T07:56:00Z"), "2026-11-21T08:50:00Z")
      << "a/n runs from a to the end of the field";
  EXPECT_EQ(Next("0 9,13-14 * * *", "2026-11-21T09:00:00Z"), "2026-11-21T13:00:00Z");
  EXPECT_EQ(Next("0 9,13-14 * * *", "2026-11-21T14:00:00Z"), "2026-11-22T09:00:00Z");
}

TEST(CronScheduleTest, MonthAndDayNamesAnyCase) {
  // 2026-11-21 is a Saturday.
  EXPECT_EQ(Next("0 8 * * mon-fri", "2026-11-21T07:00:00Z"), "2026-11-23T08:00:00Z");
  EXPECT_EQ(Next("0 8 * * SUN", "2026-11-21T07:00:00Z"), "2026-11-22T08:00:00Z");
  EXPECT_EQ(Next("0 8 * * 7", "2026-11-21T07:00:00Z"), "2026-11-22T08:00:00Z") << "7 is Sunday";
  EXPECT_EQ(Next("0 0 1 Jan,JUL *", "2026-11-21T07:00:00Z"), "2027-01-01T00:00:00Z");
  EXPECT_EQ(Next("@weekly", "2026-11-21T07:00:00Z"), "2026-11-22T00:00:00Z");
}

TEST(CronScheduleTest, BothDayFieldsRestrictedMeansEither) {
  // The 1st of the month or a Monday: Monday 2026-11-23 comes before December 1st.
  EXPECT_EQ(Next("0 0 1 * MON", "2026-11-21T07:00:00Z"), "2026-11-23T00:00:00Z");
  EXPECT_EQ(Next("0 0 1 * MON", "2026-11-30T07:00:00Z"), "2026-12-01T00:00:00Z");
  // One of them `*`-based: both must match (the 1st that is a Monday).
  EXPECT_EQ(Next("0 0 1 * */1", "2026-11-21T07:00:00Z"), "2026-12-01T00:00:00Z");
}

TEST(CronScheduleTest, LatestMissedTickOnly) {
  auto cron = CronSchedule::Parse("0 * * * *");
  ASSERT_TRUE(cron.ok());
  auto latest = cron->LatestBetween(At("2026-11-21T01:30:00Z"), At("2026-11-21T07:10:00Z"));
  ASSERT_TRUE(latest);
  EXPECT_EQ(controllers::FormatTime(*latest), "2026-11-21T07:00:00Z")
      << "five missed ticks give one run, at the latest";
  EXPECT_FALSE(cron->LatestBetween(At("2026-11-21T07:00:00Z"), At("2026-11-21T07:59:00Z")))
      << "the interval is open at its start";
  auto yearly = CronSchedule::Parse("@yearly");
  ASSERT_TRUE(yearly.ok());
  latest = yearly->LatestBetween(At("2020-06-01T00:00:00Z"), At("2026-11-21T07:10:00Z"));
  ASSERT_TRUE(latest);
  EXPECT_EQ(controllers::FormatTime(*latest), "2026-01-01T00:00:00Z");
}

TEST(CronScheduleTest, ErrorsNameTheField) {
  EXPECT_EQ(Error("61 * * * *"), "minute \"61\": 61 is out of range 0-59");
  EXPECT_EQ(Error("0 24 * * *"), "hour \"24\": 24 is out of range 0-23");
  EXPECT_EQ(Error("0 0 0 * *"), "day-of-month \"0\": 0 is out of range 1-31");
  EXPECT_EQ(Error("0 0 * FOO *"), "month \"FOO\": unknown name \"FOO\"");
  EXPECT_EQ(Error("0 0 * * 8"), "day-of-week \"8\": 8 is out of range 0-7");
  EXPECT_EQ(Error("*/0 * * * *"), "minute \"*/0\": the step must be a positive number");
  EXPECT_EQ(Error("5-1 * * * *"), "minute \"5-1\": the range runs backwards");
  EXPECT_EQ(Error("1,,2 * * * *"), "minute \"\": empty list item");
  EXPECT_EQ(Error("x * * * *"), "minute \"x\": \"x\" is not a number");
  EXPECT_EQ(Error("0 * *"), "expected a cron expression with 5 fields, got \"0 * *\"");
  EXPECT_EQ(Error("0 0 30 2 *"), "\"0 0 30 2 *\" never fires: no month has the days it names");
  EXPECT_NE(Error("@every 5m").find("unknown macro"), std::string::npos);
}

}  // namespace
}  // namespace acequia::api
