// A file being written, through gzip (zlib) or zstd or neither, with an appender's buffer: bytes
// are appended to memory and compressed/written when the buffer passes `flush_bytes`, on Flush()
// and on Close(). Close() finishes the compressed stream and fsyncs, so a closed file is
// complete on disk. One thread at a time.
#pragma once

#include <zlib.h>
#include <zstd.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace acequia::importer {

enum class Compression { kNone, kGzip, kZstd };

// "none", "gzip", "zstd".
[[nodiscard]] Result<Compression> ParseCompression(std::string_view name);

class OutputFile {
 public:
  static constexpr size_t kDefaultFlushBytes = 1 << 20;

  // Creates (truncates) `path`.
  [[nodiscard]] static Result<std::unique_ptr<OutputFile>> Create(
      const std::string& path, Compression compression, size_t flush_bytes = kDefaultFlushBytes);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  void Append(std::string_view bytes) { buffer_.append(bytes); }
  void Append(char c) { buffer_.push_back(c); }
  // Flushes when the buffer has reached flush_bytes.
  [[nodiscard]] Status MaybeFlush() {
    return buffer_.size() >= flush_bytes_ ? Flush() : Status::Ok();
  }
  [[nodiscard]] Status Flush();
  [[nodiscard]] Status Close();

  int64_t uncompressed_bytes() const { return uncompressed_; }
  int64_t bytes_written() const { return written_; }  // on disk
  const std::string& path() const { return path_; }

 private:
  OutputFile(std::string path, int fd, Compression compression, size_t flush_bytes);
  Status WriteAll(const char* data, size_t size);
  Status Compress(bool finish);

  std::string path_;
  int fd_;
  Compression compression_;
  size_t flush_bytes_;
  std::string buffer_;
  std::string out_;  // compressed bytes waiting for write(2)
  z_stream gzip_{};
  ZSTD_CStream* zstd_ = nullptr;
  int64_t uncompressed_ = 0;
  int64_t written_ = 0;
  bool closed_ = false;
};

}  // namespace acequia::importer
