// Whole-buffer compression, for writers that compress one piece at a time (a gzip member or zstd
// frame per file_roll write, an Avro block) and for readers of what they wrote: zlib's deflate
// (raw, as Avro's deflate codec uses it, or gzip) and zstd. Every function appends to `out`.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace acequia {

enum class DeflateFormat {
  kRaw,   // RFC 1951, no header (Avro's deflate codec)
  kGzip,  // one gzip (RFC 1952) member; Inflate also takes a zlib (RFC 1950) stream here
};

// Appends `data` deflated at zlib's default level (6).
[[nodiscard]] Status Deflate(std::string_view data, DeflateFormat format, std::string* out);
// Appends the inflated `data`; an error when it is not one complete stream of `format`.
[[nodiscard]] Status Inflate(std::string_view data, DeflateFormat format, std::string* out);

// Appends `data` as one zstd frame at `level`.
[[nodiscard]] Status ZstdCompress(std::string_view data, int level, std::string* out);
// Appends the decompressed `data` (every frame of it); an error when a frame is corrupt or cut
// short.
[[nodiscard]] Status ZstdDecompress(std::string_view data, std::string* out);

}  // namespace acequia
