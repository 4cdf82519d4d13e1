// Tab-separated text as PostgreSQL's COPY text format (and MySQL's SELECT … INTO OUTFILE) writes
// it: NULL is \N, and backslash, tab, newline, carriage return, backspace, form feed and vertical
// tab inside values are escaped with a backslash. One line per row. One thread at a time.
#pragma once

#include "importer/format/record_writer.h"

namespace acequia::importer {

class TsvWriter : public RecordWriter {
 public:
  explicit TsvWriter(OutputFile& file) : file_(file) {}

  void BeginRow() override { column_ = 0; }
  void Append(std::optional<std::string_view> value) override;
  Status EndRow() override;
  Status Close() override { return file_.Close(); }
  int64_t rows() const override { return rows_; }

 private:
  OutputFile& file_;
  size_t column_ = 0;
  int64_t rows_ = 0;
};

}  // namespace acequia::importer
