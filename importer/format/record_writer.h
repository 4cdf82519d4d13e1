// Writes rows in one text format to an OutputFile, the way DuckDB's appender takes rows:
// BeginRow(), one Append() per column, EndRow() (which flushes by bytes), Close().
// A writer borrows its OutputFile, which must outlive it. One thread at a time.
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "api/import_job.h"
#include "common/status.h"
#include "importer/db/database.h"
#include "importer/format/output_file.h"

namespace acequia::importer {

class RecordWriter {
 public:
  virtual ~RecordWriter() = default;
  virtual void BeginRow() = 0;
  // The next column's value; nullopt is NULL.
  virtual void Append(std::optional<std::string_view> value) = 0;
  [[nodiscard]] virtual Status EndRow() = 0;
  // Flushes and closes the file.
  [[nodiscard]] virtual Status Close() = 0;
  virtual int64_t rows() const = 0;
};

// The writer for target.format ("csv", "tsv", "jsonl", "avro").
[[nodiscard]] Result<std::unique_ptr<RecordWriter>> MakeRecordWriter(
    const api::ImportTarget& target, std::vector<Column> columns, OutputFile& file);

}  // namespace acequia::importer
