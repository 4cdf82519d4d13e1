// CronSchedule: a standard 5-field cron expression (minute hour day-of-month month day-of-week),
// as Kubernetes CronJobs read it: `*`, values, ranges `a-b`, steps `*/n` and `a-b/n` (and `a/n`:
// from a to the field's end), lists `a,b-c`, month names JAN…DEC and day names SUN…SAT (any
// case), 7 for Sunday, and the macros @yearly (@annually), @monthly, @weekly, @daily
// (@midnight) and @hourly. When both day fields are restricted (neither starts with `*`) a day
// matches if either does, as in Vixie cron. Times are UTC: no daylight-saving gaps or repeats.
// ImportJob validation (spec.schedule) and the operator's scheduler share it.
// Immutable value once parsed; thread-safe.
#pragma once

#include <bitset>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace acequia::api {

class CronSchedule {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  // The error names the field and says what is wrong: "day-of-month \"32\": 32 is out of range
  // 1-31"; a schedule that can never fire ("0 0 30 2 *") is an error too.
  [[nodiscard]] static Result<CronSchedule> Parse(std::string_view text);

  // The first tick strictly after `after` (ticks fall on whole minutes); nullopt when there is
  // none in the next five years.
  std::optional<TimePoint> Next(TimePoint after) const;
  // The latest tick in (after, until]; nullopt when none fell in that interval.
  std::optional<TimePoint> LatestBetween(TimePoint after, TimePoint until) const;

  const std::string& text() const { return text_; }

 private:
  bool DayMatches(int year, int month, int day) const;

  std::string text_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1-31
  std::bitset<13> months_;   // 1-12
  std::bitset<7> weekdays_;  // 0 = Sunday
  bool days_restricted_ = false;
  bool weekdays_restricted_ = false;
};

}  // namespace acequia::api
