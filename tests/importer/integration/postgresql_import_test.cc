// acequia-import against a real PostgreSQL: faithful types, CSV byte-identical to psql's \copy,
// splits whose union is the table for every split column kind, credentials kept secret, names
// that cannot inject SQL, and the CLI's phases.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "importer/db/postgresql_database.h"
#include "importer/plan/split_planner.h"
#include "importer/run/split_runner.h"
#include "tests/importer/support/import_harness.h"
#include "tests/support/postgres_fixture.h"

namespace acequia::importer {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::PostgresServer;
using testing::ReadParts;
using testing::SortedLines;
using testing::TempDir;

// Forwards to a real database but hides COPY, so the row path (Stream + writer) is tested too.
class NoCopyDatabase : public Database {
 public:
  explicit NoCopyDatabase(std::unique_ptr<Database> inner) : inner_(std::move(inner)) {}
  Dialect dialect() const override { return inner_->dialect(); }
  Result<std::vector<std::string>> ListTables() override { return inner_->ListTables(); }
  Result<std::vector<Column>> DescribeTable(const std::string& t) override {
    return inner_->DescribeTable(t);
  }
  Result<std::vector<Column>> DescribeQuery(const std::string& sql) override {
    return inner_->DescribeQuery(sql);
  }
  Result<std::vector<std::vector<std::optional<std::string>>>> QueryAll(
      const std::string& sql, std::vector<Column>* columns) override {
    return inner_->QueryAll(sql, columns);
  }
  Result<std::unique_ptr<RowStream>> Stream(const std::string& sql) override {
    return inner_->Stream(sql);
  }

 private:
  std::unique_ptr<Database> inner_;
};

class PostgresqlImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pg_ = testing::SharedPostgres();
    if (pg_ == nullptr) GTEST_SKIP() << "no PostgreSQL server";
  }
  ConnectionOptions Options(const std::string& password = PostgresServer::kPassword) const {
    ConnectionOptions o;
    o.host = pg_->host();
    o.port = pg_->port();
    o.database = PostgresServer::kDatabase;
    o.username = PostgresServer::kUser;
    o.password = password;
    return o;
  }
  std::unique_ptr<Database> Connect() const {
    auto db = PostgresqlDatabase::Connect(Options());
    if (!db.ok()) throw std::runtime_error(db.status().ToString());
    return std::move(db).value();
  }
  std::string Source(const std::string& rest) const {
    return "source: {driver: postgresql, host: 127.0.0.1, port: " + std::to_string(pg_->port()) +
           ", database: " + PostgresServer::kDatabase + ", " + rest + "}\n";
  }
  // Owned by the test role so COPY and SELECT need no grants.
  void Exec(const std::string& sql) { pg_->Exec("SET ROLE acequia;\n" + sql); }

  PostgresServer* pg_ = nullptr;
};

constexpr const char* kTypesTable = R"(
DROP TABLE IF EXISTS types;
CREATE TABLE types (
  id bigint PRIMARY KEY, amount numeric(20, 6), big bigint, label text, raw bytea, flag boolean,
  day date, at timestamp, at_tz timestamptz, uid uuid, doc json, docb jsonb, tags text[],
  nums int[]);
INSERT INTO types VALUES
  (1, 12345678901234.123456, 9223372036854775807, 'plain', '\x00ff10', true, '2024-02-29',
   '2024-01-01 12:34:56.789', '2024-01-01 12:34:56+02', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
   '{"a": [1, "x,y"]}', '{"b": {"c": null}}', '{"a,b", "q\"uote", NULL}', '{1,2,3}'),
  (2, -0.000001, -9223372036854775808, 'comma, "quote" and
newline', '', false, '0001-01-01', '1999-12-31 23:59:59', '1970-01-01 00:00:00+00',
   '00000000-0000-0000-0000-000000000000', '[]', '[]', '{}', '{}'),
  (3, NULL, NULL, '', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (4, 0, 0, 'ünïcødé 中文 🚀', '\xdeadbeef', true, '2038-01-19', '2038-01-19 03:14:07',
   '2038-01-19 03:14:07-08', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'null', '"s"',
   '{"\\\\back"}', '{-1}'),
  (5, 1e-6, 42, E'tab\there\r\nCRLF', '\x5c', false, '2000-01-01', '2000-01-01 00:00:00',
   '2000-01-01 00:00:00+05:30', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12', '{}', '{}', NULL, NULL),
  (6, 99, 7, '\.', NULL, true, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
)";

TEST_F(PostgresqlImportTest, CsvIsByteIdenticalToPsqlCopyOnBothPaths) {
  Exec(kTypesTable);
  auto job = testing::JobFromYaml(Source("table: types") +
                                  "split: {by: id, count: 4}\ntarget: {path: /unused}");
  auto planner_db = Connect();
  auto plan = SplitPlanner(*planner_db, job).Plan("bytes");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->splits.size(), 4u);
  for (bool copy : {true, false}) {
    TempDir out;
    job.spec.target.path = out.path();
    std::string expected;
    for (const auto& split : plan->splits) {
      std::unique_ptr<Database> db = Connect();
      if (!copy) db = std::make_unique<NoCopyDatabase>(std::move(db));
      auto result = SplitRunner(*db, job, *plan).Run(split.index);
      ASSERT_TRUE(result.ok()) << result.status().ToString();
      // psql's \copy of exactly the same statement.
      const std::string sql = SelectFor(job.spec, Dialect::kPostgresql, *plan, split.index);
      auto psql = pg_->Psql({"-c", "\\copy (" + sql + ") TO STDOUT CSV"});
      ASSERT_EQ(psql.exit_code, 0) << psql.err;
      expected += psql.out;
      EXPECT_EQ(testing::ReadFile(out / ("part-bytes-0000" + std::to_string(split.index) + ".csv")),
                psql.out)
          << (copy ? "COPY path" : "row path") << ", split " << split.index;
    }
    EXPECT_EQ(ReadParts(out.path()), expected);
    EXPECT_THAT(expected, HasSubstr("3,,,\"\",,,,,,,,,,\n")) << "NULL is empty, '' is \"\"";
    EXPECT_THAT(expected, HasSubstr("\"comma, \"\"quote\"\" and\nnewline\""));
    EXPECT_THAT(expected, HasSubstr("\\x00ff10"));
    EXPECT_THAT(expected, HasSubstr("ünïcødé 中文 🚀"));
  }
}

TEST_F(PostgresqlImportTest, JsonLinesKeepTypes) {
  Exec(kTypesTable);
  TempDir out;
  auto job = testing::JobFromYaml(Source("table: types, columns: [id, amount, flag, doc, label]") +
                                  "target: {path: " + out.path() + ", format: jsonl}");
  testing::ImportAll([&] { return Connect(); }, job);
  auto lines = SortedLines(ReadParts(out.path()));
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[0],
            "{\"id\":1,\"amount\":12345678901234.123456,\"flag\":true,\"doc\":{\"a\": [1, "
            "\"x,y\"]},\"label\":\"plain\"}");
  EXPECT_EQ(lines[2], "{\"id\":3,\"amount\":null,\"flag\":null,\"doc\":null,\"label\":\"\"}");
}

struct PgSplitCase {
  const char* name;
  const char* type;
  const char* value_sql;  // over i in 1..2000
};

class PostgresqlSplitTest : public PostgresqlImportTest,
                            public ::testing::WithParamInterface<PgSplitCase> {};

TEST_P(PostgresqlSplitTest, UnionOfSplitsIsTheTableWithoutDuplicates) {
  const auto& c = GetParam();
  const std::string table = std::string("split_") + c.name;
  Exec("DROP TABLE IF EXISTS " + table + "; CREATE TABLE " + table + " (id serial, k " + c.type +
       ");\nINSERT INTO " + table + " (k) SELECT " + c.value_sql +
       " FROM generate_series(1, 2000) AS i;\nINSERT INTO " + table +
       " (k) VALUES (NULL), (NULL);");
  TempDir out;
  auto job = testing::JobFromYaml(Source("table: " + table) + "split: {by: k, count: 4}\n" +
                                  "target: {path: " + out.path() + "}");
  auto outcome = testing::ImportAll([&] { return Connect(); }, job);
  EXPECT_EQ(outcome.plan.split_kind, c.name);
  EXPECT_EQ(outcome.plan.splits.size(), 5u);
  EXPECT_EQ(outcome.commit.rows, 2002);
  auto psql = pg_->Psql({"-c", "\\copy (SELECT * FROM " + table + ") TO STDOUT CSV"});
  ASSERT_EQ(psql.exit_code, 0) << psql.err;
  EXPECT_EQ(SortedLines(ReadParts(out.path())), SortedLines(psql.out));
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, PostgresqlSplitTest,
    ::testing::Values(
        PgSplitCase{"integer", "bigint", "i * 1000003 - 5000"},
        PgSplitCase{"decimal", "numeric(12, 3)", "i / 7.0"},
        PgSplitCase{"float", "double precision", "sqrt(i)"},
        PgSplitCase{"date", "date", "date '2020-01-01' + i"},
        PgSplitCase{"timestamp", "timestamp", "timestamp '2020-01-01' + i * interval '97 min'"},
        PgSplitCase{"timestamptz", "timestamptz",
                    "timestamptz '2020-03-01 00:00+00' + i * interval '61 min'"},
        PgSplitCase{"text", "text", "chr(65 + i % 60) || i || 'ü' || chr(20000 + i)"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(PostgresqlImportTest, WrongPasswordErrorNeverContainsThePassword) {
  const std::string secret = "Wr0ng-Pa55word-XYZ";
  auto db = PostgresqlDatabase::Connect(Options(secret));
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(db.status().message(), HasSubstr("password authentication failed"));
  EXPECT_THAT(db.status().message(), Not(HasSubstr(secret)));
}

TEST_F(PostgresqlImportTest, UnreachableServerIsUnavailable) {
  auto o = Options();
  o.port = testing::FreePort();
  auto db = PostgresqlDatabase::Connect(o);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), Status::Code::kUnavailable);
  EXPECT_THAT(db.status().message(), HasSubstr("cannot connect to postgresql 127.0.0.1:"));
}

TEST_F(PostgresqlImportTest, ReservedAndWeirdNamesWorkAndCannotInject) {
  Exec(R"(DROP TABLE IF EXISTS "order", "weird name""x";
CREATE TABLE "order" ("select" int, "from" text);
INSERT INTO "order" SELECT i, 'v' || i FROM generate_series(1, 100) i;
CREATE TABLE "weird name""x" ("col""q" int);
INSERT INTO "weird name""x" VALUES (1), (2);)");
  TempDir out;
  auto outcome = testing::ImportAll(
      [&] { return Connect(); },
      testing::JobFromYaml(Source("table: order, columns: [select, from]") +
                           "split: {by: select, count: 3}\ntarget: {path: " + out.path() + "}"));
  EXPECT_EQ(outcome.commit.rows, 100);
  TempDir out2;
  testing::ImportAll(
      [&] { return Connect(); },
      testing::JobFromYaml(Source("table: 'weird name\"x'") +
                           "split: {by: 'col\"q', count: 2}\ntarget: {path: " + out2.path() + "}"));
  EXPECT_EQ(SortedLines(ReadParts(out2.path())), (std::vector<std::string>{"1", "2"}));

  TempDir out3;
  auto evil = testing::JobFromYaml(Source("table: 'order\"; DROP TABLE \"order\"; --'") +
                                   "target: {path: " + out3.path() + "}");
  auto db = Connect();
  auto plan = SplitPlanner(*db, evil).Plan("evil");
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), Status::Code::kNotFound);
  auto tables = db->ListTables();
  ASSERT_TRUE(tables.ok());
  EXPECT_THAT(*tables, ::testing::Contains("order"));
}

TEST_F(PostgresqlImportTest, IncrementalAppendImportsOnlyNewRowsAcrossRuns) {
  Exec(
      "DROP TABLE IF EXISTS events; CREATE TABLE events (id int, v text);"
      "INSERT INTO events SELECT i, 'e' || i FROM generate_series(1, 50) i;");
  TempDir out;
  const std::string base = Source("table: events") + "split: {by: id, count: 2}\n" +
                           "target: {path: " + out.path() + "}\n";
  auto first = testing::ImportAll(
      [&] { return Connect(); },
      testing::JobFromYaml(base + "incremental: {mode: append, checkColumn: id}"), "run1");
  EXPECT_EQ(first.commit.rows, 50);
  ASSERT_EQ(first.commit.last_value, "50");
  Exec("INSERT INTO events SELECT i, 'e' || i FROM generate_series(51, 80) i;");
  auto second = testing::ImportAll(
      [&] { return Connect(); },
      testing::JobFromYaml(base + "incremental: {mode: append, checkColumn: id, lastValue: '50'}"),
      "run2");
  EXPECT_EQ(second.commit.rows, 30);
  EXPECT_EQ(second.commit.last_value, "80");
  EXPECT_EQ(SortedLines(ReadParts(out.path())).size(), 80u);
}

}  // namespace
}  // namespace acequia::importer
