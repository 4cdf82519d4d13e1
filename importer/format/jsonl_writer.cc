#include "importer/format/jsonl_writer.h"

namespace acequia::importer {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?
bool IsJsonNumber(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  if (i >= s.size() || !IsDigit(s[i])) return false;
  if (s[i] == '0')
    ++i;
  else
    while (i < s.size() && IsDigit(s[i])) ++i;
  if (i < s.size() && s[i] == '.') {
    if (++i >= s.size() || !IsDigit(s[i])) return false;
    while (i < s.size() && IsDigit(s[i])) ++i;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    if (++i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (i >= s.size() || !IsDigit(s[i])) return false;
    while (i < s.size() && IsDigit(s[i])) ++i;
  }
  return i == s.size();
}

void Escape(std::string_view s, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\f':
        *out += "\\f";
        break;
      default:
        if (c < 0x20) {
          *out += "\\u00";
          *out += kHex[c >> 4];
          *out += kHex[c & 15];
        } else {
          *out += ch;
        }
    }
  }
}

}  // namespace

JsonlWriter::JsonlWriter(std::vector<Column> columns, OutputFile& file)
    : columns_(std::move(columns)), file_(file) {
  for (const auto& c : columns_) {
    std::string key = "\"";
    Escape(c.name, &key);
    key += "\":";
    keys_.push_back(std::move(key));
  }
}

void JsonlWriter::BeginRow() {
  column_ = 0;
  file_.Append('{');
}

void JsonlWriter::AppendString(std::string_view s) {
  std::string escaped = "\"";
  Escape(s, &escaped);
  escaped += '"';
  file_.Append(escaped);
}

void JsonlWriter::Append(std::optional<std::string_view> value) {
  const size_t i = column_++;
  if (i > 0) file_.Append(',');
  if (i < keys_.size()) file_.Append(keys_[i]);
  if (!value) {
    file_.Append("null");
    return;
  }
  const ValueKind kind = i < columns_.size() ? columns_[i].kind : ValueKind::kText;
  std::string_view v = *value;
  switch (kind) {
    case ValueKind::kInteger:
    case ValueKind::kDecimal:
    case ValueKind::kFloat:
      if (IsJsonNumber(v))
        file_.Append(v);
      else
        AppendString(v);
      return;
    case ValueKind::kBoolean:
      if (v == "t" || v == "true" || v == "1")
        file_.Append("true");
      else if (v == "f" || v == "false" || v == "0")
        file_.Append("false");
      else
        AppendString(v);
      return;
    case ValueKind::kJson:
      file_.Append(v);
      return;
    default:
      AppendString(v);
      return;
  }
}

Status JsonlWriter::EndRow() {
  file_.Append("}\n");
  ++rows_;
  return file_.MaybeFlush();
}

}  // namespace acequia::importer
