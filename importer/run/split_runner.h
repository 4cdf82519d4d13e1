// The `run --split N` phase: reads one split's rows (the plan fixes its SQL) into
// <path>/_temporary/<run>/, then renames the complete part file into <path>/ and records the
// split's result beside it. Running a split again rewrites the same part file from the same rows,
// so a retry never duplicates. PostgreSQL CSV/TSV goes through COPY, byte-identical to psql's
// \copy. Borrows the Database; one thread (each split has its own connection).
#pragma once

#include "api/import_job.h"
#include "importer/db/database.h"
#include "importer/plan/import_plan.h"
#include "importer/run/target_layout.h"

namespace acequia::importer {

class SplitRunner {
 public:
  SplitRunner(Database& db, const api::ImportJob& job, const ImportPlan& plan)
      : db_(db), job_(job), plan_(plan) {}

  [[nodiscard]] Result<SplitResult> Run(int split);

 private:
  Database& db_;
  const api::ImportJob& job_;
  const ImportPlan& plan_;
};

}  // namespace acequia::importer
