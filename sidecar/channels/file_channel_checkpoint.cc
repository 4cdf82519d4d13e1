#include "sidecar/channels/file_channel_checkpoint.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace acequia::sidecar::file_channel {
namespace {

constexpr size_t kFixedPart = 8 + 4 + 4 + 8 + 8;  // magic, version, segment, offset, count

Status Errno(const std::string& what) {
  const int err = errno;
  std::string message = what + ": " + std::strerror(err);
  if (err == ENOSPC || err == EDQUOT) return Status::ResourceExhausted(message);
  return Status::IoError(message);
}

}  // namespace

std::string CheckpointPath(const std::string& dir) { return dir + "/checkpoint"; }

Status WriteCheckpoint(const std::string& dir, const Checkpoint& checkpoint, bool fsync) {
  std::string data;
  data.reserve(kFixedPart + checkpoint.queue.size() * kPointerSize + 4);
  data.append(kCheckpointMagic);
  PutFixed32(data, kFormatVersion);
  PutFixed32(data, checkpoint.segment);
  PutFixed64(data, checkpoint.offset);
  PutFixed64(data, checkpoint.queue.size());
  for (const auto& p : checkpoint.queue) PutPointer(data, p);
  PutFixed32(data, MaskCrc(Crc32c(data.data(), data.size())));

  const std::string path = CheckpointPath(dir);
  const std::string tmp = path + ".tmp";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("creating " + tmp);
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = ENOSPC;
      Status s = Errno("writing " + tmp);
      close(fd);
      unlink(tmp.c_str());
      return s;
    }
    done += static_cast<size_t>(n);
  }
  if (fsync && fdatasync(fd) != 0) {
    Status s = Errno("syncing " + tmp);
    close(fd);
    unlink(tmp.c_str());
    return s;
  }
  close(fd);
  if (rename(tmp.c_str(), path.c_str()) != 0) return Errno("renaming " + tmp);
  if (fsync) {
    const int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return Errno("opening " + dir);
    const int rc = ::fsync(dfd);
    Status s = rc == 0 ? Status::Ok() : Errno("syncing " + dir);
    close(dfd);
    return s;
  }
  return Status::Ok();
}

Result<std::optional<Checkpoint>> ReadCheckpoint(const std::string& dir) {
  const std::string path = CheckpointPath(dir);
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<Checkpoint>();
    return Errno("opening " + path);
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    Status s = Errno("stat " + path);
    close(fd);
    return s;
  }
  std::string data(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = read(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  close(fd);
  data.resize(done);
  auto corrupt = [&](const std::string& why) {
    return Status::InvalidArgument("checkpoint " + path + " is corrupt: " + why);
  };
  if (data.size() < kFixedPart + 4) return corrupt("too short");
  if (data.compare(0, kCheckpointMagic.size(), kCheckpointMagic) != 0) return corrupt("bad magic");
  const char* p = data.data() + kCheckpointMagic.size();
  if (DecodeFixed32(p) != kFormatVersion) return corrupt("unknown version");
  Checkpoint checkpoint;
  checkpoint.segment = DecodeFixed32(p + 4);
  checkpoint.offset = DecodeFixed64(p + 8);
  const uint64_t count = DecodeFixed64(p + 16);
  if (count > (data.size() - kFixedPart - 4) / kPointerSize ||
      data.size() != kFixedPart + count * kPointerSize + 4) {
    return corrupt("size does not match its event count");
  }
  const size_t body = data.size() - 4;
  if (UnmaskCrc(DecodeFixed32(data.data() + body)) != Crc32c(data.data(), body)) {
    return corrupt("checksum mismatch");
  }
  checkpoint.queue.reserve(count);
  for (const char* q = data.data() + kFixedPart; q < data.data() + body; q += kPointerSize) {
    checkpoint.queue.push_back(DecodePointer(q));
  }
  return std::optional<Checkpoint>(std::move(checkpoint));
}

}  // namespace acequia::sidecar::file_channel
