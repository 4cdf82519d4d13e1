// Appends records to the file channel's log (format in file_channel_format.h): one segment at a
// time, rolling to a new one at maxFileSize, and makes them durable with group commit: however
// many threads call Sync at once, one fdatasync runs at a time and covers everything appended
// before it started.
// Threading: every method is thread-safe. Append holds a mutex for one pwrite; Sync waits
// outside it, so appends continue while an fsync runs.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sidecar/channels/file_channel_format.h"
#include "sidecar/core/agent_metrics.h"

namespace acequia::sidecar::file_channel {

// The path of segment `id` among `dirs` (segments are spread round-robin).
std::string SegmentPath(const std::vector<std::string>& dirs, uint32_t id);

class LogWriter {
 public:
  struct Position {
    uint32_t segment = 0;
    uint64_t offset = 0;  // where the next record goes
    uint64_t lsn = 0;     // bytes appended since the writer was created
  };

  // Creates segment `first_segment` (which must not exist) and writes its header.
  // `fsync_histogram` may be null.
  static Result<std::unique_ptr<LogWriter>> Create(std::vector<std::string> dirs,
                                                   uint32_t first_segment, uint64_t max_file_size,
                                                   bool fsync,
                                                   prometheus::Histogram* fsync_histogram);
  ~LogWriter();

  // Writes `records` (whole records) contiguously into one segment, rolling first when they
  // would push the current one past maxFileSize. Returns where the first one starts and, in
  // `lsn`, the log position just after the last. On failure (ENOSPC: ResourceExhausted) the
  // segment is truncated back, so nothing of the write remains.
  Result<Position> Append(std::string_view records);
  // Returns once every byte appended before `lsn` is on disk (no-op when fsync is off).
  Status Sync(uint64_t lsn);
  Position position() const;

  void set_max_file_size(uint64_t bytes);
  void set_fsync(bool fsync);

 private:
  struct Segment;
  LogWriter(std::vector<std::string> dirs, uint64_t max_file_size, bool fsync,
            prometheus::Histogram* fsync_histogram);
  Status OpenSegmentLocked(uint32_t id);

  const std::vector<std::string> dirs_;
  prometheus::Histogram* const fsync_histogram_;

  mutable std::mutex mu_;  // guards everything below but the sync state
  uint64_t max_file_size_;
  bool fsync_;
  std::shared_ptr<Segment> current_;
  std::vector<std::shared_ptr<Segment>> unsynced_;  // rolled segments awaiting their fsync
  uint64_t offset_ = 0;
  uint64_t lsn_ = 0;

  std::mutex sync_mu_;
  std::condition_variable sync_done_;
  bool syncing_ = false;
  uint64_t synced_lsn_ = 0;
};

}  // namespace acequia::sidecar::file_channel
