#include "importer/run/target_layout.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

namespace acequia::importer {
namespace {

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IoError("opening " + dir + ": " + std::strerror(errno));
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Status::IoError("fsync " + dir + ": " + std::strerror(errno));
  return Status::Ok();
}

}  // namespace

std::string SplitResult::ToJson() const {
  nlohmann::json j = {{"split", split},
                      {"rows", rows},
                      {"bytes", bytes},
                      {"lastValue", last_value ? nlohmann::json(*last_value) : nlohmann::json()},
                      {"durationSeconds", seconds},
                      {"file", file}};
  return j.dump();
}

Result<SplitResult> SplitResult::FromJson(const std::string& text) {
  try {
    auto j = nlohmann::json::parse(text);
    SplitResult r;
    r.split = j.at("split").get<int>();
    r.rows = j.at("rows").get<int64_t>();
    r.bytes = j.at("bytes").get<int64_t>();
    if (j.contains("lastValue") && !j["lastValue"].is_null()) {
      r.last_value = j["lastValue"].get<std::string>();
    }
    r.seconds = j.value("durationSeconds", 0.0);
    r.file = j.value("file", "");
    return r;
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(std::string("invalid split result: ") + e.what());
  }
}

std::string TargetLayout::TemporaryDir() const { return target_.path + "/_temporary/" + run_id_; }
std::string TargetLayout::PartName(int index) const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%05d", index);
  return "part-" + run_id_ + "-" + buf + "." + target_.FileExtension();
}
std::string TargetLayout::TemporaryPart(int index) const {
  return TemporaryDir() + "/" + PartName(index);
}
std::string TargetLayout::SplitResultFile(int index) const {
  return TemporaryDir() + "/split-" + std::to_string(index) + ".json";
}
std::string TargetLayout::Part(int index) const { return target_.path + "/" + PartName(index); }
std::string TargetLayout::SuccessFile() const { return target_.path + "/_SUCCESS"; }

Status RenameDurably(const std::string& from, const std::string& to) {
  if (std::rename(from.c_str(), to.c_str()) != 0) {
    return Status::IoError("renaming " + from + " to " + to + ": " + std::strerror(errno));
  }
  return SyncDir(std::filesystem::path(to).parent_path().string());
}

Status WriteFileAtomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError("cannot create " + tmp + ": " + std::strerror(errno));
  const char* p = content.data();
  size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = Status::IoError("writing " + tmp + ": " + std::strerror(errno));
      ::close(fd);
      return s;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Status s = Status::IoError("fsync " + tmp + ": " + std::strerror(errno));
    ::close(fd);
    return s;
  }
  if (::close(fd) != 0) return Status::IoError("closing " + tmp + ": " + std::strerror(errno));
  return RenameDurably(tmp, path);
}

}  // namespace acequia::importer
