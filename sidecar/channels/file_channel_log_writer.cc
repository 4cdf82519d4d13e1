#include "sidecar/channels/file_channel_log_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace acequia::sidecar::file_channel {

std::string SegmentPath(const std::vector<std::string>& dirs, uint32_t id) {
  return dirs[id % dirs.size()] + "/" + SegmentFileName(id);
}

namespace {

Status ErrnoStatus(const std::string& what, int err) {
  std::string message = what + ": " + std::strerror(err);
  if (err == ENOSPC || err == EDQUOT) return Status::ResourceExhausted(message);
  return Status::IoError(message);
}

Status SyncDirectory(const std::string& dir) {
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("opening " + dir, errno);
  const int rc = fsync(fd);
  const int err = errno;
  close(fd);
  return rc == 0 ? Status::Ok() : ErrnoStatus("syncing " + dir, err);
}

}  // namespace

struct LogWriter::Segment {
  uint32_t id = 0;
  std::string path;
  int fd = -1;
  ~Segment() {
    if (fd >= 0) close(fd);
  }
};

LogWriter::LogWriter(std::vector<std::string> dirs, uint64_t max_file_size, bool fsync,
                     prometheus::Histogram* fsync_histogram)
    : dirs_(std::move(dirs)),
      fsync_histogram_(fsync_histogram),
      max_file_size_(max_file_size),
      fsync_(fsync) {}

LogWriter::~LogWriter() = default;

Result<std::unique_ptr<LogWriter>> LogWriter::Create(std::vector<std::string> dirs,
                                                     uint32_t first_segment, uint64_t max_file_size,
                                                     bool fsync,
                                                     prometheus::Histogram* fsync_histogram) {
  std::unique_ptr<LogWriter> writer(
      new LogWriter(std::move(dirs), max_file_size, fsync, fsync_histogram));
  std::lock_guard lock(writer->mu_);
  if (Status s = writer->OpenSegmentLocked(first_segment); !s.ok()) return s;
  writer->unsynced_.clear();
  return writer;
}

Status LogWriter::OpenSegmentLocked(uint32_t id) {
  auto segment = std::make_shared<Segment>();
  segment->id = id;
  segment->path = SegmentPath(dirs_, id);
  segment->fd = open(segment->path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (segment->fd < 0) return ErrnoStatus("creating log segment " + segment->path, errno);
  std::string header(kSegmentMagic);
  PutFixed32(header, kFormatVersion);
  PutFixed32(header, id);
  if (pwrite(segment->fd, header.data(), header.size(), 0) != static_cast<ssize_t>(header.size())) {
    const int err = errno == 0 ? ENOSPC : errno;
    unlink(segment->path.c_str());
    return ErrnoStatus("writing " + segment->path, err);
  }
  if (fsync_) {
    // The new file's directory entry must survive a power loss before anything relies on it.
    if (Status s = SyncDirectory(dirs_[id % dirs_.size()]); !s.ok()) return s;
  }
  if (current_ && fsync_) unsynced_.push_back(current_);
  current_ = std::move(segment);
  offset_ = kSegmentHeaderSize;
  return Status::Ok();
}

Result<LogWriter::Position> LogWriter::Append(std::string_view records) {
  std::lock_guard lock(mu_);
  if (offset_ > kSegmentHeaderSize && offset_ + records.size() > max_file_size_) {
    if (Status s = OpenSegmentLocked(current_->id + 1); !s.ok()) return s;
  }
  const uint64_t start = offset_;
  size_t done = 0;
  while (done < records.size()) {
    const ssize_t n = pwrite(current_->fd, records.data() + done, records.size() - done,
                             static_cast<off_t>(start + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n == 0 ? ENOSPC : errno;
      if (done > 0 && ftruncate(current_->fd, static_cast<off_t>(start)) != 0) {
        // The torn bytes stay; a reader stops at them. Never write after them.
        offset_ = max_file_size_;
      }
      return ErrnoStatus("appending to " + current_->path, err);
    }
    done += static_cast<size_t>(n);
  }
  offset_ += records.size();
  lsn_ += records.size();
  return Position{current_->id, start, lsn_};
}

Status LogWriter::Sync(uint64_t lsn) {
  std::unique_lock lock(sync_mu_);
  while (synced_lsn_ < lsn) {
    if (syncing_) {  // a leader is syncing; its fsync may cover us, or the next one will
      sync_done_.wait(lock);
      continue;
    }
    syncing_ = true;
    lock.unlock();
    uint64_t target;
    std::vector<std::shared_ptr<Segment>> files;
    bool fsync;
    {
      std::lock_guard log_lock(mu_);
      target = lsn_;
      fsync = fsync_;
      files.swap(unsynced_);
      files.push_back(current_);
    }
    Status status;
    if (fsync) {
      const auto start = std::chrono::steady_clock::now();
      for (const auto& file : files) {
        if (fdatasync(file->fd) != 0) status = ErrnoStatus("syncing " + file->path, errno);
      }
      if (fsync_histogram_ != nullptr) {
        fsync_histogram_->Observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      }
    }
    lock.lock();
    syncing_ = false;
    if (status.ok() && target > synced_lsn_) synced_lsn_ = target;
    sync_done_.notify_all();
    if (!status.ok()) return status;
  }
  return Status::Ok();
}

LogWriter::Position LogWriter::position() const {
  std::lock_guard lock(mu_);
  return {current_->id, offset_, lsn_};
}

void LogWriter::set_max_file_size(uint64_t bytes) {
  std::lock_guard lock(mu_);
  max_file_size_ = bytes;
}

void LogWriter::set_fsync(bool fsync) {
  std::lock_guard lock(mu_);
  fsync_ = fsync;
}

}  // namespace acequia::sidecar::file_channel
