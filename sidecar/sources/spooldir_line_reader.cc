#include "sidecar/sources/spooldir_line_reader.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace acequia::sidecar {

namespace {
constexpr size_t kChunk = size_t{64} * 1024;
}  // namespace

LineReader::LineReader(size_t max_line, bool final_line_at_eof)
    : max_line_(max_line),
      final_line_at_eof_(final_line_at_eof),
      data_(std::max(kChunk, max_line + 2)) {}

void LineReader::Reset(int fd, uint64_t offset) {
  fd_ = fd;
  start_ = 0;
  len_ = 0;
  consumed_ = offset;
  buffered_at_ = offset;
  skipping_ = false;
}

Result<bool> LineReader::Fill() {
  if (start_ > 0) {
    std::memmove(data_.data(), data_.data() + start_, len_ - start_);
    len_ -= start_;
    start_ = 0;
  }
  const uint64_t at = buffered_at_ + len_;
  for (;;) {
    const ssize_t n = pread(fd_, data_.data() + len_, data_.size() - len_, static_cast<off_t>(at));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IoError(std::string("read: ") + std::strerror(errno));
    if (n == 0) return false;
    len_ += static_cast<size_t>(n);
    return true;
  }
}

void LineReader::Finish(LineBatch& batch, const char* begin, size_t length, uint64_t next) {
  if (length > 0 && begin != nullptr && begin[length - 1] == '\r') --length;
  if (skipping_) {
    batch.rejected.push_back({consumed_, next - consumed_ - 1});
    skipping_ = false;
  } else if (length > max_line_) {
    batch.rejected.push_back({consumed_, length});
  } else {
    batch.lines.emplace_back(begin, length);
    batch.offsets.push_back(consumed_);
  }
  consumed_ = next;
}

Result<LineBatch> LineReader::Read(size_t max_lines) {
  LineBatch batch;
  for (;;) {
    while (batch.lines.size() < max_lines && len_ > start_) {
      const char* begin = data_.data() + start_;
      const size_t avail = len_ - start_;
      const auto* newline = static_cast<const char*>(std::memchr(begin, '\n', avail));
      if (newline == nullptr) break;
      const size_t length = static_cast<size_t>(newline - begin);
      start_ += length + 1;
      buffered_at_ += length + 1;
      Finish(batch, begin, length, buffered_at_);
    }
    if (batch.lines.size() >= max_lines) break;
    // No newline among the buffered bytes: a line longer than the limit is skipped, unbuffered.
    if (!skipping_ && len_ - start_ > max_line_ + 1) skipping_ = true;
    if (skipping_) {
      buffered_at_ += len_ - start_;
      start_ = len_ = 0;
    }
    auto more = Fill();
    if (!more.ok()) return more.status();
    if (*more) continue;
    // End of file.
    if (final_line_at_eof_ && (skipping_ || len_ > start_)) {
      const size_t length = len_ - start_;
      const char* begin = data_.data() + start_;
      buffered_at_ += length;
      start_ = len_ = 0;
      // +1: Finish assumes a newline after the line; there is none at the end of the file.
      Finish(batch, begin, length, buffered_at_ + 1);
      consumed_ = buffered_at_;
    }
    batch.at_eof = true;
    break;
  }
  batch.end = consumed_;
  return batch;
}

}  // namespace acequia::sidecar
