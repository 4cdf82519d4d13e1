#include "sidecar/convert/java_properties.h"

#include <cstdint>

namespace acequia::sidecar::convert {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\f'; }

// One logical line: the text with continuations joined (still escaped) and its first line.
struct LogicalLine {
  std::string text;
  int line;
};

// True when `s` ends in an odd number of backslashes (the last one escapes the line end).
bool EndsWithContinuation(std::string_view s) {
  size_t n = 0;
  for (size_t i = s.size(); i > 0 && s[i - 1] == '\\'; --i) ++n;
  return n % 2 == 1;
}

std::vector<LogicalLine> SplitLogicalLines(std::string_view text) {
  std::vector<LogicalLine> out;
  size_t pos = 0;
  int line_no = 0;
  auto next_physical = [&](std::string_view* line) {
    if (pos >= text.size()) return false;
    size_t end = text.find_first_of("\r\n", pos);
    if (end == std::string_view::npos) end = text.size();
    *line = text.substr(pos, end - pos);
    pos = end;
    if (pos < text.size() && text[pos] == '\r') {
      ++pos;
      if (pos < text.size() && text[pos] == '\n') ++pos;  // \r\n is one line end
    } else if (pos < text.size()) {
      ++pos;  // \n
    }
    ++line_no;
    return true;
  };
  std::string_view physical;
  while (next_physical(&physical)) {
    size_t i = 0;
    while (i < physical.size() && IsBlank(physical[i])) ++i;
    if (i == physical.size()) continue;                      // blank line
    if (physical[i] == '#' || physical[i] == '!') continue;  // comment (never continued)
    LogicalLine logical{std::string(physical.substr(i)), line_no};
    while (EndsWithContinuation(logical.text)) {
      logical.text.pop_back();
      std::string_view more;
      if (!next_physical(&more)) break;
      size_t j = 0;
      while (j < more.size() && IsBlank(more[j])) ++j;
      logical.text.append(more.substr(j));
    }
    out.push_back(std::move(logical));
  }
  return out;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Resolves the escapes of `s`; \uXXXX pairs that form a UTF-16 surrogate pair become one code
// point.
Result<std::string> Unescape(std::string_view s, int line) {
  std::string out;
  uint32_t pending_high = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c != '\\' || i + 1 == s.size()) {
      if (pending_high) AppendUtf8(out, 0xFFFD), pending_high = 0;
      out += c;
      continue;
    }
    char e = s[++i];
    if (e == 'u') {
      uint32_t cp = 0;
      for (int k = 0; k < 4; ++k) {
        int h = i + 1 < s.size() ? HexValue(s[i + 1]) : -1;
        if (h < 0) {
          return Status::InvalidArgument("line " + std::to_string(line) +
                                         ": malformed \\uxxxx escape");
        }
        cp = cp * 16 + static_cast<uint32_t>(h);
        ++i;
      }
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (pending_high) AppendUtf8(out, 0xFFFD);
        pending_high = cp;
        continue;
      }
      if (cp >= 0xDC00 && cp <= 0xDFFF && pending_high) {
        AppendUtf8(out, 0x10000 + ((pending_high - 0xD800) << 10) + (cp - 0xDC00));
        pending_high = 0;
        continue;
      }
      if (pending_high) AppendUtf8(out, 0xFFFD), pending_high = 0;
      AppendUtf8(out, cp);
      continue;
    }
    if (pending_high) AppendUtf8(out, 0xFFFD), pending_high = 0;
    switch (e) {
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 'f':
        out += '\f';
        break;
      default:
        out += e;
        break;  // \\ \= \: \# \! \space and any other character: itself
    }
  }
  if (pending_high) AppendUtf8(out, 0xFFFD);
  return out;
}

}  // namespace

Result<std::vector<PropertyEntry>> ParseJavaProperties(std::string_view text) {
  std::vector<PropertyEntry> entries;
  for (const auto& logical : SplitLogicalLines(text)) {
    const std::string& s = logical.text;
    // The key ends at the first unescaped '=', ':' or whitespace.
    size_t key_end = 0;
    bool escaped = false;
    for (; key_end < s.size(); ++key_end) {
      char c = s[key_end];
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '=' || c == ':' || IsBlank(c)) {
        break;
      }
    }
    size_t value_start = key_end;
    while (value_start < s.size() && IsBlank(s[value_start])) ++value_start;
    if (value_start < s.size() && (s[value_start] == '=' || s[value_start] == ':')) {
      ++value_start;
      while (value_start < s.size() && IsBlank(s[value_start])) ++value_start;
    }
    auto key = Unescape(std::string_view(s).substr(0, key_end), logical.line);
    if (!key.ok()) return key.status();
    auto value = Unescape(std::string_view(s).substr(value_start), logical.line);
    if (!value.ok()) return value.status();
    entries.push_back({std::move(*key), std::move(*value), logical.line});
  }
  return entries;
}

}  // namespace acequia::sidecar::convert
