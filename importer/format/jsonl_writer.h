// JSON lines: one object per row, keys are the column names in order. Integers, decimals and
// floats are JSON numbers (NaN and infinities are strings), booleans true/false, json/jsonb
// columns are embedded as JSON, NULL is null, everything else a string. One thread at a time.
#pragma once

#include <string>
#include <vector>

#include "importer/format/record_writer.h"

namespace acequia::importer {

class JsonlWriter : public RecordWriter {
 public:
  JsonlWriter(std::vector<Column> columns, OutputFile& file);

  void BeginRow() override;
  void Append(std::optional<std::string_view> value) override;
  Status EndRow() override;
  Status Close() override { return file_.Close(); }
  int64_t rows() const override { return rows_; }

 private:
  void AppendString(std::string_view s);

  std::vector<Column> columns_;
  std::vector<std::string> keys_;  // "\"name\":" per column, escaped once
  OutputFile& file_;
  size_t column_ = 0;
  int64_t rows_ = 0;
};

}  // namespace acequia::importer
