// The merge step of a lastModified import (Sqoop's `merge --merge-key`): the run's part files
// hold the rows changed since lastValue; every earlier part file in target.path is rewritten
// without the rows whose mergeKey reappears in this run, together with this run's rows, into one
// part-<run>-merged.<ext>. Only the changed rows' records are held in memory; earlier files are
// read one at a time. The merged file is renamed into place before the files it replaces are
// removed, so a crash in between leaves duplicates, never a loss. One thread.
#pragma once

#include <set>
#include <string>

#include "api/import_job.h"
#include "importer/plan/import_plan.h"

namespace acequia::importer {

struct MergeResult {
  int64_t rows = 0;      // rows in the merged file
  int64_t replaced = 0;  // earlier rows replaced by a newer version
  int64_t bytes = 0;
  std::string file;  // the merged part file's name; empty when there was nothing to merge
};

// `ours` names this run's part files.
[[nodiscard]] Result<MergeResult> MergeByKey(const api::ImportJob& job, const ImportPlan& plan,
                                             const std::set<std::string>& ours);

}  // namespace acequia::importer
