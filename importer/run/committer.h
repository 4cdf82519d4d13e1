// The `commit` phase: checks that every split of the plan finished, merges a lastModified import
// into the earlier files by mergeKey (run/dataset_merger.h), applies writeMode overwrite
// (removes the files of earlier runs), writes <path>/_SUCCESS with the run's totals and removes
// the run's _temporary directory. Also the writeMode check that runs before a plan:
// failIfExists refuses a target that already holds files. Stateless; one thread.
#pragma once

#include <vector>

#include "api/import_job.h"
#include "importer/plan/import_plan.h"
#include "importer/run/target_layout.h"

namespace acequia::importer {

struct CommitResult {
  int64_t rows = 0;
  int64_t bytes = 0;
  int files = 0;
  std::optional<std::string> last_value;
  std::vector<SplitResult> splits;
  // lastModified: the merged dataset (empty file name when nothing earlier was there).
  std::string merged_file;
  int64_t merged_rows = 0;
  int64_t replaced_rows = 0;

  std::string ToJson() const;  // the _SUCCESS content
};

[[nodiscard]] Result<CommitResult> CommitRun(const api::ImportJob& job, const ImportPlan& plan);

// failIfExists: an error when target.path holds anything but _temporary.
[[nodiscard]] Status CheckWriteMode(const api::ImportTarget& target);

}  // namespace acequia::importer
