#include "api/import_job.h"

#include <algorithm>

#include "api/cron.h"
#include "api/document.h"
#include "api/property.h"

namespace acequia::api {
namespace {

std::string JoinNames(std::initializer_list<std::string_view> names) {
  std::string out;
  for (auto n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

// Rejects keys of `map` not in `known`. Returns false when `map` is not a map.
bool CheckKeys(const YAML::Node& map, const std::string& path,
               std::initializer_list<std::string_view> known, FieldErrorList& check) {
  if (!map.IsMap()) {
    check.Error(path, "expected a map");
    return false;
  }
  for (const auto& kv : map) {
    std::string key = kv.first.as<std::string>();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      check.Error(FieldPath(path, key), "unknown field (known: " + JoinNames(known) + ")");
    }
  }
  return true;
}

std::optional<std::string> OneOf(const YAML::Node& map, std::string_view key,
                                 const std::string& path, FieldErrorList& check,
                                 std::vector<std::string_view> allowed, bool required = false) {
  auto value = ScalarField(map, key, path, check, required);
  if (!value) return std::nullopt;
  PropertySpec spec{key,   PropertyType::kString, std::nullopt, "",
                    false, std::nullopt,          std::nullopt, std::move(allowed)};
  auto parsed = ParsePropertyText(spec, *value);
  if (!parsed.ok()) {
    check.Error(FieldPath(path, key), parsed.status().message());
    return std::nullopt;
  }
  return value;
}

std::optional<int64_t> Int(const YAML::Node& map, std::string_view key, const std::string& path,
                           FieldErrorList& check, int64_t min, int64_t max) {
  auto value = ScalarField(map, key, path, check, false);
  if (!value) return std::nullopt;
  PropertySpec spec{key, PropertyType::kInt, std::nullopt, "", false, min, max};
  auto parsed = ParsePropertyText(spec, *value);
  if (!parsed.ok()) {
    check.Error(FieldPath(path, key), parsed.status().message());
    return std::nullopt;
  }
  return std::get<int64_t>(*parsed);
}

void ParseSource(const YAML::Node& spec, ImportSource& out, FieldErrorList& check) {
  const std::string path = "spec.source";
  YAML::Node node = spec["source"];
  if (!node || node.IsNull()) {
    check.Error(path, "required: the database to import from");
    return;
  }
  if (!CheckKeys(node, path,
                 {"driver", "host", "port", "database", "credentialsSecret", "table", "query",
                  "columns", "where"},
                 check)) {
    return;
  }
  if (auto driver =
          OneOf(node, "driver", path, check, {"postgresql", "mariadb", "mysql", "sqlite"}, true)) {
    out.driver = *driver;
  }
  if (auto host = ScalarField(node, "host", path, check, false)) out.host = *host;
  if (auto port = Int(node, "port", path, check, 1, 65535)) out.port = *port;
  if (out.port == 0) out.port = out.is_postgresql() ? 5432 : out.is_mariadb() ? 3306 : 0;
  if (auto database = ScalarField(node, "database", path, check, true)) {
    if (database->empty()) check.Error(FieldPath(path, "database"), "must not be empty");
    out.database = *database;
  }
  if (auto secret = ScalarField(node, "credentialsSecret", path, check, false)) {
    out.credentials_secret = *secret;
  }
  if (auto table = ScalarField(node, "table", path, check, false)) out.table = *table;
  if (auto query = ScalarField(node, "query", path, check, false)) out.query = *query;
  if (auto where = ScalarField(node, "where", path, check, false)) out.where = *where;
  if (YAML::Node columns = node["columns"]; columns && !columns.IsNull()) {
    if (!columns.IsSequence()) {
      check.Error(FieldPath(path, "columns"), "expected a list of column names");
    } else {
      for (size_t i = 0; i < columns.size(); ++i) {
        const std::string item = FieldPath(path, "columns") + "[" + std::to_string(i) + "]";
        if (!columns[i].IsScalar() || columns[i].Scalar().empty()) {
          check.Error(item, "expected a column name");
        } else {
          out.columns.push_back(columns[i].Scalar());
        }
      }
    }
  }
  const bool has_table = node["table"] && !node["table"].IsNull();
  const bool has_query = node["query"] && !node["query"].IsNull();
  if (has_table && has_query) {
    check.Error(FieldPath(path, "query"), "give either table or query, not both");
  } else if (!has_table && !has_query) {
    check.Error(FieldPath(path, "table"), "required: a table, or a query in spec.source.query");
  } else if (has_table && out.table.empty()) {
    check.Error(FieldPath(path, "table"), "must not be empty");
  }
  if (has_query) {
    if (out.query.find("$CONDITIONS") == std::string::npos) {
      check.Error(FieldPath(path, "query"),
                  "must contain $CONDITIONS (where each split puts its range), e.g. \"SELECT … "
                  "FROM t WHERE $CONDITIONS\"");
    }
    if (!out.columns.empty()) {
      check.Error(FieldPath(path, "columns"),
                  "not allowed with query: select the columns in the query");
    }
    if (!out.where.empty()) {
      check.Error(FieldPath(path, "where"), "not allowed with query: filter in the query");
    }
  }
}

void ParseSplit(const YAML::Node& spec, ImportJobSpec& out, FieldErrorList& check) {
  const std::string path = "spec.split";
  YAML::Node node = spec["split"];
  if (!node || node.IsNull()) return;
  if (!CheckKeys(node, path, {"by", "count", "boundaryQuery"}, check)) return;
  if (auto by = ScalarField(node, "by", path, check, false)) {
    if (by->empty()) check.Error(FieldPath(path, "by"), "must not be empty");
    out.split.by = *by;
  }
  if (auto count = Int(node, "count", path, check, 1, 10000)) out.split.count = *count;
  if (auto bq = ScalarField(node, "boundaryQuery", path, check, false))
    out.split.boundary_query = *bq;
}

void ParseIncremental(const YAML::Node& spec, ImportJobSpec& out, FieldErrorList& check) {
  const std::string path = "spec.incremental";
  YAML::Node node = spec["incremental"];
  if (!node || node.IsNull()) return;
  if (!CheckKeys(node, path, {"mode", "checkColumn", "lastValue", "mergeKey"}, check)) return;
  auto& inc = out.incremental;
  if (auto mode = OneOf(node, "mode", path, check, {"append", "lastModified"}, true)) {
    inc.mode = *mode;
  }
  if (auto column = ScalarField(node, "checkColumn", path, check, true)) inc.check_column = *column;
  if (auto last = ScalarField(node, "lastValue", path, check, false)) inc.last_value = *last;
  if (auto key = ScalarField(node, "mergeKey", path, check, false)) inc.merge_key = *key;
  if (inc.mode == "lastModified" && inc.merge_key.empty()) {
    check.Error(FieldPath(path, "mergeKey"),
                "required with mode lastModified: the key that identifies a changed row");
  }
  if (inc.mode == "append" && !inc.merge_key.empty()) {
    check.Error(FieldPath(path, "mergeKey"), "only for mode lastModified");
  }
}

// One character, written as itself or as an escape ("\t").
std::optional<char> OneChar(const YAML::Node& map, std::string_view key, const std::string& path,
                            FieldErrorList& check) {
  auto value = ScalarField(map, key, path, check, false);
  if (!value) return std::nullopt;
  std::string v = *value;
  if (v == "\\t") v = "\t";
  if (v.size() != 1) {
    check.Error(FieldPath(path, key), "must be a single character, got " + Quote(*value));
    return std::nullopt;
  }
  if (v[0] == '\n' || v[0] == '\r') {
    check.Error(FieldPath(path, key), "must not be a line break");
    return std::nullopt;
  }
  return v[0];
}

void ParseTarget(const YAML::Node& spec, ImportJobSpec& out, FieldErrorList& check) {
  const std::string path = "spec.target";
  YAML::Node node = spec["target"];
  if (!node || node.IsNull()) {
    check.Error(path, "required: where the files go (path, format)");
    return;
  }
  if (!CheckKeys(node, path, {"volume", "path", "format", "compression", "csv", "writeMode"},
                 check)) {
    return;
  }
  auto& t = out.target;
  if (auto p = ScalarField(node, "path", path, check, true)) {
    if (p->empty()) check.Error(FieldPath(path, "path"), "must not be empty");
    t.path = *p;
  }
  if (auto format = OneOf(node, "format", path, check, {"csv", "tsv", "jsonl", "avro"})) {
    t.format = *format;
  }
  const bool avro = t.format == "avro";
  if (auto compression = ScalarField(node, "compression", path, check, false)) {
    const std::vector<std::string_view> allowed =
        avro ? std::vector<std::string_view>{"none", "deflate", "snappy"}
             : std::vector<std::string_view>{"none", "gzip", "zstd"};
    if (std::find(allowed.begin(), allowed.end(), *compression) == allowed.end()) {
      check.Error(FieldPath(path, "compression"),
                  std::string("must be one of ") +
                      (avro ? "none, deflate, snappy" : "none, gzip, zstd") + " for format " +
                      t.format + ", got " + Quote(*compression));
    } else {
      t.compression = *compression;
    }
  }
  const bool incremental = out.incremental.enabled();
  t.write_mode = incremental ? "append" : "failIfExists";
  if (auto mode = OneOf(node, "writeMode", path, check, {"append", "overwrite", "failIfExists"})) {
    t.write_mode = *mode;
  }
  if (t.format == "tsv") {
    t.csv.delimiter = '\t';
    t.csv.null_string = "\\N";
  }
  if (YAML::Node volume = node["volume"]; volume && !volume.IsNull()) {
    const std::string vpath = FieldPath(path, "volume");
    if (CheckKeys(volume, vpath, {"persistentVolumeClaim"}, check)) {
      if (auto claim = ScalarField(volume, "persistentVolumeClaim", vpath, check, true)) {
        t.volume_claim = *claim;
      }
    }
  }
  if (YAML::Node csv = node["csv"]; csv && !csv.IsNull()) {
    const std::string cpath = FieldPath(path, "csv");
    if (t.format != "csv") {
      check.Error(cpath, "only for format csv, not " + t.format);
    } else if (CheckKeys(csv, cpath, {"delimiter", "quote", "escape", "nullString"}, check)) {
      const bool has_escape = csv["escape"] && !csv["escape"].IsNull();
      if (auto c = OneChar(csv, "delimiter", cpath, check)) t.csv.delimiter = *c;
      if (auto c = OneChar(csv, "quote", cpath, check)) {
        t.csv.quote = *c;
        if (!has_escape) t.csv.escape = *c;
      }
      if (auto c = OneChar(csv, "escape", cpath, check)) t.csv.escape = *c;
      if (csv["nullString"] && csv["nullString"].IsNull()) {
        check.Error(FieldPath(cpath, "nullString"),
                    "YAML reads a bare null as no value: quote the string (\"NULL\", \"\")");
      }
      if (auto n = ScalarField(csv, "nullString", cpath, check, false)) {
        if (n->find_first_of("\r\n") != std::string::npos) {
          check.Error(FieldPath(cpath, "nullString"), "must not contain a line break");
        }
        t.csv.null_string = *n;
      }
      if (t.csv.delimiter == t.csv.quote) {
        check.Error(FieldPath(cpath, "quote"), "must differ from the delimiter");
      }
    }
  }
}

void ParseRunSettings(const YAML::Node& spec, ImportJobSpec& out, FieldErrorList& check) {
  if (auto parallelism = Int(spec, "parallelism", "spec", check, 1, 10000)) {
    out.parallelism = *parallelism;
  }
  if (auto limit = Int(spec, "backoffLimitPerIndex", "spec", check, 0, 100)) {
    out.backoff_limit_per_index = *limit;
  }
  if (auto limit = Int(spec, "successfulRunsHistoryLimit", "spec", check, 0, 100)) {
    out.successful_runs_history_limit = *limit;
  }
  if (auto limit = Int(spec, "failedRunsHistoryLimit", "spec", check, 0, 100)) {
    out.failed_runs_history_limit = *limit;
  }
  if (auto suspend = ScalarField(spec, "suspend", "spec", check, false)) {
    if (*suspend == "true") {
      out.suspend = true;
    } else if (*suspend != "false") {
      check.Error("spec.suspend", "must be true or false, got " + Quote(*suspend));
    }
  }
}

void CheckCrossFields(const ImportJobSpec& spec, FieldErrorList& check) {
  if (spec.split.count > 1 && spec.split.by.empty()) {
    check.Error("spec.split.by",
                "required when split.count is greater than 1: the column whose range is divided "
                "among the splits");
  }
  if (!spec.split.boundary_query.empty() && spec.split.by.empty()) {
    check.Error("spec.split.boundaryQuery", "needs spec.split.by: the column it bounds");
  }
  if (spec.source.is_sqlite() && (spec.source.port != 0)) {
    check.Error("spec.source.port", "not used by the sqlite driver (database is the file)");
  }
}

}  // namespace

std::string ImportTarget::FileExtension() const {
  std::string ext = format;
  if (format != "avro") {
    if (compression == "gzip") ext += ".gz";
    if (compression == "zstd") ext += ".zst";
  }
  return ext;
}

ImportJobParseResult ParseImportJobNode(const YAML::Node& root, std::string_view default_name) {
  FieldErrorList check;
  ImportJobParseResult result;
  if (!root.IsMap()) {
    result.errors.push_back({"", "expected an ImportJob manifest or its spec as a YAML map"});
    return result;
  }
  Envelope envelope = ReadEnvelope(root, "ImportJob", default_name, "source and target", check);
  if (envelope.spec.IsNull()) {
    result.errors = check.Take();
    return result;
  }
  ImportJob job;
  job.name = envelope.name;
  job.namespace_name = envelope.namespace_name;
  const YAML::Node& spec = envelope.spec;
  CheckKeys(
      spec, "spec",
      {"source", "split", "incremental", "target", "schedule", "parallelism",
       "backoffLimitPerIndex", "successfulRunsHistoryLimit", "failedRunsHistoryLimit", "suspend"},
      check);
  ParseSource(spec, job.spec.source, check);
  ParseSplit(spec, job.spec, check);
  ParseIncremental(spec, job.spec, check);
  ParseTarget(spec, job.spec, check);
  if (auto schedule = ScalarField(spec, "schedule", "spec", check, false)) {
    if (auto cron = CronSchedule::Parse(*schedule); !cron.ok()) {
      check.Error("spec.schedule", cron.status().message());
    }
    job.spec.schedule = *schedule;
  }
  ParseRunSettings(spec, job.spec, check);
  if (check.clean()) CheckCrossFields(job.spec, check);
  result.errors = check.Take();
  if (result.errors.empty()) result.job = std::move(job);
  return result;
}

ImportJobParseResult ParseImportJob(std::string_view yaml_text, std::string_view default_name) {
  return ParseDocument<ImportJobParseResult>(yaml_text, "ImportJob", [&](const YAML::Node& root) {
    return ParseImportJobNode(root, default_name);
  });
}

std::vector<FieldError> ClusterErrors(const ImportJobSpec& spec) {
  if (!spec.target.volume_claim.empty()) return {};
  return {{"spec.target.volume.persistentVolumeClaim",
           "required in the cluster: the claim every pod of a run writes its part files to "
           "(target.path is a path on it)"}};
}

Result<ImportJob> LoadImportJobFile(const std::string& path) {
  auto file = ReadDocumentFile(path, "import");
  if (!file.ok()) return file.status();
  ImportJobParseResult parsed = ParseImportJob(file->text, file->name);
  if (!parsed.job) return Status::InvalidArgument(path + ":\n" + JoinErrors(parsed.errors));
  return std::move(*parsed.job);
}

}  // namespace acequia::api
