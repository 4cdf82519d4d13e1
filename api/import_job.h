// The ImportJob resource (acequia.io/v1alpha1): a Sqoop-style bulk import of one table or query
// into files. Parsing from YAML (a whole manifest or just its spec), defaults, and validation with
// exact field paths ("spec.split.by: required when split.count is greater than 1").
// acequia-import and the operator share this code. Parsed values are immutable; thread-safe.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/field_error.h"
#include "common/status.h"

namespace acequia::api {

struct ImportSource {
  std::string driver;  // postgresql | mariadb | mysql | sqlite
  std::string host = "localhost";
  int64_t port = 0;                  // 5432 for postgresql, 3306 for mariadb/mysql, 0 for sqlite
  std::string database;              // the database name, or the file for sqlite
  std::string credentials_secret;    // Kubernetes Secret with keys username, password
  std::string table;                 // exactly one of table and query
  std::string query;                 // "SELECT … WHERE $CONDITIONS"
  std::vector<std::string> columns;  // empty: every column
  std::string where;                 // extra row filter (table mode)

  bool is_sqlite() const { return driver == "sqlite"; }
  bool is_postgresql() const { return driver == "postgresql"; }
  bool is_mariadb() const { return driver == "mariadb" || driver == "mysql"; }
};

struct ImportSplit {
  std::string by;  // the split column; required when count > 1
  int64_t count = 1;
  std::string boundary_query;  // returns one row (min, max); replaces SELECT MIN(by), MAX(by)
};

struct ImportIncremental {
  std::string mode;  // empty (full import) | append | lastModified
  std::string check_column;
  std::optional<std::string> last_value;  // rows with checkColumn > lastValue
  std::string merge_key;                  // lastModified only

  bool enabled() const { return !mode.empty(); }
};

// Delimited-text options, PostgreSQL's CSV by default (which is also RFC 4180).
struct CsvOptions {
  char delimiter = ',';
  char quote = '"';
  char escape = '"';        // the character written before a quote inside a quoted value
  std::string null_string;  // written unquoted for NULL; an empty string is then written ""
};

struct ImportTarget {
  std::string volume_claim;          // spec.target.volume.persistentVolumeClaim (cluster only)
  std::string path;                  // the directory the part files land in
  std::string format = "csv";        // csv | tsv | jsonl | avro
  std::string compression = "none";  // none | gzip | zstd | (avro) deflate | snappy
  CsvOptions csv;
  std::string write_mode = "failIfExists";  // append | overwrite | failIfExists

  // "csv", "tsv", "jsonl", "avro", plus ".gz" or ".zst" for compressed text.
  std::string FileExtension() const;
};

struct ImportJobSpec {
  ImportSource source;
  ImportSplit split;
  ImportIncremental incremental;
  ImportTarget target;
  std::string schedule;  // cron (api/cron.h), optional
  // The operator's knobs (the local CLI ignores them):
  std::optional<int64_t> parallelism;         // pods of a run at once; default: the split count
  int64_t backoff_limit_per_index = 2;        // retries of one split's pod
  int64_t successful_runs_history_limit = 3;  // finished runs whose Jobs are kept
  int64_t failed_runs_history_limit = 1;
  bool suspend = false;  // true: no new run starts (a running one finishes)
};

struct ImportJob {
  std::string name;
  std::string namespace_name;
  ImportJobSpec spec;
};

struct ImportJobParseResult {
  std::optional<ImportJob> job;  // set only when errors is empty
  std::vector<FieldError> errors;
};

// Parses and validates an ImportJob. `default_name` names the job when the document is a bare
// spec or has no metadata.name.
ImportJobParseResult ParseImportJob(std::string_view yaml_text,
                                    std::string_view default_name = "import");
ImportJobParseResult ParseImportJobNode(const YAML::Node& root,
                                        std::string_view default_name = "import");

// What the cluster needs beyond a valid spec: spec.target.volume.persistentVolumeClaim, the
// volume every pod of a run shares. Empty when the job can run in the cluster.
std::vector<FieldError> ClusterErrors(const ImportJobSpec& spec);

// Reads and parses a file; the error lists every field error, one per line.
Result<ImportJob> LoadImportJobFile(const std::string& path);

}  // namespace acequia::api
