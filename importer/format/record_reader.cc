#include "importer/format/record_reader.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/compression.h"

namespace acequia::importer {
namespace {

const std::string kNull("\0NULL", 5);

}  // namespace

Result<std::string> ReadDecompressed(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  std::string raw = text.str();
  std::string out;
  if (path.ends_with(".gz")) {
    if (!Inflate(raw, DeflateFormat::kGzip, &out).ok()) {
      return Status::IoError(path + ": corrupt gzip data");
    }
    return out;
  }
  if (path.ends_with(".zst")) {
    if (!ZstdDecompress(raw, &out).ok()) return Status::IoError(path + ": corrupt zstd data");
    return out;
  }
  return raw;
}

Result<std::vector<std::string_view>> RecordReader::Records(std::string_view content) const {
  std::vector<std::string_view> records;
  const bool csv = target_.format == "csv";
  const char quote = target_.csv.quote;
  const char escape = target_.csv.escape;
  size_t start = 0;
  bool quoted = false;
  for (size_t i = 0; i < content.size(); ++i) {
    char c = content[i];
    if (csv && quoted && escape != quote && c == escape) {
      ++i;  // the escaped character
      continue;
    }
    if (csv && c == quote) {
      quoted = !quoted;  // a doubled quote toggles twice
      continue;
    }
    if (c == '\n' && !quoted) {
      records.push_back(content.substr(start, i + 1 - start));
      start = i + 1;
    }
  }
  if (quoted) return Status::InvalidArgument("unterminated quoted value at the end of the file");
  if (start < content.size()) records.push_back(content.substr(start));
  return records;
}

Result<std::string> RecordReader::Field(std::string_view record, const std::string& column) const {
  while (!record.empty() && (record.back() == '\n' || record.back() == '\r')) {
    record.remove_suffix(1);
  }
  if (target_.format == "jsonl") {
    try {
      auto j = nlohmann::json::parse(record);
      if (!j.contains(column)) return Status::NotFound("no field \"" + column + "\" in a record");
      if (j[column].is_null()) return kNull;
      return j[column].dump();
    } catch (const nlohmann::json::exception& e) {
      return Status::InvalidArgument(std::string("invalid JSON line: ") + e.what());
    }
  }
  auto it = std::find(columns_.begin(), columns_.end(), column);
  if (it == columns_.end()) return Status::NotFound("no column \"" + column + "\" in the output");
  const size_t index = static_cast<size_t>(it - columns_.begin());
  const bool csv = target_.format == "csv";
  const char delimiter = csv ? target_.csv.delimiter : '\t';
  const char quote = target_.csv.quote;
  const char escape = target_.csv.escape;
  size_t field = 0;
  std::string value;
  bool quoted = false;
  bool was_quoted = false;
  for (size_t i = 0; i <= record.size(); ++i) {
    if (i == record.size() || (!quoted && record[i] == delimiter)) {
      if (field == index) {
        if (csv && !was_quoted && value == target_.csv.null_string) return kNull;
        if (!csv && value == "\\N") return kNull;
        return value;
      }
      ++field;
      value.clear();
      was_quoted = false;
      continue;
    }
    char c = record[i];
    if (csv && quoted && c == escape && i + 1 < record.size() &&
        (record[i + 1] == quote || record[i + 1] == escape) &&
        (escape != quote || record[i + 1] == quote)) {
      value += record[++i];
      continue;
    }
    if (csv && c == quote) {
      quoted = !quoted;
      was_quoted = true;
      continue;
    }
    value += c;
  }
  return Status::NotFound("record has fewer than " + std::to_string(index + 1) + " fields");
}

}  // namespace acequia::importer
