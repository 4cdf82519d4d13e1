#include "sidecar/sources/syslog_parser.h"

#include <array>
#include <cctype>
#include <ctime>

namespace acequia::sidecar {
namespace {

constexpr int64_t kMillisPerDay = int64_t{86400} * 1000;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at `pos`; false when there are fewer.
bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!IsDigit(s[pos + i])) return false;
    v = v * 10 + (s[pos + i] - '0');
  }
  *out = v;
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int64_t YearOfMillis(int64_t ms) {
  // civil_from_days, year only.
  int64_t z = (ms >= 0 ? ms : ms - (kMillisPerDay - 1)) / kMillisPerDay + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  return yoe + era * 400 + (month <= 2 ? 1 : 0);
}

bool LeapYear(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t y, int m) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && LeapYear(y) ? 29 : kDays[static_cast<size_t>(m - 1)];
}

bool ValidCivil(int64_t y, int mo, int d, int h, int mi, int s) {
  return y >= 1 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 && d <= DaysInMonth(y, mo) &&
         h <= 23 && mi <= 59 && s <= 60;
}

int MonthOfName(std::string_view name) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  if (name.size() != 3) return 0;
  char lower[3];
  for (size_t i = 0; i < 3; ++i) {
    lower[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
  }
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (std::string_view(lower, 3) == kMonths[i]) return static_cast<int>(i) + 1;
  }
  return 0;
}

// The next token: bytes up to a space or the end, at least one.
bool Token(std::string_view s, size_t* pos, std::string_view* out) {
  const size_t start = *pos;
  size_t end = s.find(' ', start);
  if (end == std::string_view::npos) end = s.size();
  if (end == start) return false;
  *out = s.substr(start, end - start);
  *pos = end;
  return true;
}

bool Space(std::string_view s, size_t* pos) {
  if (*pos >= s.size() || s[*pos] != ' ') return false;
  ++*pos;
  return true;
}

bool SdNameChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 32 && u < 127 && c != '=' && c != ']' && c != '"';
}

// RFC 5424 STRUCTURED-DATA at *pos: "-" or one or more [SD-ID *(SP PARAM-NAME="VALUE")] elements.
bool StructuredData(std::string_view s, size_t* pos, std::string_view* out) {
  const size_t start = *pos;
  size_t p = start;
  if (p < s.size() && s[p] == '-') {
    *out = {};
    *pos = p + 1;
    return true;
  }
  if (p >= s.size() || s[p] != '[') return false;
  while (p < s.size() && s[p] == '[') {
    ++p;
    const size_t id = p;
    while (p < s.size() && SdNameChar(s[p])) ++p;
    if (p == id) return false;
    while (true) {
      if (p >= s.size()) return false;
      if (s[p] == ']') {
        ++p;
        break;
      }
      if (s[p] != ' ') return false;
      ++p;
      const size_t name = p;
      while (p < s.size() && SdNameChar(s[p])) ++p;
      if (p == name || p + 1 >= s.size() || s[p] != '=' || s[p + 1] != '"') return false;
      p += 2;
      while (p < s.size() && s[p] != '"') p += s[p] == '\\' ? 2 : 1;
      if (p >= s.size()) return false;
      ++p;  // the closing quote
    }
  }
  *out = s.substr(start, p - start);
  *pos = p;
  return true;
}

// What a message yields before it becomes headers and body.
struct Fields {
  std::string_view version;
  std::string_view timestamp_text;
  bool has_timestamp = false;
  int64_t timestamp_ms = 0;
  std::string_view host;
  std::string_view app_name;
  std::string_view proc_id;
  std::string_view msg_id;
  std::string_view structured_data;
  std::string_view message;
};

std::string_view NotNil(std::string_view field) {
  return field == "-" ? std::string_view() : field;
}

// "tag[pid]:" at the start of an RFC 3164 MSG: the tag is at most 48 characters.
void Rfc3164Tag(std::string_view msg, Fields& fields) {
  size_t p = 0;
  while (p < msg.size() && p < 48 && msg[p] != ' ' && msg[p] != ':' && msg[p] != '[') ++p;
  if (p == 0 || p >= msg.size()) return;
  const std::string_view tag = msg.substr(0, p);
  std::string_view pid;
  if (msg[p] == '[') {
    const size_t close = msg.find(']', p + 1);
    if (close == std::string_view::npos || close == p + 1 || close - p > 129) return;
    pid = msg.substr(p + 1, close - p - 1);
    p = close + 1;
  }
  if (p >= msg.size() || msg[p] != ':') return;
  fields.app_name = tag;
  fields.proc_id = pid;
}

// The length of the RFC 3164 date at the start of `s` ("Mmm dd [yyyy ]hh:mm:ss[.fff]", the day
// space-padded or not), judged by its shape only; 0 when it has none.
size_t Rfc3164DateLength(std::string_view s) {
  size_t p = 3;
  if (s.size() < 14 || !std::isalpha(static_cast<unsigned char>(s[0])) || s[p] != ' ') return 0;
  ++p;
  if (s[p] == ' ') ++p;
  const size_t day = p;
  while (p < s.size() && p - day < 2 && IsDigit(s[p])) ++p;
  if (p == day || p >= s.size() || s[p] != ' ') return 0;
  ++p;
  int year = 0;
  if (p + 4 < s.size() && s[p + 4] == ' ' && Digits(s, p, 4, &year)) p += 5;
  int unused = 0;
  if (!Digits(s, p, 2, &unused) || p + 8 > s.size() || s[p + 2] != ':' || s[p + 5] != ':' ||
      !Digits(s, p + 3, 2, &unused) || !Digits(s, p + 6, 2, &unused)) {
    return 0;
  }
  p += 8;
  if (p < s.size() && s[p] == '.') {
    const size_t dot = p++;
    while (p < s.size() && IsDigit(s[p])) ++p;
    if (p == dot + 1) return dot;
  }
  return p;
}

void SetIf(Headers& headers, std::string_view key, std::string_view value) {
  if (!value.empty()) headers.Set(key, std::string(value));
}

}  // namespace

Result<SyslogKeepFields> SyslogKeepFields::Parse(std::string_view text) {
  SyslogKeepFields keep;
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view rest = lower;
  const auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == ',')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == ',')) s.remove_suffix(1);
    return s;
  };
  rest = trim(rest);
  if (rest.empty() || rest == "none" || rest == "false") return keep;
  if (rest == "all" || rest == "true") {
    keep.all = true;
    return keep;
  }
  while (!rest.empty()) {
    size_t end = rest.find_first_of(" ,");
    const std::string_view word = rest.substr(0, end);
    if (word == "priority") {
      keep.priority = true;
    } else if (word == "version") {
      keep.version = true;
    } else if (word == "timestamp") {
      keep.timestamp = true;
    } else if (word == "hostname") {
      keep.hostname = true;
    } else {
      return Status::InvalidArgument(
          "unknown field \"" + std::string(word) +
          "\": keepFields is none, all, or a list of priority, version, timestamp, hostname");
    }
    rest = end == std::string_view::npos ? std::string_view() : trim(rest.substr(end));
  }
  return keep;
}

int64_t SyslogParser::CivilToMillis(int64_t year, int month, int day, int hour, int minute,
                                    int second, bool utc) const {
  const int64_t as_utc =
      DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  if (utc) return as_utc * 1000;
  // The local zone's offset at that moment; asked twice so a date near a DST change lands right.
  auto offset_at = [](int64_t t) {
    const auto seconds = static_cast<time_t>(t);
    std::tm tm{};
    if (localtime_r(&seconds, &tm) == nullptr) return int64_t{0};
    return static_cast<int64_t>(tm.tm_gmtoff);
  };
  const int64_t first = offset_at(as_utc);
  int64_t t = as_utc - first;
  const int64_t second_offset = offset_at(t);
  if (second_offset != first) t = as_utc - second_offset;
  return t * 1000;
}

bool SyslogParser::ParseRfc3339(std::string_view s, int64_t* ms) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (s.size() < 19 || !Digits(s, 0, 4, &year) || s[4] != '-' || !Digits(s, 5, 2, &month) ||
      s[7] != '-' || !Digits(s, 8, 2, &day) || (s[10] != 'T' && s[10] != 't') ||
      !Digits(s, 11, 2, &hour) || s[13] != ':' || !Digits(s, 14, 2, &minute) || s[16] != ':' ||
      !Digits(s, 17, 2, &second) || !ValidCivil(year, month, day, hour, minute, second)) {
    return false;
  }
  size_t p = 19;
  int64_t millis = 0;
  if (p < s.size() && s[p] == '.') {
    ++p;
    const size_t start = p;
    while (p < s.size() && IsDigit(s[p])) {
      if (p - start < 3) millis = millis * 10 + (s[p] - '0');
      ++p;
    }
    const size_t n = p - start;
    if (n == 0 || n > 9) return false;
    for (size_t i = n; i < 3; ++i) millis *= 10;
  }
  int64_t offset_minutes = 0;
  bool utc = options_.rfc3164_utc;
  if (p < s.size()) {
    if (s[p] == 'Z' || s[p] == 'z') {
      utc = true;
      ++p;
    } else if (s[p] == '+' || s[p] == '-') {
      int oh = 0, om = 0;
      if (!Digits(s, p + 1, 2, &oh) || p + 3 >= s.size() || s[p + 3] != ':' ||
          !Digits(s, p + 4, 2, &om) || oh > 23 || om > 59) {
        return false;
      }
      offset_minutes = (s[p] == '-' ? -1 : 1) * (oh * 60 + om);
      utc = true;
      p += 6;
    }
  }
  if (p != s.size()) return false;
  *ms = CivilToMillis(year, month, day, hour, minute, std::min(second, 59), utc) + millis -
        offset_minutes * 60 * 1000;
  return true;
}

bool SyslogParser::ParseRfc3164Date(std::string_view date, int64_t now_ms, int64_t* ms) {
  if (date == cached_date_ && now_ms - cached_at_ms_ < 60'000 && now_ms >= cached_at_ms_) {
    *ms = cached_ms_;
    return true;
  }
  // "Mmm dd hh:mm:ss" or "Mmm dd yyyy hh:mm:ss" (day may be " 5", "5" or "05"), optional ".fff".
  const int month = MonthOfName(date.substr(0, 3));
  if (month == 0 || date.size() < 4 || date[3] != ' ') return false;
  size_t p = 4;
  if (p < date.size() && date[p] == ' ') ++p;
  int day = 0;
  if (Digits(date, p, 2, &day)) {
    p += 2;
  } else if (Digits(date, p, 1, &day)) {
    p += 1;
  } else {
    return false;
  }
  if (!Space(date, &p)) return false;
  int year = -1;
  if (p + 4 < date.size() && date[p + 4] == ' ' && Digits(date, p, 4, &year)) p += 5;
  int hour = 0, minute = 0, second = 0;
  if (!Digits(date, p, 2, &hour) || p + 2 >= date.size() || date[p + 2] != ':' ||
      !Digits(date, p + 3, 2, &minute) || p + 5 >= date.size() || date[p + 5] != ':' ||
      !Digits(date, p + 6, 2, &second)) {
    return false;
  }
  p += 8;
  int64_t millis = 0;
  if (p < date.size() && date[p] == '.') {
    ++p;
    const size_t start = p;
    while (p < date.size() && IsDigit(date[p])) {
      if (p - start < 3) millis = millis * 10 + (date[p] - '0');
      ++p;
    }
    if (p == start || p - start > 9) return false;
    for (size_t i = p - start; i < 3; ++i) millis *= 10;
  }
  if (p != date.size()) return false;
  const bool utc = options_.rfc3164_utc;
  int64_t result = 0;
  if (year >= 0) {
    if (!ValidCivil(year, month, day, hour, minute, second)) return false;
    result = CivilToMillis(year, month, day, hour, minute, std::min(second, 59), utc);
  } else {
    // No year: the one that puts the date within (now - 11 months, now + 1 month].
    const int64_t now_year = YearOfMillis(now_ms);
    int64_t chosen = now_year;
    if (!ValidCivil(chosen, month, day, hour, minute, second)) {
      // Feb 29 outside a leap year: only a neighbouring leap year can hold it.
      chosen = LeapYear(now_year - 1) ? now_year - 1 : now_year + 1;
      if (!ValidCivil(chosen, month, day, hour, minute, second)) return false;
    }
    result = CivilToMillis(chosen, month, day, hour, minute, std::min(second, 59), utc);
    constexpr int64_t kMonth = int64_t{31} * kMillisPerDay;
    if (result > now_ms + kMonth && ValidCivil(chosen - 1, month, day, hour, minute, second)) {
      result = CivilToMillis(chosen - 1, month, day, hour, minute, std::min(second, 59), utc);
    } else if (result < now_ms - 11 * kMonth &&
               ValidCivil(chosen + 1, month, day, hour, minute, second)) {
      result = CivilToMillis(chosen + 1, month, day, hour, minute, std::min(second, 59), utc);
    }
  }
  result += millis;
  cached_date_.assign(date);
  cached_ms_ = result;
  cached_at_ms_ = now_ms;
  *ms = result;
  return true;
}

bool SyslogParser::Parse(std::string_view m, int64_t now_ms, Event& event) {
  // PRI: '<' one to three digits '>', at most 191 (facility 23, severity 7).
  size_t pos = 0;
  int pri = -1;
  if (m.size() >= 3 && m[0] == '<') {
    size_t i = 1;
    int value = 0;
    while (i < m.size() && i <= 3 && IsDigit(m[i])) value = value * 10 + (m[i++] - '0');
    if (i > 1 && i < m.size() && m[i] == '>' && value <= 191) {
      pri = value;
      pos = i + 1;
    }
  }
  Fields f;
  bool ok = pri >= 0;
  if (ok) {
    size_t digits = 0;
    while (pos + digits < m.size() && digits < 4 && IsDigit(m[pos + digits])) ++digits;
    const bool versioned = digits >= 1 && digits <= 3 && m[pos] != '0' && pos + digits < m.size() &&
                           m[pos + digits] == ' ';
    if (versioned) {
      f.version = m.substr(pos, digits);
      size_t p = pos + digits + 1;
      std::string_view ts, host, app, proc, msgid;
      ok = Token(m, &p, &ts) && Space(m, &p) && Token(m, &p, &host) && Space(m, &p) &&
           Token(m, &p, &app) && Space(m, &p) && Token(m, &p, &proc) && Space(m, &p) &&
           Token(m, &p, &msgid) && Space(m, &p) && StructuredData(m, &p, &f.structured_data);
      if (ok && ts != "-") {
        ok = ParseRfc3339(ts, &f.timestamp_ms);
        f.has_timestamp = ok;
      }
      if (ok && p < m.size()) ok = Space(m, &p);
      if (ok) {
        f.timestamp_text = ts;
        f.host = NotNil(host);
        f.app_name = NotNil(app);
        f.proc_id = NotNil(proc);
        f.msg_id = NotNil(msgid);
        f.message = m.substr(p);
      }
    } else {
      // RFC 3164: an RFC 3339 date (rsyslog's forward format) or "Mmm dd [yyyy ]hh:mm:ss".
      size_t p = pos;
      std::string_view ts;
      if (digits == 4) {
        ok = Token(m, &p, &ts) && ParseRfc3339(ts, &f.timestamp_ms);
      } else {
        const size_t end = pos + Rfc3164DateLength(m.substr(pos));
        ts = m.substr(pos, end - pos);
        p = end;
        ok = ParseRfc3164Date(ts, now_ms, &f.timestamp_ms);
      }
      if (ok && p < m.size()) ok = Space(m, &p);
      if (ok) {
        f.timestamp_text = ts;
        f.has_timestamp = true;
        // The hostname, unless the sender left it out and this is already the tag.
        size_t q = p;
        std::string_view host;
        if (Token(m, &q, &host) && host.back() != ':' && host.find('[') == std::string_view::npos) {
          f.host = host;
          p = q < m.size() ? q + 1 : q;
        }
        f.message = m.substr(p);
        Rfc3164Tag(f.message, f);
      }
    }
  }

  Headers& h = event.headers;
  if (pri >= 0) {
    h.Set("Facility", std::to_string(pri / 8));
    h.Set("Severity", std::to_string(pri % 8));
    h.Set("priority", std::string(m.substr(1, m.find('>') - 1)));
  }
  if (!ok) {
    h.Set(kSyslogStatusHeader, std::string(kSyslogInvalid));
    event.body.assign(m);
    return false;
  }
  SetIf(h, "version", f.version);
  if (f.has_timestamp) h.Set("timestamp", std::to_string(f.timestamp_ms));
  SetIf(h, "host", f.host);
  SetIf(h, "appName", f.app_name);
  SetIf(h, "procId", f.proc_id);
  SetIf(h, "msgId", f.msg_id);
  SetIf(h, "structuredData", f.structured_data);

  const SyslogKeepFields& keep = options_.keep;
  if (keep.all) {
    event.body.assign(m);
  } else if (!keep.priority && !keep.version && !keep.timestamp && !keep.hostname) {
    event.body.assign(f.message);
  } else {
    std::string body;
    body.reserve(m.size());
    if (keep.priority) body.append(m.substr(0, m.find('>') + 1));
    // The kept fields and the message, one space apart as sent (none after the PRI).
    bool first = true;
    const auto add = [&](bool wanted, std::string_view part) {
      if (!wanted || part.empty()) return;
      if (!first) body.push_back(' ');
      body.append(part);
      first = false;
    };
    add(keep.version, f.version);
    add(keep.timestamp, f.timestamp_text);
    add(keep.hostname, f.host);
    add(true, f.message);
    event.body = std::move(body);
  }
  return true;
}

}  // namespace acequia::sidecar
