// Helpers for importer tests: a job from YAML, the three phases in-process against a Database,
// and the rows the part files hold (decompressed). Test-only; one thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/import_job.h"
#include "importer/db/database.h"
#include "importer/plan/import_plan.h"
#include "importer/run/committer.h"

namespace acequia::testing {

// Parses `yaml` (a bare spec); throws with the field errors when it is invalid.
api::ImportJob JobFromYaml(const std::string& yaml);

using DatabaseFactory = std::function<std::unique_ptr<importer::Database>()>;

struct ImportOutcome {
  importer::ImportPlan plan;
  importer::CommitResult commit;
};

// plan, run every split (each on a fresh connection), commit; throws on any error.
ImportOutcome ImportAll(const DatabaseFactory& connect, const api::ImportJob& job,
                        const std::string& run_id = "test-run");

// The content of every part-* file under `dir`, sorted by name, decompressed, concatenated.
std::string ReadParts(const std::string& dir);
// The lines of ReadParts, sorted.
std::vector<std::string> SortedLines(const std::string& text);

}  // namespace acequia::testing
