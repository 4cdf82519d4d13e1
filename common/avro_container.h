// Avro object container files (the Avro 1.x specification, "Object Container Files"), the part
// every writer and reader of them shares: the binary encoding of longs and bytes (zig-zag
// varints), the header (magic "Obj\1", the metadata map with avro.schema and avro.codec, a
// 16-byte sync marker) and blocks (object count, byte size, the objects — compressed by the
// file's codec — and the sync marker again). Codecs: null, deflate (raw RFC 1951), snappy (with
// the CRC-32 of the uncompressed data the specification asks for) and zstandard.
// The importer's Avro writer and reader and file_roll's avro_event serializer are built on it.
// Pure functions and a value type; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace acequia::avro {

inline constexpr size_t kSyncSize = 16;
inline constexpr std::string_view kMagic{"Obj\x01", 4};

enum class Codec { kNull, kDeflate, kSnappy, kZstandard };

// The name the avro.codec metadata carries: "null", "deflate", "snappy", "zstandard".
std::string_view CodecName(Codec codec);
// The codec named `name` as avro.codec spells it; an error lists the known ones.
[[nodiscard]] Result<Codec> ParseCodec(std::string_view name);

// Appends a long (zig-zag varint) / a length-prefixed byte string (Avro's bytes and string).
void PutLong(std::string* out, int64_t value);
void PutBytes(std::string* out, std::string_view bytes);

// 16 random bytes.
std::string NewSyncMarker();

// Appends the header of a file of `schema` (JSON) written with `codec`.
void AppendHeader(std::string_view schema, Codec codec, std::string_view sync, std::string* out);

// Appends one block of `count` objects whose encodings, concatenated, are `objects`.
[[nodiscard]] Status AppendBlock(Codec codec, int64_t count, std::string_view objects,
                                 std::string_view sync, std::string* out);

// Appends the objects of a block's (compressed) data to `out`.
[[nodiscard]] Status DecompressBlock(Codec codec, std::string_view data, std::string* out);

// Reads the binary encoding front to back; every call returns false at a malformed or truncated
// value and leaves the position unspecified.
class Cursor {
 public:
  explicit Cursor(std::string_view data) : data_(data) {}
  size_t pos() const { return pos_; }
  bool done() const { return pos_ >= data_.size(); }
  std::string_view rest() const { return data_.substr(pos_); }
  [[nodiscard]] bool Long(int64_t* value);
  [[nodiscard]] bool Bytes(std::string_view* out);
  [[nodiscard]] bool Fixed(size_t size, std::string_view* out);
  [[nodiscard]] bool Skip(size_t size);

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

// What a file's header says.
struct Header {
  std::string schema;  // JSON
  Codec codec = Codec::kNull;
  std::string sync;
};

// Parses the header at the cursor (which must be at the start of the file).
[[nodiscard]] Status ReadHeader(Cursor* cursor, Header* header);
// Reads the next block at the cursor: its object count, and its objects decompressed (replacing
// `objects`). Checks the sync marker that ends it.
[[nodiscard]] Status ReadBlock(Cursor* cursor, const Header& header, int64_t* count,
                               std::string* objects);

}  // namespace acequia::avro
