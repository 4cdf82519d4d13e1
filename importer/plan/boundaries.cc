#include "importer/plan/boundaries.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <regex>

namespace acequia::importer {
namespace {

__extension__ typedef __int128 int128;

Status Unparsable(const std::string& what, const std::string& value) {
  return Status::InvalidArgument("cannot split on " + what + " value \"" + value + "\"");
}

std::vector<std::string> Dedupe(std::vector<std::string> b) {
  std::vector<std::string> out;
  for (auto& s : b) {
    if (out.empty() || out.back() != s) out.push_back(std::move(s));
  }
  if (out.size() == 1) out.push_back(out[0]);  // min == max: one split [min, max]
  return out;
}

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2);
}

std::string FormatDate(int64_t days) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  return buf;
}

bool ParseDate(const std::string& s, int64_t* days) {
  static const std::regex kDate(R"((\d{4})-(\d{2})-(\d{2}))");
  std::smatch m;
  if (!std::regex_match(s, m, kDate)) return false;
  *days = DaysFromCivil(std::stoll(m[1]), std::stoul(m[2]), std::stoul(m[3]));
  return true;
}

// Microseconds since the epoch (of the local wall clock) and the zone suffix.
bool ParseTimestamp(const std::string& s, int128* micros, std::string* zone) {
  static const std::regex kTs(
      R"((\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.(\d{1,6}))?([+-]\d{2}(:?\d{2})?|Z)?)");
  std::smatch m;
  if (!std::regex_match(s, m, kTs)) return false;
  int64_t days = DaysFromCivil(std::stoll(m[1]), std::stoul(m[2]), std::stoul(m[3]));
  int64_t secs = days * 86400 + std::stoll(m[4]) * 3600 + std::stoll(m[5]) * 60 + std::stoll(m[6]);
  int64_t frac = 0;
  if (m[8].matched) {
    std::string f = m[8].str();
    f.resize(6, '0');
    frac = std::stoll(f);
  }
  *micros = static_cast<int128>(secs) * 1000000 + frac;
  *zone = m[9].matched ? m[9].str() : "";
  return true;
}

std::string FormatTimestamp(int128 micros, const std::string& zone) {
  int64_t total = static_cast<int64_t>(micros);
  int64_t secs = total >= 0 ? total / 1000000 : -((-total + 999999) / 1000000);
  int64_t frac = total - secs * 1000000;
  int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  int64_t rem = secs - days * 86400;
  int64_t y;
  unsigned mo, d;
  CivilFromDays(days, &y, &mo, &d);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u %02lld:%02lld:%02lld.%06lld",
                static_cast<long long>(y), mo, d, static_cast<long long>(rem / 3600),
                static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60),
                static_cast<long long>(frac));
  return buf + zone;
}

std::string Int128ToString(int128 v) {
  if (v == 0) return "0";
  bool neg = v < 0;
  std::string out;
  while (v != 0) {
    int digit = static_cast<int>(v % 10);
    out += static_cast<char>('0' + (digit < 0 ? -digit : digit));
    v /= 10;
  }
  if (neg) out += '-';
  return std::string(out.rbegin(), out.rend());
}

// Decodes UTF-8 to code points (invalid bytes become their byte value).
std::vector<uint32_t> CodePoints(const std::string& s) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (i + len > s.size()) len = 1;
    uint32_t cp = len == 1 ? c : c & (0xFF >> (len + 1));
    for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += len;
  }
  return out;
}

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

constexpr int kTextDigits = 4;         // code points after the common prefix that are split
constexpr uint32_t kRadix = 0x110000;  // every code point

}  // namespace

Result<std::vector<std::string>> IntegerBoundaries(const std::string& min, const std::string& max,
                                                   int n) {
  int64_t lo = 0, hi = 0;
  auto parse = [](const std::string& s, int64_t* v) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
    return ec == std::errc() && end == s.data() + s.size();
  };
  if (!parse(min, &lo)) return Unparsable("integer", min);
  if (!parse(max, &hi)) return Unparsable("integer", max);
  std::vector<std::string> b;
  const int128 span = static_cast<int128>(hi) - lo;
  for (int k = 0; k <= n; ++k) b.push_back(Int128ToString(lo + span * k / n));
  b.front() = min;
  b.back() = max;
  return Dedupe(std::move(b));
}

Result<std::vector<std::string>> DecimalBoundaries(const std::string& min, const std::string& max,
                                                   int n) {
  char* end = nullptr;
  long double lo = std::strtold(min.c_str(), &end);
  if (end == min.c_str() || *end != '\0' || !std::isfinite(lo)) return Unparsable("decimal", min);
  long double hi = std::strtold(max.c_str(), &end);
  if (end == max.c_str() || *end != '\0' || !std::isfinite(hi)) return Unparsable("decimal", max);
  std::vector<std::string> b{min};
  long double last = lo;
  for (int k = 1; k < n; ++k) {
    long double v = lo + (hi - lo) * k / n;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.18Lg", v);
    long double parsed = std::strtold(buf, nullptr);
    if (parsed <= last || parsed >= hi) continue;  // keeps the boundaries strictly increasing
    last = parsed;
    b.emplace_back(buf);
  }
  b.push_back(max);
  return Dedupe(std::move(b));
}

Result<std::vector<std::string>> DateBoundaries(const std::string& min, const std::string& max,
                                                int n) {
  int64_t lo = 0, hi = 0;
  if (!ParseDate(min, &lo)) return Unparsable("date", min);
  if (!ParseDate(max, &hi)) return Unparsable("date", max);
  std::vector<std::string> b;
  for (int k = 0; k <= n; ++k) b.push_back(FormatDate(lo + (hi - lo) * k / n));
  b.front() = min;
  b.back() = max;
  return Dedupe(std::move(b));
}

Result<std::vector<std::string>> TimestampBoundaries(const std::string& min, const std::string& max,
                                                     int n) {
  int128 lo = 0, hi = 0;
  std::string zone, max_zone;
  if (!ParseTimestamp(min, &lo, &zone)) return Unparsable("timestamp", min);
  if (!ParseTimestamp(max, &hi, &max_zone)) return Unparsable("timestamp", max);
  if (zone != max_zone) {
    // Different offsets (daylight saving): compare in absolute time by converting max to min's
    // zone would need the zone rules; splitting the wall-clock span is still monotonic when
    // both carry explicit offsets, because each boundary carries min's offset explicitly.
    auto offset = [](const std::string& z) -> int64_t {
      if (z.empty() || z == "Z") return 0;
      int64_t sign = z[0] == '-' ? -1 : 1;
      int64_t h = std::stoll(z.substr(1, 2));
      int64_t m = z.size() > 3 ? std::stoll(z.substr(z.size() - 2)) : 0;
      return sign * (h * 3600 + m * 60) * 1000000;
    };
    hi = hi - offset(max_zone) + offset(zone);
  }
  std::vector<std::string> b;
  for (int k = 0; k <= n; ++k) b.push_back(FormatTimestamp(lo + (hi - lo) * k / n, zone));
  b.front() = min;
  b.back() = max;
  return Dedupe(std::move(b));
}

Result<std::vector<std::string>> TextBoundaries(const std::string& min, const std::string& max,
                                                int n) {
  if (min > max) return Status::Internal("text split: MIN is greater than MAX in byte order");
  const auto a = CodePoints(min);
  const auto z = CodePoints(max);
  size_t prefix = 0;
  while (prefix < a.size() && prefix < z.size() && a[prefix] == z[prefix]) ++prefix;
  std::string common;
  for (size_t i = 0; i < prefix; ++i) AppendUtf8(&common, a[i]);
  auto number = [&](const std::vector<uint32_t>& cps) {
    int128 v = 0;
    for (int k = 0; k < kTextDigits; ++k) {
      size_t i = prefix + k;
      v = v * kRadix + (i < cps.size() ? cps[i] : 0);
    }
    return v;
  };
  const int128 lo = number(a);
  const int128 hi = number(z);
  std::vector<std::string> b{min};
  for (int k = 1; k < n; ++k) {
    int128 v = lo + (hi - lo) * k / n;
    uint32_t digits[kTextDigits];
    for (int d = kTextDigits - 1; d >= 0; --d) {
      digits[d] = static_cast<uint32_t>(v % kRadix);
      v /= kRadix;
    }
    std::string s = common;
    int used = kTextDigits;
    while (used > 0 && digits[used - 1] == 0) --used;  // trailing zeros: a shorter string
    for (int d = 0; d < used; ++d) {
      uint32_t cp = digits[d];
      if (cp == 0) cp = 1;                            // no NUL in text
      if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xE000;  // no surrogates in UTF-8
      AppendUtf8(&s, cp);
    }
    if (s <= b.back() || s >= max) continue;
    b.push_back(std::move(s));
  }
  b.push_back(max);
  return Dedupe(std::move(b));
}

}  // namespace acequia::importer
