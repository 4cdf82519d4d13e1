// Reads back the part files the writers produce, record by record, to merge datasets: a whole
// file (decompressed by its extension) split into records — CSV with quoted line breaks, TSV and
// JSON lines by line — and one field of a record by column. One thread at a time.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/import_job.h"
#include "common/status.h"

namespace acequia::importer {

// The bytes of `path`, decompressed when it ends in .gz or .zst.
[[nodiscard]] Result<std::string> ReadDecompressed(const std::string& path);

class RecordReader {
 public:
  // `columns` are the output's column names (CSV/TSV fields are positional).
  RecordReader(const api::ImportTarget& target, std::vector<std::string> columns)
      : target_(target), columns_(std::move(columns)) {}

  // Splits `content` into records, each with its line terminator.
  [[nodiscard]] Result<std::vector<std::string_view>> Records(std::string_view content) const;
  // The value of `column` in `record` in a canonical text form (unquoted CSV, escaped TSV as
  // written, the JSON value's dump); "\0NULL" for NULL.
  [[nodiscard]] Result<std::string> Field(std::string_view record, const std::string& column) const;

 private:
  const api::ImportTarget& target_;
  std::vector<std::string> columns_;
};

}  // namespace acequia::importer
