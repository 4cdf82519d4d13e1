// Notices changes of the agent's config file. A Kubernetes ConfigMap volume updates a file by
// swapping the `..data` symlink of its directory, so neither the inode nor the mtime of the
// path one opened is reliable: the watcher re-reads the path and compares content hashes.
// Threading: Poll is called from one thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace acequia::sidecar {

class ConfigWatcher {
 public:
  explicit ConfigWatcher(std::string path) : path_(std::move(path)) {}

  // Records the current content as seen; returns it (nullopt when unreadable).
  std::optional<std::string> Prime();
  // Returns the new content when it differs from the last seen content, else nullopt. An
  // unreadable file (mid-swap, deleted) is not a change.
  std::optional<std::string> Poll();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  size_t last_hash_ = 0;
  bool primed_ = false;
};

}  // namespace acequia::sidecar
