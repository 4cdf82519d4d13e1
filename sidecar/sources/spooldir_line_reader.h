// Cuts a regular file into lines from a byte offset, for the sources that read files (spooldir's
// line deserializer, taildir). A line ends at '\n' ("\r\n" also; the '\r' is dropped). Lines
// longer than maxLineLength are never truncated: they are skipped whole and reported, with their
// offset, so the source counts them as rejected. Offsets are exact, so a source records the
// offset after its last committed line and resumes there after a restart.
// With final_line_at_eof (a complete file) the bytes after the last newline are a line; without
// it (a file still being written) they wait for their newline and are not consumed.
// Threading: one reader belongs to one thread; the file descriptor is borrowed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace acequia::sidecar {

struct LineBatch {
  struct Rejected {
    uint64_t offset;  // where the line starts
    uint64_t length;  // its bytes, without the newline
  };
  std::vector<std::string> lines;
  std::vector<uint64_t> offsets;  // where each of `lines` starts in the file
  std::vector<Rejected> rejected;
  uint64_t end = 0;     // offset just past the last line (or rejected line) of this batch
  bool at_eof = false;  // the file had no more complete line when the batch was cut
};

class LineReader {
 public:
  LineReader(size_t max_line, bool final_line_at_eof);

  // Reads `fd` (borrowed, must stay open until the next Reset) from `offset`.
  void Reset(int fd, uint64_t offset);
  // Up to `max_lines` lines following the previous batch.
  Result<LineBatch> Read(size_t max_lines);
  // A file that stopped growing for good (rotated away): its unterminated last line counts.
  void set_final_line_at_eof(bool final) { final_line_at_eof_ = final; }
  // Offset just past the last line handed out (where a restart resumes).
  uint64_t offset() const { return consumed_; }

 private:
  // Appends bytes from the file to data_; false at EOF.
  Result<bool> Fill();
  // Ends the line of `length` bytes at `begin`; `next` is the offset after its newline.
  void Finish(LineBatch& batch, const char* begin, size_t length, uint64_t next);

  const size_t max_line_;
  bool final_line_at_eof_;
  int fd_ = -1;
  std::vector<char> data_;  // data_[start_, len_) are the file's bytes from offset buffered_at_
  size_t start_ = 0;
  size_t len_ = 0;
  uint64_t buffered_at_ = 0;
  uint64_t consumed_ = 0;  // <= buffered_at_; equal unless an over-long line is being skipped
  // An over-long line is being skipped: its bytes are dropped as they are read.
  bool skipping_ = false;
};

}  // namespace acequia::sidecar
