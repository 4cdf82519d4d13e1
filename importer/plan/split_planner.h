// The `plan` phase: checks the table, columns and query against the database, fixes the
// incremental upper bound (MAX(checkColumn) now), reads MIN/MAX of the split column (or runs the
// boundary query) and cuts the range into splits like Sqoop's DataDrivenDBInputFormat, with a
// separate split for NULLs. Borrows the Database for the duration of Plan(). One thread.
#pragma once

#include <string>

#include "api/import_job.h"
#include "importer/db/database.h"
#include "importer/plan/import_plan.h"

namespace acequia::importer {

class SplitPlanner {
 public:
  SplitPlanner(Database& db, const api::ImportJob& job) : db_(db), job_(job) {}

  [[nodiscard]] Result<ImportPlan> Plan(const std::string& run_id);

  // The columns the import produces (checks that the table, columns and query exist).
  [[nodiscard]] Result<std::vector<Column>> OutputColumns();

 private:
  Result<Column> FindColumn(const std::string& name);
  // SELECT exprs over the job's rows restricted by `conditions`.
  std::string Aggregate(const std::string& exprs, const std::string& conditions) const;
  // How an aggregate refers to a column: quoted as is in table mode, by its last name part over
  // the query's result in query mode.
  std::string ColumnRef(const std::string& name) const;

  Database& db_;
  const api::ImportJob& job_;
  std::vector<Column> table_columns_;
};

// A fresh run id: UTC time plus random bits, "20261121T051230Z-3f9a".
std::string NewRunId();

}  // namespace acequia::importer
