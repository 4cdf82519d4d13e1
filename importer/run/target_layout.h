// Where a run's files go under target.path:
//   <path>/_temporary/<run>/part-<run>-<index>.<ext>   a part file being written
//   <path>/_temporary/<run>/split-<index>.json          a finished split's result
//   <path>/part-<run>-<index>.<ext>                     a complete part file (renamed into place)
//   <path>/_SUCCESS                                     the committed run's totals (JSON)
// Readers that ignore names starting with '_' never see a partial file. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "api/import_job.h"
#include "common/status.h"

namespace acequia::importer {

struct SplitResult {
  int split = 0;
  int64_t rows = 0;
  int64_t bytes = 0;
  std::optional<std::string> last_value;
  double seconds = 0;
  std::string file;

  std::string ToJson() const;
  [[nodiscard]] static Result<SplitResult> FromJson(const std::string& json);
};

class TargetLayout {
 public:
  TargetLayout(const api::ImportTarget& target, std::string run_id)
      : target_(target), run_id_(std::move(run_id)) {}

  std::string TemporaryDir() const;
  std::string TemporaryPart(int index) const;
  std::string SplitResultFile(int index) const;
  std::string PartName(int index) const;
  std::string Part(int index) const;
  std::string SuccessFile() const;

 private:
  const api::ImportTarget& target_;
  std::string run_id_;
};

// Writes `content` to `path` atomically (temporary file, fsync, rename, fsync of the directory).
[[nodiscard]] Status WriteFileAtomically(const std::string& path, const std::string& content);
// Renames and fsyncs the destination directory.
[[nodiscard]] Status RenameDurably(const std::string& from, const std::string& to);

}  // namespace acequia::importer
