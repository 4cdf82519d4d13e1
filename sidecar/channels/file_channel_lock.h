// An exclusive flock() on DIR/in_use.lock, held for the life of the object, so that two agents
// (or two channels) never use the same file channel directories. The file holds the holder's
// PID, which the refusal message names.
// Threading: not synchronised; create and destroy it from one thread.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"

namespace acequia::sidecar::file_channel {

class DirectoryLock {
 public:
  // Creates `dir` (and its parents) if needed, then locks it. AlreadyExists, naming the
  // directory and the holder's PID, when another process or channel holds the lock.
  static Result<std::unique_ptr<DirectoryLock>> Acquire(const std::string& dir,
                                                        const std::string& what);
  ~DirectoryLock();
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

 private:
  DirectoryLock(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_;
};

}  // namespace acequia::sidecar::file_channel
