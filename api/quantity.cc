#include "api/quantity.h"

#include <cctype>
#include <limits>

namespace acequia::api {
namespace {

bool ParseUnsigned(std::string_view digits, int64_t* out) {
  if (digits.empty()) return false;
  int64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    if (value > (std::numeric_limits<int64_t>::max() - (c - '0')) / 10) return false;
    value = value * 10 + (c - '0');
  }
  *out = value;
  return true;
}

}  // namespace

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("invalid duration \"" + std::string(text) + "\": " +
                                   std::string(why) + " (examples: 30s, 1m30s, 250ms, 2h)");
  };
  if (text.empty()) return bad("empty");
  int64_t bare = 0;
  if (ParseUnsigned(text, &bare)) {  // Flume writes durations as plain seconds.
    if (bare > std::numeric_limits<int64_t>::max() / 1000) return bad("too large");
    return std::chrono::milliseconds(bare * 1000);
  }
  int64_t total_ms = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    int64_t number = 0;
    if (!ParseUnsigned(text.substr(start, i - start), &number)) return bad("expected a number");
    size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string_view unit = text.substr(unit_start, i - unit_start);
    int64_t scale = 0;
    if (unit == "ms")
      scale = 1;
    else if (unit == "s")
      scale = 1000;
    else if (unit == "m")
      scale = 60'000;
    else if (unit == "h")
      scale = 3'600'000;
    else if (unit == "d")
      scale = 86'400'000;
    else if (unit.empty())
      return bad("missing unit after " + std::to_string(number));
    else
      return bad("unknown unit \"" + std::string(unit) + "\"");
    if (number > (std::numeric_limits<int64_t>::max() - total_ms) / scale) return bad("too large");
    total_ms += number * scale;
  }
  return std::chrono::milliseconds(total_ms);
}

Result<int64_t> ParseSize(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("invalid size \"" + std::string(text) +
                                   "\": " + std::string(why) +
                                   " (examples: 1048576, 512Ki, 64Mi, 5Gi, 10M)");
  };
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  int64_t number = 0;
  if (!ParseUnsigned(text.substr(0, digits), &number)) return bad("expected a whole number");
  std::string_view suffix = text.substr(digits);
  int64_t scale = 1;
  if (suffix.empty())
    scale = 1;
  else if (suffix == "Ki")
    scale = int64_t{1} << 10;
  else if (suffix == "Mi")
    scale = int64_t{1} << 20;
  else if (suffix == "Gi")
    scale = int64_t{1} << 30;
  else if (suffix == "Ti")
    scale = int64_t{1} << 40;
  else if (suffix == "k" || suffix == "K")
    scale = 1000;
  else if (suffix == "M")
    scale = 1000 * 1000;
  else if (suffix == "G")
    scale = 1000 * 1000 * 1000;
  else if (suffix == "T")
    scale = int64_t{1000} * 1000 * 1000 * 1000;
  else
    return bad("unknown suffix \"" + std::string(suffix) + "\"");
  if (number > std::numeric_limits<int64_t>::max() / scale) return bad("too large");
  return number * scale;
}

std::string FormatDuration(std::chrono::milliseconds d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  auto part = [&](int64_t unit, const char* name) {
    if (ms >= unit) {
      out += std::to_string(ms / unit) + name;
      ms %= unit;
    }
  };
  part(3'600'000, "h");
  part(60'000, "m");
  part(1000, "s");
  part(1, "ms");
  return out;
}

}  // namespace acequia::api
