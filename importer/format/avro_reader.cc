#include "importer/format/avro_reader.h"

#include <snappy.h>
#include <zlib.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace acequia::importer {
namespace {

class Cursor {
 public:
  explicit Cursor(std::string_view data) : data_(data) {}
  size_t pos() const { return pos_; }
  bool done() const { return pos_ >= data_.size(); }
  bool Long(int64_t* v) {
    uint64_t z = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) return false;
      const auto b = static_cast<uint8_t>(data_[pos_++]);
      z |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) {
        *v = static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1);
        return true;
      }
    }
    return false;
  }
  bool Skip(size_t n) {
    if (n > data_.size() - pos_) return false;
    pos_ += n;
    return true;
  }
  bool Bytes(std::string_view* out) {
    int64_t n = 0;
    if (!Long(&n) || n < 0 || static_cast<uint64_t>(n) > data_.size() - pos_) return false;
    *out = data_.substr(pos_, static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return true;
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

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
  if (raw.size() < 4 || raw.compare(0, 4, "Obj\x01", 4) != 0) return Corrupt(path, "no magic");
  Cursor c(std::string_view(raw).substr(4));
  // Metadata: blocks of key/value pairs ending with a zero count.
  while (true) {
    int64_t count = 0;
    if (!c.Long(&count)) return Corrupt(path, "metadata");
    if (count == 0) break;
    if (count < 0) {
      int64_t size = 0;
      if (!c.Long(&size)) return Corrupt(path, "metadata");
      count = -count;
    }
    for (int64_t i = 0; i < count; ++i) {
      std::string_view key, value;
      if (!c.Bytes(&key) || !c.Bytes(&value)) return Corrupt(path, "metadata");
      if (key == "avro.schema") file->schema = std::string(value);
      if (key == "avro.codec") file->codec = std::string(value);
    }
  }
  if (file->codec.empty()) file->codec = "null";
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
  std::string_view sync;
  {
    const size_t at = 4 + c.pos();
    if (raw.size() < at + 16) return Corrupt(path, "sync marker");
    sync = std::string_view(raw).substr(at, 16);
    c.Skip(16);
  }
  std::vector<std::pair<size_t, size_t>> spans;  // each block's records in data
  std::vector<int64_t> counts;
  while (!c.done()) {
    int64_t rows = 0;
    std::string_view block;
    if (!c.Long(&rows) || rows < 0 || !c.Bytes(&block)) return Corrupt(path, "block");
    const size_t at = 4 + c.pos();
    if (raw.size() < at + 16 || std::string_view(raw).substr(at, 16) != sync) {
      return Corrupt(path, "sync marker after a block");
    }
    c.Skip(16);
    const size_t start = file->data.size();
    if (file->codec == "null") {
      file->data.append(block);
    } else if (file->codec == "snappy") {
      if (block.size() < 4) return Corrupt(path, "snappy block");
      std::string out;
      if (!snappy::Uncompress(block.data(), block.size() - 4, &out)) {
        return Corrupt(path, "snappy block");
      }
      const uLong crc =
          crc32(0L, reinterpret_cast<const Bytef*>(out.data()), static_cast<uInt>(out.size()));
      uint32_t stored = 0;
      for (size_t k = block.size() - 4; k < block.size(); ++k) {
        stored = (stored << 8) | static_cast<uint8_t>(block[k]);
      }
      if (stored != static_cast<uint32_t>(crc)) return Corrupt(path, "snappy CRC");
      file->data += out;
    } else if (file->codec == "deflate") {
      z_stream z{};
      if (inflateInit2(&z, -15) != Z_OK) return Status::Internal("zlib: inflateInit2 failed");
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(block.data()));
      z.avail_in = static_cast<uInt>(block.size());
      char buf[65536];
      int rc;
      do {
        z.next_out = reinterpret_cast<Bytef*>(buf);
        z.avail_out = sizeof buf;
        rc = inflate(&z, Z_NO_FLUSH);
        file->data.append(buf, sizeof buf - z.avail_out);
      } while (rc == Z_OK);
      inflateEnd(&z);
      if (rc != Z_STREAM_END) return Corrupt(path, "deflate block");
    } else {
      return Corrupt(path, "codec " + file->codec);
    }
    spans.emplace_back(start, file->data.size() - start);
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
