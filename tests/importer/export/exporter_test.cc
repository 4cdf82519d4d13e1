// acequia-import export against SQLite: import → export round trips for csv, tsv and jsonl,
// upserts on the update key, and failures that leave the table unchanged; record parsing.
#include "importer/export/exporter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/importer/support/import_harness.h"
#include "tests/importer/support/sqlite_file.h"

namespace acequia::importer {
namespace {

using ::testing::HasSubstr;
using testing::JobFromYaml;
using testing::SqliteFile;
using testing::TempDir;
using Rows = std::vector<std::vector<std::optional<std::string>>>;

class SqliteExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.Exec(R"(
CREATE TABLE src (id INTEGER PRIMARY KEY, label TEXT, amount REAL, raw BLOB, flag BOOLEAN);
INSERT INTO src VALUES
  (1, 'plain', 1.5, X'00ff10', 1),
  (2, 'comma, "quote" and
newline \ back', -0.25, X'', 0),
  (3, '', NULL, NULL, NULL),
  (4, NULL, 0, X'deadbeef', 1),
  (5, 'tab	here \N ünïcødé 中文 🚀', 1e-6, X'5c', 0);
CREATE TABLE dst (id INTEGER PRIMARY KEY, label TEXT, amount REAL, raw BLOB, flag BOOLEAN);
)");
  }
  std::string Source(const std::string& rest) {
    return "source: {driver: sqlite, database: " + db_.path() + ", " + rest + "}\n";
  }
  Rows All(const std::string& sql) {
    auto rows = db_.Connect()->QueryAll(sql, nullptr);
    if (!rows.ok()) throw std::runtime_error(rows.status().ToString());
    return *rows;
  }
  Result<ExportResult> Export(const std::string& dir, const std::string& rest,
                              const std::string& format = "csv",
                              std::vector<std::string> key = {}) {
    auto job = JobFromYaml(Source(rest) + "target: {path: " + dir + ", format: " + format + "}");
    auto db = db_.Connect(/*writable=*/true);
    ExportOptions options;
    options.update_key = std::move(key);
    return Exporter(*db, job, options).Run();
  }

  SqliteFile db_;
};

TEST_F(SqliteExportTest, RoundTripGivesIdenticalRows) {
  for (const char* format : {"csv", "tsv", "jsonl"}) {
    TempDir out;
    testing::ImportAll([&] { return db_.Connect(); },
                       JobFromYaml(Source("table: src") +
                                   "split: {by: id, count: 2}\ntarget: {path: " + out.path() +
                                   ", format: " + format + ", compression: gzip}"));
    db_.Exec("DELETE FROM dst");
    auto job = JobFromYaml(Source("table: dst") + "target: {path: " + out.path() +
                           ", format: " + format + ", compression: gzip}");
    auto db = db_.Connect(/*writable=*/true);
    auto result = Exporter(*db, job, {}).Run();
    ASSERT_TRUE(result.ok()) << format << ": " << result.status().ToString();
    EXPECT_EQ(result->rows, 5);
    EXPECT_EQ(result->files, 2);
    const std::string q = "SELECT id, label, amount, hex(raw), raw IS NULL, flag, typeof(amount) ";
    EXPECT_EQ(All(q + "FROM dst ORDER BY id"), All(q + "FROM src ORDER BY id")) << format;
  }
}

TEST_F(SqliteExportTest, UpsertUpdatesExistingKeysAndKeepsOthers) {
  TempDir out;
  testing::ImportAll([&] { return db_.Connect(); },
                     JobFromYaml(Source("table: src, columns: [id, label]") +
                                 "target: {path: " + out.path() + "}"));
  db_.Exec("INSERT INTO dst (id, label, amount) VALUES (1, 'old', 7), (99, 'kept', 8)");
  auto result = Export(out.path(), "table: dst, columns: [id, label]", "csv", {"id"});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  auto rows = All("SELECT id, label, amount FROM dst ORDER BY id");
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows[0], (std::vector<std::optional<std::string>>{"1", "plain", "7.0"}));
  EXPECT_EQ(rows[5], (std::vector<std::optional<std::string>>{"99", "kept", "8.0"}));
}

TEST_F(SqliteExportTest, AppendWithoutKeyFailsOnDuplicateAndChangesNothing) {
  TempDir out;
  testing::ImportAll([&] { return db_.Connect(); },
                     JobFromYaml(Source("table: src") + "target: {path: " + out.path() + "}"));
  db_.Exec("INSERT INTO dst (id, label) VALUES (3, 'already here')");
  auto result = Export(out.path(), "table: dst");
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("UNIQUE constraint failed"));
  EXPECT_EQ(All("SELECT id, label FROM dst"),
            (Rows{{std::string("3"), std::string("already here")}}));
}

TEST_F(SqliteExportTest, BadRowFailsWithItsPlaceAndChangesNothing) {
  TempDir out;
  testing::WriteFile(out / "part-x-00000.csv", "1,a\n2,\"b\n\",c\n");
  auto result = Export(out.path(), "table: dst, columns: [id, label]");
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(),
              HasSubstr("part-x-00000.csv: record 2: the record has 3 fields, expected 2"));
  EXPECT_TRUE(All("SELECT * FROM dst").empty());
}

TEST_F(SqliteExportTest, RefusesQueryModeUnknownColumnsAndUpdateKey) {
  TempDir out;
  EXPECT_THAT(Export(out.path(), "query: 'SELECT * FROM src WHERE $CONDITIONS'").status().message(),
              HasSubstr("spec.source.table"));
  EXPECT_THAT(Export(out.path(), "table: dst, columns: [id, nope]").status().message(),
              HasSubstr("no column \"nope\""));
  EXPECT_THAT(Export(out.path(), "table: dst", "csv", {"nope"}).status().message(),
              HasSubstr("update key \"nope\""));
}

TEST(ParseRecordTest, CsvTsvAndJsonLines) {
  api::ImportTarget t;
  t.format = "csv";
  using V = std::vector<std::optional<std::string>>;
  EXPECT_EQ(*ParseRecord(t, {"a", "b", "c"}, "1,,\"\"\n"), (V{"1", std::nullopt, ""}));
  EXPECT_EQ(*ParseRecord(t, {"a", "b"}, "\"x,\"\"y\"\"\nz\",2\r\n"), (V{"x,\"y\"\nz", "2"}));
  t.format = "tsv";
  EXPECT_EQ(*ParseRecord(t, {"a", "b", "c"}, "a\\tb\\\\c\t\\N\t\n"),
            (V{"a\tb\\c", std::nullopt, ""}));
  t.format = "jsonl";
  EXPECT_EQ(*ParseRecord(t, {"n", "s", "j", "z", "b"},
                         R"({"n":12345678901234.123456,"s":"x\ny","j":{"a":[1]},"z":null,"b":true})"
                         "\n"),
            (V{"12345678901234.123456", "x\ny", "{\"a\":[1]}", std::nullopt, "true"}));
  EXPECT_THAT(ParseRecord(t, {"n"}, "[1]").status().message(), HasSubstr("JSON object"));
  EXPECT_THAT(ParseRecord(t, {"n"}, "{\"m\":1}").status().message(), HasSubstr("no field \"n\""));
}

}  // namespace
}  // namespace acequia::importer
