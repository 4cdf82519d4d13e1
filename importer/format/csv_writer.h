// Delimited text as PostgreSQL's COPY … CSV writes it (RFC 4180 with PostgreSQL's defaults):
// a value is quoted when it contains the delimiter, the quote, CR or LF, or equals the null
// string (so with nullString "" an empty string is written "" and NULL as nothing); inside
// quotes the quote and escape characters are preceded by the escape. One thread at a time.
#pragma once

#include "importer/format/record_writer.h"

namespace acequia::importer {

class CsvWriter : public RecordWriter {
 public:
  CsvWriter(const api::CsvOptions& options, size_t column_count, OutputFile& file)
      : options_(options), column_count_(column_count), file_(file) {}

  void BeginRow() override { column_ = 0; }
  void Append(std::optional<std::string_view> value) override;
  Status EndRow() override;
  Status Close() override { return file_.Close(); }
  int64_t rows() const override { return rows_; }

 private:
  api::CsvOptions options_;
  size_t column_count_;
  OutputFile& file_;
  size_t column_ = 0;
  int64_t rows_ = 0;
};

}  // namespace acequia::importer
