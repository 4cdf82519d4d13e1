#include "api/import_job.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace acequia::api {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> ErrorsOf(const std::string& yaml) {
  std::vector<std::string> out;
  for (const auto& e : ParseImportJob(yaml).errors) out.push_back(e.ToString());
  return out;
}

// A valid bare spec; tests append or replace one section at a time.
std::string Spec(const std::string& source_extra = "", const std::string& rest = "") {
  return "source: {driver: postgresql, database: shop, table: orders" + source_extra +
         "}\ntarget: {path: /warehouse/orders}\n" + rest;
}

TEST(ImportJobTest, ParsesTheDesignExampleWithDefaults) {
  auto parsed = ParseImportJob(R"(
apiVersion: acequia.io/v1alpha1
kind: ImportJob
metadata: {name: orders, namespace: shop}
spec:
  source:
    driver: postgresql
    host: pg.db.svc
    database: shop
    credentialsSecret: pg-reader
    table: orders
    columns: [id, customer, total, updated_at]
    where: "status <> 'draft'"
  split: {by: id, count: 4, boundaryQuery: null}
  incremental: {mode: append, checkColumn: id, lastValue: "0"}
  target:
    volume: {persistentVolumeClaim: warehouse}
    path: /warehouse/orders
    format: csv
    compression: zstd
    csv: {delimiter: ",", quote: "\"", nullString: ""}
  schedule: "0 * * * *"
)");
  ASSERT_TRUE(parsed.job) << JoinErrors(parsed.errors);
  const auto& job = *parsed.job;
  EXPECT_EQ(job.name, "orders");
  EXPECT_EQ(job.namespace_name, "shop");
  EXPECT_EQ(job.spec.source.port, 5432) << "postgresql's default port";
  EXPECT_EQ(job.spec.source.columns.size(), 4u);
  EXPECT_EQ(job.spec.split.count, 4);
  EXPECT_EQ(job.spec.split.by, "id");
  EXPECT_EQ(job.spec.incremental.last_value, "0");
  EXPECT_EQ(job.spec.target.write_mode, "append") << "incremental imports append by default";
  EXPECT_EQ(job.spec.target.volume_claim, "warehouse");
  EXPECT_EQ(job.spec.target.FileExtension(), "csv.zst");
  EXPECT_EQ(job.spec.target.csv.escape, '"') << "escape follows quote, as in PostgreSQL";
}

TEST(ImportJobTest, BareSpecDefaults) {
  auto parsed = ParseImportJob(Spec(), "nightly");
  ASSERT_TRUE(parsed.job) << JoinErrors(parsed.errors);
  EXPECT_EQ(parsed.job->name, "nightly");
  const auto& t = parsed.job->spec.target;
  EXPECT_EQ(t.format, "csv");
  EXPECT_EQ(t.compression, "none");
  EXPECT_EQ(t.write_mode, "failIfExists");
  EXPECT_EQ(t.csv.delimiter, ',');
  EXPECT_EQ(t.csv.null_string, "");
  EXPECT_EQ(parsed.job->spec.split.count, 1);
}

TEST(ImportJobTest, MariadbDefaultsToPort3306AndTsvToPostgresTextConventions) {
  auto parsed = ParseImportJob(
      "source: {driver: mysql, database: shop, table: t}\ntarget: {path: /x, format: tsv}\n");
  ASSERT_TRUE(parsed.job) << JoinErrors(parsed.errors);
  EXPECT_EQ(parsed.job->spec.source.port, 3306);
  EXPECT_EQ(parsed.job->spec.target.csv.delimiter, '\t');
  EXPECT_EQ(parsed.job->spec.target.csv.null_string, "\\N");
}

TEST(ImportJobTest, RejectsUnknownDriver) {
  EXPECT_THAT(ErrorsOf("source: {driver: oracle, database: d, table: t}\ntarget: {path: /x}"),
              ElementsAre("spec.source.driver: must be one of postgresql, mariadb, mysql, sqlite, "
                          "got \"oracle\""));
}

TEST(ImportJobTest, TableXorQuery) {
  EXPECT_THAT(ErrorsOf(Spec(", query: \"SELECT 1 WHERE $CONDITIONS\"")),
              ElementsAre("spec.source.query: give either table or query, not both"));
  EXPECT_THAT(ErrorsOf("source: {driver: sqlite, database: /x.db}\ntarget: {path: /x}"),
              ElementsAre("spec.source.table: required: a table, or a query in spec.source.query"));
}

TEST(ImportJobTest, QueryNeedsConditions) {
  auto errors = ErrorsOf(
      "source: {driver: sqlite, database: /x.db, query: \"SELECT * FROM t\"}\n"
      "target: {path: /x}");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("spec.source.query: must contain $CONDITIONS"));
}

TEST(ImportJobTest, SplitCountAndBy) {
  EXPECT_THAT(ErrorsOf(Spec("", "split: {count: 0, by: id}")),
              ElementsAre("spec.split.count: must be at least 1, got 0"));
  auto errors = ErrorsOf(Spec("", "split: {count: 4}"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("spec.split.by: required when split.count is greater than 1"));
  EXPECT_TRUE(ErrorsOf(Spec("", "split: {count: 1}")).empty()) << "one split needs no column";
}

TEST(ImportJobTest, IncrementalModes) {
  EXPECT_THAT(ErrorsOf(Spec("", "incremental: {mode: sometimes, checkColumn: id}")),
              ElementsAre("spec.incremental.mode: must be one of append, lastModified, got "
                          "\"sometimes\""));
  EXPECT_THAT(ErrorsOf(Spec("", "incremental: {mode: append}")),
              ElementsAre("spec.incremental.checkColumn: required"));
  auto errors = ErrorsOf(Spec("", "incremental: {mode: lastModified, checkColumn: updated_at}"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("spec.incremental.mergeKey: required with mode lastModified"));
}

TEST(ImportJobTest, FormatsAndCompression) {
  EXPECT_THAT(ErrorsOf("source: {driver: sqlite, database: a.db, table: t}\n"
                       "target: {path: /x, format: parquet}"),
              ElementsAre("spec.target.format: must be one of csv, tsv, jsonl, avro, got "
                          "\"parquet\""));
  EXPECT_THAT(ErrorsOf("source: {driver: sqlite, database: a.db, table: t}\n"
                       "target: {path: /x, compression: snappy}"),
              ElementsAre("spec.target.compression: must be one of none, gzip, zstd for format "
                          "csv, got \"snappy\""));
  EXPECT_TRUE(ErrorsOf("source: {driver: sqlite, database: a.db, table: t}\n"
                       "target: {path: /x, format: avro, compression: snappy}")
                  .empty());
  EXPECT_THAT(ErrorsOf("source: {driver: sqlite, database: a.db, table: t}\n"
                       "target: {path: /x, writeMode: replace}"),
              ElementsAre("spec.target.writeMode: must be one of append, overwrite, "
                          "failIfExists, got \"replace\""));
}

TEST(ImportJobTest, CsvOptions) {
  auto parsed = ParseImportJob(
      "source: {driver: sqlite, database: a.db, table: t}\n"
      "target: {path: /x, csv: {delimiter: \"|\", quote: \"'\", escape: \"\\\\\", nullString: "
      "\"NULL\"}}");
  ASSERT_TRUE(parsed.job) << JoinErrors(parsed.errors);
  EXPECT_EQ(parsed.job->spec.target.csv.delimiter, '|');
  EXPECT_EQ(parsed.job->spec.target.csv.quote, '\'');
  EXPECT_EQ(parsed.job->spec.target.csv.escape, '\\');
  EXPECT_EQ(parsed.job->spec.target.csv.null_string, "NULL");
  EXPECT_THAT(ErrorsOf("source: {driver: sqlite, database: a.db, table: t}\n"
                       "target: {path: /x, csv: {nullString: NULL}}"),
              ElementsAre("spec.target.csv.nullString: YAML reads a bare null as no value: quote "
                          "the string (\"NULL\", \"\")"));
  EXPECT_THAT(ErrorsOf("source: {driver: sqlite, database: a.db, table: t}\n"
                       "target: {path: /x, csv: {delimiter: \"||\"}}"),
              ElementsAre("spec.target.csv.delimiter: must be a single character, got \"||\""));
  EXPECT_THAT(ErrorsOf("source: {driver: sqlite, database: a.db, table: t}\n"
                       "target: {path: /x, format: jsonl, csv: {delimiter: \";\"}}"),
              ElementsAre("spec.target.csv: only for format csv, not jsonl"));
}

TEST(ImportJobTest, RejectsUnknownFieldsAtEveryLevel) {
  EXPECT_THAT(ErrorsOf(Spec(", passwd: x")),
              ElementsAre("spec.source.passwd: unknown field (known: driver, host, port, "
                          "database, credentialsSecret, table, query, columns, where)"));
  EXPECT_THAT(ErrorsOf(Spec("", "split: {by: id, count: 2, mappers: 3}")),
              ElementsAre("spec.split.mappers: unknown field (known: by, count, boundaryQuery)"));
  EXPECT_THAT(ErrorsOf(Spec("", "parallel: true")),
              ElementsAre("spec.parallel: unknown field (known: source, split, incremental, "
                          "target, schedule, parallelism, backoffLimitPerIndex, "
                          "successfulRunsHistoryLimit, failedRunsHistoryLimit, suspend)"));
}

TEST(ImportJobTest, RunSettingsDefaultsAndRanges) {
  auto parsed = ParseImportJob(Spec());
  ASSERT_TRUE(parsed.job) << JoinErrors(parsed.errors);
  const auto& defaults = parsed.job->spec;
  EXPECT_FALSE(defaults.parallelism) << "default: the split count";
  EXPECT_EQ(defaults.backoff_limit_per_index, 2);
  EXPECT_EQ(defaults.successful_runs_history_limit, 3);
  EXPECT_EQ(defaults.failed_runs_history_limit, 1);
  EXPECT_FALSE(defaults.suspend);

  parsed = ParseImportJob(Spec("",
                               "parallelism: 2\nbackoffLimitPerIndex: 0\n"
                               "successfulRunsHistoryLimit: 0\nfailedRunsHistoryLimit: 5\n"
                               "suspend: true\n"));
  ASSERT_TRUE(parsed.job) << JoinErrors(parsed.errors);
  EXPECT_EQ(parsed.job->spec.parallelism, 2);
  EXPECT_EQ(parsed.job->spec.backoff_limit_per_index, 0);
  EXPECT_EQ(parsed.job->spec.successful_runs_history_limit, 0);
  EXPECT_EQ(parsed.job->spec.failed_runs_history_limit, 5);
  EXPECT_TRUE(parsed.job->spec.suspend);

  EXPECT_THAT(ErrorsOf(Spec("", "parallelism: 0")),
              ElementsAre("spec.parallelism: must be at least 1, got 0"));
  EXPECT_THAT(ErrorsOf(Spec("", "successfulRunsHistoryLimit: -1")),
              ElementsAre("spec.successfulRunsHistoryLimit: must be at least 0, got -1"));
  EXPECT_THAT(ErrorsOf(Spec("", "suspend: maybe")),
              ElementsAre("spec.suspend: must be true or false, got \"maybe\""));
}

TEST(ImportJobTest, ScheduleIsACronExpression) {
  EXPECT_TRUE(ErrorsOf(Spec("", "schedule: \"*/15 9-17 * * MON-FRI\"")).empty());
  EXPECT_TRUE(ErrorsOf(Spec("", "schedule: \"@daily\"")).empty());
  EXPECT_THAT(ErrorsOf(Spec("", "schedule: \"61 * * * *\"")),
              ElementsAre("spec.schedule: minute \"61\": 61 is out of range 0-59"));
  EXPECT_THAT(ErrorsOf(Spec("", "schedule: \"0 0 * * FUNDAY\"")),
              ElementsAre("spec.schedule: day-of-week \"FUNDAY\": unknown name \"FUNDAY\""));
  EXPECT_THAT(ErrorsOf(Spec("", "schedule: \"0 0 31 2 *\"")),
              ElementsAre("spec.schedule: \"0 0 31 2 *\" never fires: no month has the days it "
                          "names"));
  EXPECT_THAT(ErrorsOf(Spec("", "schedule: \"@fortnightly\"")),
              ElementsAre(HasSubstr("spec.schedule: unknown macro \"@fortnightly\"")));
}

TEST(ImportJobTest, TheClusterNeedsATargetVolume) {
  auto parsed = ParseImportJob(Spec());
  ASSERT_TRUE(parsed.job) << JoinErrors(parsed.errors);
  const auto errors = ClusterErrors(parsed.job->spec);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "spec.target.volume.persistentVolumeClaim");
  EXPECT_THAT(errors[0].message, HasSubstr("required in the cluster"));
  parsed = ParseImportJob(
      "source: {driver: sqlite, database: a.db, table: t}\n"
      "target: {path: /x, volume: {persistentVolumeClaim: warehouse}}");
  ASSERT_TRUE(parsed.job) << JoinErrors(parsed.errors);
  EXPECT_TRUE(ClusterErrors(parsed.job->spec).empty());
}

TEST(ImportJobTest, ManifestChecksKindAndVersion) {
  auto errors = ErrorsOf(
      "apiVersion: acequia.io/v2\nkind: Flow\nspec: {source: {driver: sqlite, database: a, "
      "table: t}, target: {path: /x}}");
  EXPECT_THAT(errors, ElementsAre("apiVersion: must be acequia.io/v1alpha1, got \"acequia.io/v2\"",
                                  "kind: must be ImportJob, got \"Flow\""));
}

TEST(ImportJobTest, InvalidYamlNamesTheLine) {
  auto errors = ErrorsOf("source: {driver: sqlite\ntarget: [");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("invalid YAML at line"));
}

}  // namespace
}  // namespace acequia::api
