// The plan of one import run, fixed by the `plan` phase and read by every `run --split N`: the
// run id, the split column's range cut into splits (each a SQL condition), the incremental
// bounds. Every bound is a literal in the plan, so a retried split reads exactly the same rows.
// The plan is JSON (it travels in a pod's termination message, at most 4 KiB there: it holds
// conditions, not whole statements). Plain value; SelectFor is a pure function.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/import_job.h"
#include "common/status.h"
#include "importer/db/dialect.h"

namespace acequia::importer {

struct PlannedSplit {
  int index = 0;
  std::string condition;  // SQL over the source's columns: "\"id\" >= 1 AND \"id\" < 250"
};

struct ImportPlan {
  std::string job;
  std::string run_id;
  std::string split_by;
  std::string split_kind;               // "integer", "decimal", "date", "timestamp", "text", ""
  std::optional<std::string> min, max;  // of the split column (none for a single split)
  // Incremental: rows with lower < checkColumn <= upper. lower is the job's lastValue (none on a
  // first run); upper is MAX(checkColumn) at plan time, the next run's lastValue.
  std::string check_column;
  bool check_numeric = false;
  std::optional<std::string> incremental_lower;
  std::optional<std::string> incremental_upper;
  std::vector<PlannedSplit> splits;
  std::vector<std::string> columns;  // the output's column names, in order (for merges)

  // The lastValue to carry into the next run (the job's own when nothing new was found).
  std::optional<std::string> NextLastValue() const {
    return incremental_upper ? incremental_upper : incremental_lower;
  }
};

std::string PlanToJson(const ImportPlan& plan);
[[nodiscard]] Result<ImportPlan> PlanFromJson(const std::string& json);

// The SELECT statement of one split: the job's table/columns/where (or its query with
// $CONDITIONS replaced) restricted to the incremental bounds and the split's condition.
std::string SelectFor(const api::ImportJobSpec& spec, Dialect dialect, const ImportPlan& plan,
                      int split);

// The same statement with `conditions` in place of the split and incremental conditions.
std::string SelectWith(const api::ImportJobSpec& spec, Dialect dialect,
                       const std::string& conditions);

// "checkColumn > lower AND checkColumn <= upper" ("1 = 0" when nothing was new at plan time);
// empty for a full import.
std::string IncrementalCondition(Dialect dialect, const ImportPlan& plan);

// A literal for a bound: numbers as they are (checked), anything else quoted.
[[nodiscard]] Result<std::string> BoundLiteral(Dialect dialect, const std::string& value,
                                               bool numeric);

}  // namespace acequia::importer
