// Reads the file channel's log (format in file_channel_format.h): a whole segment in order, for
// start-up replay, or one event record by its pointer, for a take.
// Threading: a LogReader belongs to one thread. ReadEventAt is thread-safe (pread).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "sidecar/channels/file_channel_format.h"
#include "sidecar/core/event.h"

namespace acequia::sidecar::file_channel {

class LogReader {
 public:
  // Maps segment `path` read-only and checks its file header (a segment whose header is torn
  // or does not name `id` is reported as corrupt from offset 0). Reading starts at `offset`
  // (0: just after the header).
  static Result<std::unique_ptr<LogReader>> Open(const std::string& path, uint32_t id,
                                                 uint64_t offset);
  ~LogReader();
  LogReader(const LogReader&) = delete;
  LogReader& operator=(const LogReader&) = delete;

  // The next record; false at the end of the valid records. `payload` points into the mapping
  // and stays valid as long as the reader.
  bool ReadRecord(RecordType* type, std::string_view* payload, uint64_t* offset);

  // After ReadRecord returned false: the bytes after the last valid record (0 at a clean end)
  // and why they were rejected.
  uint64_t valid_end() const { return pos_; }
  uint64_t corrupt_bytes() const { return size_ - pos_; }
  const std::string& corruption() const { return corruption_; }

 private:
  LogReader() = default;

  const char* data_ = nullptr;
  uint64_t size_ = 0;
  uint64_t pos_ = 0;
  bool corrupt_header_ = false;
  std::string corruption_;
};

// Reads the kEvent record at `pointer` from the open segment `fd` and decodes it. A torn or
// corrupt record gives InvalidArgument (a checksum error), a failed read IoError.
Status ReadEventAt(int fd, const EventPointer& pointer, Event* event);

}  // namespace acequia::sidecar::file_channel
