// Avro object container files (common/avro_container) written on top of OutputFile: the header,
// then a block per ~64 KiB of rows. The schema is one record whose fields are the columns, each a
// union
// ["null", T]: long for integers, double for floats, boolean, bytes (PostgreSQL's "\x…" text
// decoded), string for everything else (decimals, dates and timestamps as their database text,
// as Sqoop does by default). Column names are made valid Avro names ([A-Za-z_][A-Za-z0-9_]*).
// Codecs: null, deflate and snappy. One thread at a time.
#pragma once

#include <string>
#include <vector>

#include "common/avro_container.h"
#include "importer/format/record_writer.h"

namespace acequia::importer {

class AvroWriter : public RecordWriter {
 public:
  static constexpr size_t kBlockBytes = 64 * 1024;

  // `codec` is "none"/"null", "deflate" or "snappy".
  [[nodiscard]] static Result<std::unique_ptr<AvroWriter>> Create(std::vector<Column> columns,
                                                                  const std::string& codec,
                                                                  OutputFile& file);

  // A writer of records already encoded for `schema` (the lastModified merge copies records
  // between files with AppendEncoded).
  [[nodiscard]] static Result<std::unique_ptr<AvroWriter>> ForEncodedRecords(
      std::string schema, const std::string& codec, OutputFile& file);
  [[nodiscard]] Status AppendEncoded(std::string_view record);

  void BeginRow() override { column_ = 0; }
  void Append(std::optional<std::string_view> value) override;
  Status EndRow() override;
  Status Close() override;
  int64_t rows() const override { return rows_; }

  // The schema's JSON (for tests and docs).
  const std::string& schema() const { return schema_; }

 private:
  AvroWriter(std::vector<Column> columns, avro::Codec codec, OutputFile& file);
  Status WriteBlock();

  std::vector<Column> columns_;
  avro::Codec codec_;
  OutputFile& file_;
  std::string schema_;
  std::string sync_;
  std::string block_;
  int64_t block_rows_ = 0;
  size_t column_ = 0;
  int64_t rows_ = 0;
  Status error_;  // the first value that did not fit its type
  bool header_written_ = false;
};

}  // namespace acequia::importer
