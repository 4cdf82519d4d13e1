#include "api/cron.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <sstream>
#include <vector>

namespace acequia::api {
namespace {

using Minutes = std::chrono::minutes;

struct FieldSpec {
  const char* name;
  int min;
  int max;                   // day-of-week accepts 7 (Sunday) and folds it onto 0
  const char* const* names;  // names[i] is value min + i (or nullptr)
  int name_count;
};

constexpr const char* kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr const char* kDayNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

constexpr std::array<FieldSpec, 5> kFields = {{
    {"minute", 0, 59, nullptr, 0},
    {"hour", 0, 23, nullptr, 0},
    {"day-of-month", 1, 31, nullptr, 0},
    {"month", 1, 12, kMonthNames, 12},
    {"day-of-week", 0, 7, kDayNames, 7},
}};

// Days since 1970-01-01 of a proleptic Gregorian date, and back (Howard Hinnant's algorithms).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t z, int& y, int& m, int& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = static_cast<int>(yoe + era * 400 + (m <= 2));
}

int Weekday(int64_t days) { return static_cast<int>(((days % 7) + 11) % 7); }  // 1970-01-01: Thu

std::string Upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

Result<int> ParseValue(const FieldSpec& field, std::string_view text, const std::string& part) {
  auto error = [&](const std::string& why) {
    return Status::InvalidArgument(std::string(field.name) + " \"" + part + "\": " + why);
  };
  if (text.empty()) return error("a value is missing");
  if (field.names != nullptr && std::isalpha(static_cast<unsigned char>(text[0]))) {
    const std::string name = Upper(text);
    for (int i = 0; i < field.name_count; ++i) {
      if (name == field.names[i]) return field.min == 0 ? i : field.min + i;
    }
    return error("unknown name \"" + std::string(text) + "\"");
  }
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return error("\"" + std::string(text) + "\" is not a number");
  }
  if (value < field.min || value > field.max) {
    return error(std::to_string(value) + " is out of range " + std::to_string(field.min) + "-" +
                 std::to_string(field.max));
  }
  return value;
}

// Sets the bits of one field ("1-5,10,*/15") in `bits` (indexed by value).
Status ParseField(const FieldSpec& field, std::string_view text, std::bitset<64>& bits) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    const std::string part(text.substr(start, comma - start));
    auto error = [&](const std::string& why) {
      return Status::InvalidArgument(std::string(field.name) + " \"" + part + "\": " + why);
    };
    if (part.empty()) return error("empty list item");
    std::string_view range = part;
    int step = 1;
    bool stepped = false;
    if (auto slash = range.find('/'); slash != std::string_view::npos) {
      const std::string_view step_text = range.substr(slash + 1);
      auto [end, ec] = std::from_chars(step_text.data(), step_text.data() + step_text.size(), step);
      if (ec != std::errc() || end != step_text.data() + step_text.size() || step < 1) {
        return error("the step must be a positive number");
      }
      stepped = true;
      range = range.substr(0, slash);
    }
    int low = field.min;
    int high = field.max == 7 ? 6 : field.max;  // `*` in day-of-week is 0-6
    if (range != "*") {
      const size_t dash = range.find('-', 1);
      auto first = ParseValue(field, range.substr(0, dash), part);
      if (!first.ok()) return first.status();
      low = *first;
      if (dash != std::string_view::npos) {
        auto last = ParseValue(field, range.substr(dash + 1), part);
        if (!last.ok()) return last.status();
        high = *last;
        if (high < low) return error("the range runs backwards");
      } else {
        high = stepped ? field.max : low;
      }
    }
    for (int v = low; v <= high; v += step) bits.set(v == 7 && field.max == 7 ? 0 : v);
    start = comma + 1;
  }
  return Status::Ok();
}

template <size_t N>
std::bitset<N> Narrow(const std::bitset<64>& bits) {
  std::bitset<N> out;
  for (size_t i = 0; i < N; ++i) out[i] = bits[i];
  return out;
}

std::string_view Expand(std::string_view text) {
  static const std::vector<std::pair<std::string_view, std::string_view>> kMacros = {
      {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
      {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
      {"@hourly", "0 * * * *"}};
  for (const auto& [macro, fields] : kMacros) {
    if (text == macro) return fields;
  }
  return text;
}

constexpr int64_t kSearchDays = int64_t{5} * 366;

}  // namespace

Result<CronSchedule> CronSchedule::Parse(std::string_view text) {
  std::string trimmed(text);
  trimmed.erase(0, trimmed.find_first_not_of(" \t"));
  trimmed.erase(trimmed.find_last_not_of(" \t") + 1);
  CronSchedule schedule;
  schedule.text_ = trimmed;
  if (!trimmed.empty() && trimmed[0] == '@') {
    const std::string_view expanded = Expand(trimmed);
    if (expanded == trimmed) {
      return Status::InvalidArgument("unknown macro \"" + trimmed +
                                     "\" (known: @yearly, @annually, @monthly, @weekly, @daily, "
                                     "@midnight, @hourly)");
    }
    trimmed = std::string(expanded);
  }
  std::istringstream words(trimmed);
  std::vector<std::string> fields;
  for (std::string word; words >> word;) fields.push_back(word);
  if (fields.size() != kFields.size()) {
    return Status::InvalidArgument("expected a cron expression with 5 fields, got \"" +
                                   schedule.text_ + "\"");
  }
  std::array<std::bitset<64>, 5> bits;
  for (size_t i = 0; i < kFields.size(); ++i) {
    if (Status s = ParseField(kFields[i], fields[i], bits[i]); !s.ok()) return s;
  }
  schedule.minutes_ = Narrow<60>(bits[0]);
  schedule.hours_ = Narrow<24>(bits[1]);
  schedule.days_ = Narrow<32>(bits[2]);
  schedule.months_ = Narrow<13>(bits[3]);
  schedule.weekdays_ = Narrow<7>(bits[4]);
  schedule.days_restricted_ = fields[2][0] != '*';
  schedule.weekdays_restricted_ = fields[4][0] != '*';
  const auto y2k = std::chrono::system_clock::time_point(
      std::chrono::hours(24) * DaysFromCivil(2000, 1, 1) - Minutes(1));
  if (!schedule.Next(y2k)) {
    return Status::InvalidArgument("\"" + schedule.text_ +
                                   "\" never fires: no month has the days it names");
  }
  return schedule;
}

bool CronSchedule::DayMatches(int year, int month, int day) const {
  const bool dom = days_[day];
  const bool dow = weekdays_[Weekday(DaysFromCivil(year, month, day))];
  if (days_restricted_ && weekdays_restricted_) return dom || dow;
  return dom && dow;
}

std::optional<CronSchedule::TimePoint> CronSchedule::Next(TimePoint after) const {
  const int64_t start = std::chrono::floor<Minutes>(after).time_since_epoch().count() + 1;
  int64_t days = start >= 0 ? start / 1440 : (start - 1439) / 1440;
  int minute_of_day = static_cast<int>(start - days * 1440);
  const int64_t limit = days + kSearchDays;
  int hour = minute_of_day / 60;
  int minute = minute_of_day % 60;
  while (days <= limit) {
    int y, m, d;
    CivilFromDays(days, y, m, d);
    if (!months_[m] || !DayMatches(y, m, d)) {
      ++days;
      hour = minute = 0;
      continue;
    }
    while (hour < 24 && !hours_[hour]) {
      ++hour;
      minute = 0;
    }
    while (hour < 24 && minute < 60 && !minutes_[minute]) ++minute;
    if (hour < 24 && minute < 60) {
      return TimePoint(Minutes(days * 1440 + int64_t{hour} * 60 + minute));
    }
    if (hour < 24) {  // no minute left in this hour: try the next one
      ++hour;
      minute = 0;
      continue;
    }
    ++days;
    hour = minute = 0;
  }
  return std::nullopt;
}

std::optional<CronSchedule::TimePoint> CronSchedule::LatestBetween(TimePoint after,
                                                                   TimePoint until) const {
  const int64_t end = std::chrono::floor<Minutes>(until).time_since_epoch().count();
  int64_t days = end >= 0 ? end / 1440 : (end - 1439) / 1440;
  int hour = static_cast<int>(end - days * 1440) / 60;
  int minute = static_cast<int>(end - days * 1440) % 60;
  const int64_t first = std::chrono::floor<Minutes>(after).time_since_epoch().count() / 1440 - 1;
  while (days >= first) {
    int y, m, d;
    CivilFromDays(days, y, m, d);
    if (months_[m] && DayMatches(y, m, d)) {
      while (hour >= 0) {
        if (hours_[hour]) {
          while (minute >= 0 && !minutes_[minute]) --minute;
          if (minute >= 0) {
            const TimePoint tick(Minutes(days * 1440 + int64_t{hour} * 60 + minute));
            if (tick > after) return tick;
            return std::nullopt;
          }
        }
        --hour;
        minute = 59;
      }
    }
    --days;
    hour = 23;
    minute = 59;
  }
  return std::nullopt;
}

}  // namespace acequia::api
