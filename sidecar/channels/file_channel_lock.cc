#include "sidecar/channels/file_channel_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace acequia::sidecar::file_channel {

Result<std::unique_ptr<DirectoryLock>> DirectoryLock::Acquire(const std::string& dir,
                                                              const std::string& what) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IoError("creating " + what + " " + dir + ": " + ec.message());
  std::string path = dir + "/in_use.lock";
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError("opening " + path + ": " + std::strerror(errno));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char pid[32] = {0};
    const ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);
    close(fd);
    if (err != EWOULDBLOCK) {
      return Status::IoError("locking " + path + ": " + std::strerror(err));
    }
    std::string holder = n > 0 ? std::string(pid, static_cast<size_t>(n)) : "";
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    return Status::AlreadyExists(what + " " + dir + " is in use by another file channel (pid " +
                                 (holder.empty() ? std::string("unknown") : holder) + " holds " +
                                 path +
                                 "); two agents or channels cannot share a file channel's "
                                 "directories");
  }
  const std::string text = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, text.data(), text.size(), 0) < 0) {
    // The lock holds anyway; only the message of a refused agent loses the PID.
  }
  return std::unique_ptr<DirectoryLock>(new DirectoryLock(std::move(path), fd));
}

DirectoryLock::~DirectoryLock() {
  flock(fd_, LOCK_UN);
  close(fd_);
}

}  // namespace acequia::sidecar::file_channel
