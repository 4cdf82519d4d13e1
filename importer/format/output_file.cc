#include "importer/format/output_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace acequia::importer {

Result<Compression> ParseCompression(std::string_view name) {
  if (name == "none" || name.empty()) return Compression::kNone;
  if (name == "gzip") return Compression::kGzip;
  if (name == "zstd") return Compression::kZstd;
  return Status::InvalidArgument("unsupported compression \"" + std::string(name) + "\"");
}

Result<std::unique_ptr<OutputFile>> OutputFile::Create(const std::string& path,
                                                       Compression compression,
                                                       size_t flush_bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError("cannot create " + path + ": " + std::strerror(errno));
  std::unique_ptr<OutputFile> file(new OutputFile(path, fd, compression, flush_bytes));
  if (compression == Compression::kGzip) {
    if (deflateInit2(&file->gzip_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
      return Status::Internal("zlib: deflateInit2 failed");
    }
  } else if (compression == Compression::kZstd) {
    file->zstd_ = ZSTD_createCStream();
    if (file->zstd_ == nullptr) return Status::Internal("zstd: out of memory");
    ZSTD_initCStream(file->zstd_, 3);
  }
  return file;
}

OutputFile::OutputFile(std::string path, int fd, Compression compression, size_t flush_bytes)
    : path_(std::move(path)), fd_(fd), compression_(compression), flush_bytes_(flush_bytes) {
  buffer_.reserve(flush_bytes_ + 4096);
}

OutputFile::~OutputFile() {
  if (compression_ == Compression::kGzip) deflateEnd(&gzip_);
  if (zstd_) ZSTD_freeCStream(zstd_);
  if (fd_ >= 0) ::close(fd_);
}

Status OutputFile::WriteAll(const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd_, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IoError("writing " + path_ + ": " + std::strerror(errno));
    }
    data += n;
    size -= static_cast<size_t>(n);
    written_ += n;
  }
  return Status::Ok();
}

Status OutputFile::Compress(bool finish) {
  out_.clear();
  if (compression_ == Compression::kGzip) {
    gzip_.next_in = reinterpret_cast<Bytef*>(buffer_.data());
    gzip_.avail_in = static_cast<uInt>(buffer_.size());
    int rc;
    do {
      char chunk[65536];
      gzip_.next_out = reinterpret_cast<Bytef*>(chunk);
      gzip_.avail_out = sizeof chunk;
      rc = deflate(&gzip_, finish ? Z_FINISH : Z_NO_FLUSH);
      if (rc == Z_STREAM_ERROR) return Status::Internal("zlib: deflate failed");
      out_.append(chunk, sizeof chunk - gzip_.avail_out);
    } while (gzip_.avail_out == 0 || (finish && rc != Z_STREAM_END));
  } else {
    ZSTD_inBuffer in{buffer_.data(), buffer_.size(), 0};
    char chunk[65536];
    while (in.pos < in.size) {
      ZSTD_outBuffer out{chunk, sizeof chunk, 0};
      size_t rc = ZSTD_compressStream(zstd_, &out, &in);
      if (ZSTD_isError(rc)) return Status::Internal(std::string("zstd: ") + ZSTD_getErrorName(rc));
      out_.append(chunk, out.pos);
    }
    if (finish) {
      size_t remaining;
      do {
        ZSTD_outBuffer out{chunk, sizeof chunk, 0};
        remaining = ZSTD_endStream(zstd_, &out);
        if (ZSTD_isError(remaining)) {
          return Status::Internal(std::string("zstd: ") + ZSTD_getErrorName(remaining));
        }
        out_.append(chunk, out.pos);
      } while (remaining != 0);
    }
  }
  return WriteAll(out_.data(), out_.size());
}

Status OutputFile::Flush() {
  uncompressed_ += static_cast<int64_t>(buffer_.size());
  Status s = compression_ == Compression::kNone
                 ? WriteAll(buffer_.data(), buffer_.size())
                 : (buffer_.empty() ? Status::Ok() : Compress(false));
  buffer_.clear();
  return s;
}

Status OutputFile::Close() {
  if (closed_) return Status::Ok();
  closed_ = true;
  uncompressed_ += static_cast<int64_t>(buffer_.size());
  Status s = compression_ == Compression::kNone ? WriteAll(buffer_.data(), buffer_.size())
                                                : Compress(true);
  buffer_.clear();
  if (!s.ok()) return s;
  if (::fsync(fd_) != 0) return Status::IoError("fsync " + path_ + ": " + std::strerror(errno));
  if (::close(fd_) != 0) {
    fd_ = -1;
    return Status::IoError("closing " + path_ + ": " + std::strerror(errno));
  }
  fd_ = -1;
  return Status::Ok();
}

}  // namespace acequia::importer
