// The split planner against SQLite: for every kind of split column, the union of the splits is
// the table, without duplicates; NULLs get their own split; names cannot inject SQL.
#include "importer/plan/split_planner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/importer/support/import_harness.h"
#include "tests/importer/support/sqlite_file.h"

namespace acequia::importer {
namespace {

using ::testing::HasSubstr;
using testing::ImportAll;
using testing::JobFromYaml;
using testing::ReadParts;
using testing::SortedLines;
using testing::SqliteFile;
using testing::TempDir;

std::string Job(const SqliteFile& db, const TempDir& out, const std::string& table,
                const std::string& column, int count, const std::string& extra = "") {
  return "source: {driver: sqlite, database: " + db.path() + ", table: '" + table +
         "', columns: ['" + column + "']}\nsplit: {by: '" + column +
         "', count: " + std::to_string(count) + "}\ntarget: {path: " + out.path() + "/out}\n" +
         extra;
}

struct SplitCase {
  const char* name;
  const char* type;
  const char* value_sql;  // an expression over i (1..500)
};

class SqliteSplitTest : public ::testing::TestWithParam<SplitCase> {};

TEST_P(SqliteSplitTest, UnionOfSplitsIsTheTableWithoutDuplicates) {
  const SplitCase& c = GetParam();
  SqliteFile db;
  db.Exec(std::string("CREATE TABLE t (k ") + c.type + ");" +
          "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) "
          "INSERT INTO t SELECT " +
          c.value_sql +
          " FROM n;"
          "INSERT INTO t VALUES (NULL); INSERT INTO t VALUES (NULL);");
  TempDir out;
  auto job = JobFromYaml(Job(db, out, "t", "k", 4));
  auto outcome = ImportAll([&] { return db.Connect(); }, job);
  EXPECT_EQ(outcome.plan.splits.size(), 5u) << "4 ranges and a NULL split";
  EXPECT_EQ(outcome.plan.splits.back().condition, "\"k\" IS NULL");
  EXPECT_EQ(outcome.commit.rows, 502);

  // What the table holds, through the same CSV writer, in one split.
  TempDir whole;
  auto one = JobFromYaml(Job(db, whole, "t", "k", 1));
  ImportAll([&] { return db.Connect(); }, one);
  auto expected = SortedLines(ReadParts(whole / "out"));
  ASSERT_EQ(expected.size(), 502u);
  EXPECT_EQ(SortedLines(ReadParts(out / "out")), expected);
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, SqliteSplitTest,
    ::testing::Values(SplitCase{"integer", "INTEGER", "i * 3 - 700"},
                      SplitCase{"decimal", "REAL", "i / 7.0"},
                      SplitCase{"text", "TEXT", "printf('%c%d-é', 65 + i % 50, i)"},
                      SplitCase{"timestamp", "TIMESTAMP",
                                "datetime('2026-01-01', '+' || (i * 97) || ' minutes')"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(SplitPlannerTest, OneSplitNeedsNoSplitColumn) {
  SqliteFile db;
  db.Exec("CREATE TABLE t (a TEXT); INSERT INTO t VALUES ('x'), (NULL);");
  TempDir out;
  auto job = JobFromYaml("source: {driver: sqlite, database: " + db.path() +
                         ", table: t}\ntarget: {path: " + out.path() + "}");
  auto outcome = ImportAll([&] { return db.Connect(); }, job);
  ASSERT_EQ(outcome.plan.splits.size(), 1u);
  EXPECT_EQ(ReadParts(out.path()), "x\n\n");
}

TEST(SplitPlannerTest, EmptyTableImportsNothing) {
  SqliteFile db;
  db.Exec("CREATE TABLE t (id INTEGER);");
  TempDir out;
  auto outcome = ImportAll([&] { return db.Connect(); }, JobFromYaml(Job(db, out, "t", "id", 4)));
  ASSERT_EQ(outcome.plan.splits.size(), 1u);
  EXPECT_EQ(outcome.plan.splits[0].condition, "1 = 0");
  EXPECT_EQ(outcome.commit.rows, 0);
}

TEST(SplitPlannerTest, IncrementalAppendFixesTheUpperBound) {
  SqliteFile db;
  db.Exec("CREATE TABLE t (id INTEGER); INSERT INTO t VALUES (1), (2), (3), (4), (5);");
  TempDir out;
  auto job = JobFromYaml(
      Job(db, out, "t", "id", 2, "incremental: {mode: append, checkColumn: id, lastValue: '2'}"));
  auto planner_db = db.Connect();
  auto plan = SplitPlanner(*planner_db, job).Plan("r1");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->incremental_upper, "5");
  EXPECT_EQ(plan->NextLastValue(), "5");
  EXPECT_EQ(plan->min, "3") << "the split range covers only the new rows";
  db.Exec("INSERT INTO t VALUES (6), (7);");  // arrives between plan and run
  EXPECT_EQ(SelectFor(job.spec, Dialect::kSqlite, *plan, 1),
            "SELECT \"id\" FROM \"t\" WHERE ((\"id\" > 2 AND \"id\" <= 5) AND (\"id\" >= 4 AND "
            "\"id\" <= 5))");
}

TEST(SplitPlannerTest, IncrementalWithNothingNewReadsNothing) {
  SqliteFile db;
  db.Exec("CREATE TABLE t (id INTEGER); INSERT INTO t VALUES (1), (2);");
  TempDir out;
  auto job = JobFromYaml(
      Job(db, out, "t", "id", 1, "incremental: {mode: append, checkColumn: id, lastValue: '2'}"));
  auto outcome = ImportAll([&] { return db.Connect(); }, job);
  EXPECT_EQ(outcome.commit.rows, 0);
  EXPECT_EQ(outcome.commit.last_value, "2") << "lastValue stays where it was";
}

TEST(SplitPlannerTest, NamesAreQuotedSoTheyCannotInjectSql) {
  SqliteFile db;
  db.Exec(
      "CREATE TABLE \"order\" (\"select\" INTEGER, \"weird name\"\"x\" TEXT);"
      "INSERT INTO \"order\" VALUES (1, 'a'), (2, 'b'), (3, 'c');"
      "CREATE TABLE \"weird name\"\"x\" (id INTEGER); INSERT INTO \"weird name\"\"x\" VALUES (9);");
  TempDir out;
  auto outcome =
      ImportAll([&] { return db.Connect(); }, JobFromYaml(Job(db, out, "order", "select", 2)));
  EXPECT_EQ(outcome.commit.rows, 3);
  TempDir out2;
  auto weird =
      ImportAll([&] { return db.Connect(); }, JobFromYaml(Job(db, out2, "weird name\"x", "id", 1)));
  EXPECT_EQ(ReadParts(out2.path() + "/out"), "9\n");

  // A table name that tries to end the statement is just a name that does not exist.
  TempDir out3;
  auto evil = JobFromYaml(Job(db, out3, "order\"; DROP TABLE \"order\"; --", "select", 2));
  auto conn = db.Connect();
  auto plan = SplitPlanner(*conn, evil).Plan("r");
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), Status::Code::kNotFound);
  auto tables = conn->ListTables();
  ASSERT_TRUE(tables.ok());
  EXPECT_THAT(*tables, ::testing::Contains("order")) << "the table is still there";
}

TEST(SplitPlannerTest, ClearErrorsForMissingTableColumnAndUnsplittableType) {
  SqliteFile db;
  db.Exec("CREATE TABLE t (id INTEGER, payload BLOB); INSERT INTO t VALUES (1, x'00ff');");
  TempDir out;
  auto conn = db.Connect();
  auto missing_table = SplitPlanner(*conn, JobFromYaml(Job(db, out, "nope", "id", 2))).Plan("r");
  EXPECT_THAT(missing_table.status().ToString(), HasSubstr("table \"nope\" does not exist"));
  auto missing_column = SplitPlanner(*conn, JobFromYaml(Job(db, out, "t", "idx", 2))).Plan("r");
  EXPECT_THAT(missing_column.status().ToString(),
              HasSubstr("column \"idx\" does not exist in table \"t\""));
  auto blob = SplitPlanner(*conn, JobFromYaml(Job(db, out, "t", "payload", 2))).Plan("r");
  EXPECT_THAT(blob.status().ToString(),
              HasSubstr("cannot split on column \"payload\" of type bytes"));
}

TEST(SplitPlannerTest, QueryModeReplacesConditions) {
  SqliteFile db;
  db.Exec(
      "CREATE TABLE a (id INTEGER, v TEXT); CREATE TABLE b (id INTEGER, w TEXT);"
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) "
      "INSERT INTO a SELECT i, 'v' || i FROM n;"
      "INSERT INTO b SELECT id, 'w' || id FROM a;");
  TempDir out;
  auto job = JobFromYaml("source: {driver: sqlite, database: " + db.path() +
                         ", query: 'SELECT a.id, v, w FROM a JOIN b ON a.id = b.id WHERE "
                         "$CONDITIONS'}\nsplit: {by: a.id, count: 3}\ntarget: {path: " +
                         out.path() + "}");
  auto outcome = ImportAll([&] { return db.Connect(); }, job);
  EXPECT_EQ(outcome.plan.splits.size(), 3u);
  EXPECT_EQ(outcome.commit.rows, 100);
  auto lines = SortedLines(ReadParts(out.path()));
  EXPECT_EQ(lines.front(), "1,v1,w1");
}

TEST(ImportPlanTest, RoundTripsThroughJson) {
  ImportPlan plan;
  plan.job = "orders";
  plan.run_id = "20260101T000000Z-abcd";
  plan.split_by = "id";
  plan.split_kind = "integer";
  plan.min = "1";
  plan.max = "9";
  plan.check_column = "id";
  plan.check_numeric = true;
  plan.incremental_upper = "9";
  plan.splits = {{0, "\"id\" >= 1 AND \"id\" <= 9"}};
  auto back = PlanFromJson(PlanToJson(plan));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(PlanToJson(*back), PlanToJson(plan));
  EXPECT_FALSE(PlanFromJson("{\"kind\":\"ImportPlan\",\"runId\":\"../../etc\",\"splits\":[]}").ok())
      << "a run id is a file name component";
}

}  // namespace
}  // namespace acequia::importer
