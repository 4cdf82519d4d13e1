#include "sidecar/core/config_watcher.h"

#include <fstream>
#include <functional>
#include <sstream>

namespace acequia::sidecar {
namespace {

std::optional<std::string> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::optional<std::string> ConfigWatcher::Prime() {
  auto content = ReadAll(path_);
  if (content) {
    last_hash_ = std::hash<std::string>{}(*content);
    primed_ = true;
  }
  return content;
}

std::optional<std::string> ConfigWatcher::Poll() {
  auto content = ReadAll(path_);
  if (!content) return std::nullopt;
  const size_t hash = std::hash<std::string>{}(*content);
  if (primed_ && hash == last_hash_) return std::nullopt;
  last_hash_ = hash;
  primed_ = true;
  return content;
}

}  // namespace acequia::sidecar
