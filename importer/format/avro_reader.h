// Reads back the Avro object container files AvroWriter produces (codecs null, deflate, snappy),
// record by record, for the lastModified merge: each record stays in its binary encoding, and one
// field of a record can be cut out by position. Only the schemas AvroWriter writes are understood:
// a record whose fields are all ["null", T] with T long, double, boolean, bytes or string.
// One thread at a time.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace acequia::importer {

struct AvroFile {
  std::string schema;                     // the avro.schema metadata, as written
  std::string codec;                      // null | deflate | snappy
  std::vector<std::string> field_names;   // the Avro names, in order
  std::vector<std::string> field_types;   // long | double | boolean | bytes | string
  std::string data;                       // every block's decompressed records, concatenated
  std::vector<std::string_view> records;  // views into `data`, one per record
};

// Decodes the whole file. The returned object must not be copied (records view into data).
[[nodiscard]] Status ReadAvroFile(const std::string& path, AvroFile* file);

// The encoded bytes of field `index` of `record` (its union branch and value): equal values give
// equal bytes.
[[nodiscard]] Result<std::string_view> AvroField(const AvroFile& file, std::string_view record,
                                                 size_t index);

}  // namespace acequia::importer
