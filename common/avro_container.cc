#include "common/avro_container.h"

#include <snappy.h>
#include <zlib.h>

#include <random>

#include "common/compression.h"

namespace acequia::avro {
namespace {

Status Malformed(const std::string& what) {
  return Status::InvalidArgument("not an Avro object container file: " + what);
}

uint32_t Crc32(std::string_view data) {
  return static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
}

}  // namespace

std::string_view CodecName(Codec codec) {
  switch (codec) {
    case Codec::kNull:
      return "null";
    case Codec::kDeflate:
      return "deflate";
    case Codec::kSnappy:
      return "snappy";
    case Codec::kZstandard:
      return "zstandard";
  }
  return "null";
}

Result<Codec> ParseCodec(std::string_view name) {
  for (Codec codec : {Codec::kNull, Codec::kDeflate, Codec::kSnappy, Codec::kZstandard}) {
    if (name == CodecName(codec)) return codec;
  }
  return Status::InvalidArgument("unknown Avro codec \"" + std::string(name) +
                                 "\" (known: null, deflate, snappy, zstandard)");
}

void PutLong(std::string* out, int64_t value) {
  uint64_t z = (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
  while (z >= 0x80) {
    out->push_back(static_cast<char>((z & 0x7F) | 0x80));
    z >>= 7;
  }
  out->push_back(static_cast<char>(z));
}

void PutBytes(std::string* out, std::string_view bytes) {
  PutLong(out, static_cast<int64_t>(bytes.size()));
  out->append(bytes);
}

std::string NewSyncMarker() {
  std::random_device random;
  std::string sync;
  for (size_t i = 0; i < kSyncSize; ++i) sync.push_back(static_cast<char>(random() & 0xFF));
  return sync;
}

void AppendHeader(std::string_view schema, Codec codec, std::string_view sync, std::string* out) {
  out->append(kMagic);
  PutLong(out, 2);
  PutBytes(out, "avro.schema");
  PutBytes(out, schema);
  PutBytes(out, "avro.codec");
  PutBytes(out, CodecName(codec));
  PutLong(out, 0);
  out->append(sync);
}

Status AppendBlock(Codec codec, int64_t count, std::string_view objects, std::string_view sync,
                   std::string* out) {
  std::string compressed;
  std::string_view data = objects;
  switch (codec) {
    case Codec::kNull:
      break;
    case Codec::kDeflate:
      if (Status s = Deflate(objects, DeflateFormat::kRaw, &compressed); !s.ok()) return s;
      data = compressed;
      break;
    case Codec::kSnappy: {
      // The raw snappy block, then the CRC-32 (zlib's) of the uncompressed data, big-endian.
      snappy::Compress(objects.data(), objects.size(), &compressed);
      const uint32_t crc = Crc32(objects);
      for (int shift = 24; shift >= 0; shift -= 8) {
        compressed.push_back(static_cast<char>((crc >> shift) & 0xFF));
      }
      data = compressed;
      break;
    }
    case Codec::kZstandard:
      if (Status s = ZstdCompress(objects, 3, &compressed); !s.ok()) return s;
      data = compressed;
      break;
  }
  PutLong(out, count);
  PutBytes(out, data);
  out->append(sync);
  return Status::Ok();
}

Status DecompressBlock(Codec codec, std::string_view data, std::string* out) {
  switch (codec) {
    case Codec::kNull:
      out->append(data);
      return Status::Ok();
    case Codec::kDeflate:
      if (!Inflate(data, DeflateFormat::kRaw, out).ok()) {
        return Malformed("a deflate block does not inflate");
      }
      return Status::Ok();
    case Codec::kSnappy: {
      if (data.size() < 4) return Malformed("a snappy block is shorter than its CRC");
      std::string plain;
      if (!snappy::Uncompress(data.data(), data.size() - 4, &plain)) {
        return Malformed("a snappy block does not uncompress");
      }
      uint32_t stored = 0;
      for (size_t i = data.size() - 4; i < data.size(); ++i) {
        stored = (stored << 8) | static_cast<uint8_t>(data[i]);
      }
      if (stored != Crc32(plain)) return Malformed("a snappy block's CRC does not match");
      out->append(plain);
      return Status::Ok();
    }
    case Codec::kZstandard:
      if (!ZstdDecompress(data, out).ok())
        return Malformed("a zstandard block does not decompress");
      return Status::Ok();
  }
  return Malformed("unknown codec");
}

bool Cursor::Long(int64_t* value) {
  uint64_t z = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= data_.size()) return false;
    const auto byte = static_cast<uint8_t>(data_[pos_++]);
    z |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if (!(byte & 0x80)) {
      *value = static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1);
      return true;
    }
  }
  return false;
}

bool Cursor::Bytes(std::string_view* out) {
  int64_t size = 0;
  if (!Long(&size) || size < 0) return false;
  return Fixed(static_cast<uint64_t>(size), out);
}

bool Cursor::Fixed(size_t size, std::string_view* out) {
  if (size > data_.size() - pos_) return false;
  *out = data_.substr(pos_, size);
  pos_ += size;
  return true;
}

bool Cursor::Skip(size_t size) {
  std::string_view ignored;
  return Fixed(size, &ignored);
}

Status ReadHeader(Cursor* cursor, Header* header) {
  std::string_view magic;
  if (!cursor->Fixed(kMagic.size(), &magic) || magic != kMagic) return Malformed("no magic");
  bool has_codec = false;
  while (true) {  // the metadata map: blocks of pairs, ending with a zero count
    int64_t count = 0;
    if (!cursor->Long(&count)) return Malformed("truncated metadata");
    if (count == 0) break;
    if (count < 0) {  // a negative count is followed by the block's byte size
      int64_t size = 0;
      if (!cursor->Long(&size)) return Malformed("truncated metadata");
      count = -count;
    }
    for (int64_t i = 0; i < count; ++i) {
      std::string_view key, value;
      if (!cursor->Bytes(&key) || !cursor->Bytes(&value)) return Malformed("truncated metadata");
      if (key == "avro.schema") header->schema = std::string(value);
      if (key == "avro.codec") {
        auto codec = ParseCodec(value);
        if (!codec.ok()) return Malformed(codec.status().message());
        header->codec = *codec;
        has_codec = true;
      }
    }
  }
  if (!has_codec) header->codec = Codec::kNull;
  if (header->schema.empty()) return Malformed("no avro.schema");
  std::string_view sync;
  if (!cursor->Fixed(kSyncSize, &sync)) return Malformed("no sync marker");
  header->sync = std::string(sync);
  return Status::Ok();
}

Status ReadBlock(Cursor* cursor, const Header& header, int64_t* count, std::string* objects) {
  std::string_view data, sync;
  if (!cursor->Long(count) || *count < 0 || !cursor->Bytes(&data)) {
    return Malformed("truncated block");
  }
  if (!cursor->Fixed(kSyncSize, &sync) || sync != header.sync) {
    return Malformed("a block does not end with the file's sync marker");
  }
  objects->clear();
  return DecompressBlock(header.codec, data, objects);
}

}  // namespace acequia::avro
