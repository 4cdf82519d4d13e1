// Whole-buffer decompression, for readers of what our writers compress: zlib's inflate (raw
// deflate as Avro's deflate codec uses it, or a gzip/zlib stream) and zstd (every frame of a
// buffer, so concatenated frames read whole). Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace acequia {

enum class DeflateFormat {
  kRaw,         // RFC 1951, no header (Avro's deflate codec)
  kGzipOrZlib,  // a gzip (RFC 1952) or zlib (RFC 1950) stream, told apart by its header
};

// Appends the inflated `data`; an error when it is not one complete stream of `format`.
[[nodiscard]] Status Inflate(std::string_view data, DeflateFormat format, std::string* out);

// Appends the decompressed `data`; an error when a frame is corrupt or cut short.
[[nodiscard]] Status ZstdDecompress(std::string_view data, std::string* out);

}  // namespace acequia
