#include "importer/format/avro_writer.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "common/avro_container.h"

namespace acequia::importer {
namespace {

enum class AvroType { kLong, kDouble, kBoolean, kBytes, kString };

AvroType TypeOf(ValueKind kind) {
  switch (kind) {
    case ValueKind::kInteger:
      return AvroType::kLong;
    case ValueKind::kFloat:
      return AvroType::kDouble;
    case ValueKind::kBoolean:
      return AvroType::kBoolean;
    case ValueKind::kBytes:
      return AvroType::kBytes;
    default:
      return AvroType::kString;
  }
}

const char* TypeName(AvroType t) {
  switch (t) {
    case AvroType::kLong:
      return "long";
    case AvroType::kDouble:
      return "double";
    case AvroType::kBoolean:
      return "boolean";
    case AvroType::kBytes:
      return "bytes";
    case AvroType::kString:
      return "string";
  }
  return "string";
}

using avro::PutBytes;
using avro::PutLong;

std::string AvroName(const std::string& name) {
  std::string out;
  for (char c : name) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (c >= '0' && c <= '9');
    out += ok ? c : '_';
  }
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out = "_" + out;
  return out;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<std::unique_ptr<AvroWriter>> AvroWriter::Create(std::vector<Column> columns,
                                                       const std::string& codec, OutputFile& file) {
  if (codec != "none" && codec != "null" && codec != "deflate" && codec != "snappy") {
    return Status::InvalidArgument("avro compression " + codec +
                                   " is not supported (use none, deflate or snappy)");
  }
  const avro::Codec avro_codec = codec == "deflate"  ? avro::Codec::kDeflate
                                 : codec == "snappy" ? avro::Codec::kSnappy
                                                     : avro::Codec::kNull;
  return std::unique_ptr<AvroWriter>(new AvroWriter(std::move(columns), avro_codec, file));
}

Result<std::unique_ptr<AvroWriter>> AvroWriter::ForEncodedRecords(std::string schema,
                                                                  const std::string& codec,
                                                                  OutputFile& file) {
  auto writer = Create({}, codec, file);
  if (!writer.ok()) return writer.status();
  (*writer)->schema_ = std::move(schema);
  return writer;
}

Status AvroWriter::AppendEncoded(std::string_view record) {
  block_.append(record);
  ++rows_;
  ++block_rows_;
  if (block_.size() >= kBlockBytes) return WriteBlock();
  return Status::Ok();
}

AvroWriter::AvroWriter(std::vector<Column> columns, avro::Codec codec, OutputFile& file)
    : columns_(std::move(columns)), codec_(codec), file_(file) {
  nlohmann::json fields = nlohmann::json::array();
  std::set<std::string> used;
  for (const auto& c : columns_) {
    std::string name = AvroName(c.name);
    for (int n = 2; used.count(name); ++n) name = AvroName(c.name) + "_" + std::to_string(n);
    used.insert(name);
    nlohmann::json field = {
        {"name", name}, {"type", {"null", TypeName(TypeOf(c.kind))}}, {"default", nullptr}};
    if (name != c.name) field["doc"] = "column " + c.name;
    fields.push_back(field);
  }
  schema_ = nlohmann::json{
      {"type", "record"},
      {"name", "ImportRecord"},
      {"namespace", "io.acequia"},
      {"fields",
       fields}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  sync_ = avro::NewSyncMarker();
}

void AvroWriter::Append(std::optional<std::string_view> value) {
  const size_t i = column_++;
  if (i >= columns_.size()) return;
  if (!value) {
    PutLong(&block_, 0);
    return;
  }
  PutLong(&block_, 1);
  std::string_view v = *value;
  auto fail = [&](const char* what) {
    if (error_.ok()) {
      error_ = Status::InvalidArgument("avro: value \"" + std::string(v.substr(0, 40)) +
                                       "\" of column \"" + columns_[i].name + "\" is not " + what);
    }
  };
  switch (TypeOf(columns_[i].kind)) {
    case AvroType::kLong: {
      int64_t n = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc() || end != v.data() + v.size()) fail("an integer");
      PutLong(&block_, n);
      break;
    }
    case AvroType::kDouble: {
      std::string text(v);
      double d;
      if (text == "NaN")
        d = std::nan("");
      else if (text == "Infinity")
        d = HUGE_VAL;
      else if (text == "-Infinity")
        d = -HUGE_VAL;
      else {
        char* end = nullptr;
        d = std::strtod(text.c_str(), &end);
        if (end == text.c_str() || *end != '\0') fail("a number");
      }
      char bytes[8];
      std::memcpy(bytes, &d, 8);  // little-endian on every platform we build for
      block_.append(bytes, 8);
      break;
    }
    case AvroType::kBoolean:
      block_.push_back(v == "t" || v == "true" || v == "1" ? 1 : 0);
      break;
    case AvroType::kBytes: {
      std::string raw;
      if (v.size() >= 2 && v[0] == '\\' && v[1] == 'x') {
        for (size_t k = 2; k + 1 < v.size(); k += 2) {
          int hi = HexDigit(v[k]), lo = HexDigit(v[k + 1]);
          if (hi < 0 || lo < 0) fail("hex bytes");
          raw.push_back(static_cast<char>((hi << 4) | (lo & 15)));
        }
      } else {
        raw = std::string(v);
      }
      PutBytes(&block_, raw);
      break;
    }
    case AvroType::kString:
      PutBytes(&block_, v);
      break;
  }
}

Status AvroWriter::EndRow() {
  while (column_ < columns_.size()) Append(std::nullopt);
  ++rows_;
  ++block_rows_;
  if (!error_.ok()) return error_;
  if (block_.size() >= kBlockBytes) return WriteBlock();
  return Status::Ok();
}

Status AvroWriter::WriteBlock() {
  std::string out;
  if (!header_written_) {
    header_written_ = true;
    avro::AppendHeader(schema_, codec_, sync_, &out);
  }
  if (block_rows_ > 0) {
    if (Status s = avro::AppendBlock(codec_, block_rows_, block_, sync_, &out); !s.ok()) return s;
    block_.clear();
    block_rows_ = 0;
  }
  file_.Append(out);
  return file_.Flush();
}

Status AvroWriter::Close() {
  if (!error_.ok()) return error_;
  if (Status s = WriteBlock(); !s.ok()) return s;
  return file_.Close();
}

}  // namespace acequia::importer
