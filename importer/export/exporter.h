// `acequia-import export`: the part files of a job's target loaded back into a table (Sqoop's
// export). All or nothing: the rows go into a staging table first, then one transaction appends
// them to the target table or upserts them on the update-key columns, so a refused row, a parse
// error or a constraint violation leaves the target table as it was. One thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/import_job.h"
#include "common/status.h"
#include "importer/db/database.h"

namespace acequia::importer {

struct ExportOptions {
  std::string from_dir;                 // empty: the job's target.path
  std::vector<std::string> update_key;  // empty: append; else upsert on these columns
};

struct ExportResult {
  int64_t rows = 0;
  int64_t files = 0;
  std::string ToJson() const;
};

// One record of a part file as values in file column order; nullopt is NULL. Exposed for tests.
// CSV: the job's csv options; TSV: PostgreSQL's text format; JSON lines: the object's values by
// `columns` (strings unquoted, numbers as written, nested JSON dumped; a string stays quoted
// JSON where `json_columns` marks the column as json/jsonb).
[[nodiscard]] Result<std::vector<std::optional<std::string>>> ParseRecord(
    const api::ImportTarget& target, const std::vector<std::string>& columns,
    std::string_view record, const std::vector<bool>* json_columns = nullptr);

class Exporter {
 public:
  Exporter(Database& db, const api::ImportJob& job, ExportOptions options)
      : db_(db), job_(job), options_(std::move(options)) {}
  [[nodiscard]] Result<ExportResult> Run();

 private:
  Database& db_;
  const api::ImportJob& job_;
  ExportOptions options_;
};

}  // namespace acequia::importer
