#include "importer/format/record_writer.h"

#include "importer/format/avro_writer.h"
#include "importer/format/csv_writer.h"
#include "importer/format/jsonl_writer.h"
#include "importer/format/tsv_writer.h"

namespace acequia::importer {

Result<std::unique_ptr<RecordWriter>> MakeRecordWriter(const api::ImportTarget& target,
                                                       std::vector<Column> columns,
                                                       OutputFile& file) {
  if (target.format == "csv") {
    return std::unique_ptr<RecordWriter>(new CsvWriter(target.csv, columns.size(), file));
  }
  if (target.format == "tsv") return std::unique_ptr<RecordWriter>(new TsvWriter(file));
  if (target.format == "jsonl") {
    return std::unique_ptr<RecordWriter>(new JsonlWriter(std::move(columns), file));
  }
  if (target.format == "avro") {
    auto avro = AvroWriter::Create(std::move(columns), target.compression, file);
    if (!avro.ok()) return avro.status();
    return std::unique_ptr<RecordWriter>(std::move(avro).value());
  }
  return Status::InvalidArgument("format " + target.format + " is not supported");
}

}  // namespace acequia::importer
