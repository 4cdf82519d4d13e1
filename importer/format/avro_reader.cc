#include "importer/format/avro_reader.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/avro_container.h"

namespace acequia::importer {
namespace {

using avro::Cursor;

// Skips one ["null", T] value.
bool SkipValue(Cursor* c, const std::string& type) {
  int64_t branch = 0;
  if (!c->Long(&branch) || branch < 0 || branch > 1) return false;
  if (branch == 0) return true;
  int64_t n = 0;
  std::string_view bytes;
  if (type == "long") return c->Long(&n);
  if (type == "double") return c->Skip(8);
  if (type == "boolean") return c->Skip(1);
  return c->Bytes(&bytes);  // bytes, string
}

Status Corrupt(const std::string& path, const std::string& what) {
  return Status::InvalidArgument(path + ": not an avro file this importer wrote (" + what + ")");
}

}  // namespace

Status ReadAvroFile(const std::string& path, AvroFile* file) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  const std::string raw = text.str();
  Cursor c(raw);
  avro::Header header;
  if (Status s = avro::ReadHeader(&c, &header); !s.ok()) return Corrupt(path, s.message());
  file->schema = header.schema;
  file->codec = std::string(avro::CodecName(header.codec));
  try {
    auto schema = nlohmann::json::parse(file->schema);
    for (const auto& field : schema.at("fields")) {
      const auto& type = field.at("type");
      if (!type.is_array() || type.size() != 2 || type[0] != "null") {
        return Corrupt(path, "field type");
      }
      file->field_names.push_back(field.at("name").get<std::string>());
      file->field_types.push_back(type[1].get<std::string>());
    }
  } catch (const nlohmann::json::exception& e) {
    return Corrupt(path, std::string("schema: ") + e.what());
  }
  std::vector<std::pair<size_t, size_t>> spans;  // each block's records in data
  std::vector<int64_t> counts;
  std::string objects;
  while (!c.done()) {
    int64_t rows = 0;
    if (Status s = avro::ReadBlock(&c, header, &rows, &objects); !s.ok()) {
      return Corrupt(path, s.message());
    }
    spans.emplace_back(file->data.size(), objects.size());
    file->data += objects;
    counts.push_back(rows);
  }
  for (size_t b = 0; b < spans.size(); ++b) {
    std::string_view block = std::string_view(file->data).substr(spans[b].first, spans[b].second);
    Cursor r(block);
    for (int64_t i = 0; i < counts[b]; ++i) {
      const size_t start = r.pos();
      for (const auto& type : file->field_types) {
        if (!SkipValue(&r, type)) return Corrupt(path, "record");
      }
      file->records.push_back(block.substr(start, r.pos() - start));
    }
    if (!r.done()) return Corrupt(path, "bytes after the last record of a block");
  }
  return Status::Ok();
}

Result<std::string_view> AvroField(const AvroFile& file, std::string_view record, size_t index) {
  if (index >= file.field_types.size()) return Status::InvalidArgument("no such avro field");
  Cursor c(record);
  for (size_t i = 0; i < index; ++i) {
    if (!SkipValue(&c, file.field_types[i])) return Status::InvalidArgument("corrupt avro record");
  }
  const size_t start = c.pos();
  if (!SkipValue(&c, file.field_types[index])) {
    return Status::InvalidArgument("corrupt avro record");
  }
  return record.substr(start, c.pos() - start);
}

}  // namespace acequia::importer
