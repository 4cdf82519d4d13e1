// acequia-import export against real PostgreSQL and MariaDB servers: import → export into an
// empty copy gives identical rows for csv, tsv and jsonl (NULL vs '', unicode, newlines, bytes),
// upserts update existing keys, and a bad row fails the export leaving the table untouched.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "importer/db/mariadb_database.h"
#include "importer/db/postgresql_database.h"
#include "importer/export/exporter.h"
#include "tests/importer/support/import_harness.h"
#include "tests/support/mariadb_fixture.h"
#include "tests/support/postgres_fixture.h"

namespace acequia::importer {
namespace {

using ::testing::HasSubstr;
using testing::MariadbServer;
using testing::PostgresServer;
using testing::TempDir;
using Rows = std::vector<std::vector<std::optional<std::string>>>;

Rows All(Database& db, const std::string& sql) {
  auto rows = db.QueryAll(sql, nullptr);
  if (!rows.ok()) throw std::runtime_error(rows.status().ToString());
  return *rows;
}

// The shared checks, given a way to connect, run SQL, and write the job's source line.
struct ExportCase {
  std::function<std::unique_ptr<Database>()> connect;
  std::function<void(const std::string&)> exec;
  std::function<std::string(const std::string&)> source;
  std::string order_by = " ORDER BY id";

  void RoundTrip(const std::string& format) {
    TempDir out;
    testing::ImportAll(connect, testing::JobFromYaml(source("table: src") + "target: {path: " +
                                                     out.path() + ", format: " + format + "}"));
    exec("DELETE FROM dst");
    auto job = testing::JobFromYaml(source("table: dst") + "target: {path: " + out.path() +
                                    ", format: " + format + "}");
    auto db = connect();
    auto result = Exporter(*db, job, {}).Run();
    ASSERT_TRUE(result.ok()) << format << ": " << result.status().ToString();
    auto want = All(*db, "SELECT * FROM src" + order_by);
    EXPECT_EQ(result->rows, static_cast<int64_t>(want.size()));
    EXPECT_EQ(All(*db, "SELECT * FROM dst" + order_by), want) << format;
  }

  void Upsert() {
    TempDir out;
    testing::ImportAll(connect, testing::JobFromYaml(source("table: src, columns: [id, label]") +
                                                     "target: {path: " + out.path() + "}"));
    exec("DELETE FROM dst");
    exec("INSERT INTO dst (id, label) VALUES (1, 'old'), (99, 'kept')");
    auto job = testing::JobFromYaml(source("table: dst, columns: [id, label]") +
                                    "target: {path: " + out.path() + "}");
    auto db = connect();
    ExportOptions options;
    options.update_key = {"id"};
    auto result = Exporter(*db, job, options).Run();
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    auto want = All(*db, "SELECT id, label FROM src" + order_by);
    auto got = All(*db, "SELECT id, label FROM dst" + order_by);
    ASSERT_EQ(got.size(), want.size() + 1);
    EXPECT_EQ(Rows(got.begin(), got.end() - 1), want) << "existing key 1 updated";
    EXPECT_EQ(got.back()[1], "kept");
  }

  // Writes `content` as the only part file and expects the export to fail with `message`,
  // leaving dst as it was.
  void BadFile(const std::string& content, const std::string& message) {
    exec("DELETE FROM dst");
    exec("INSERT INTO dst (id, label) VALUES (7, 'before')");
    TempDir out;
    testing::WriteFile(out / "part-x-00000.csv", content);
    auto job = testing::JobFromYaml(source("table: dst, columns: [id, label]") +
                                    "target: {path: " + out.path() + "}");
    auto db = connect();
    auto before = All(*db, "SELECT * FROM dst" + order_by);
    for (const auto& key : std::vector<std::vector<std::string>>{{}, {"id"}}) {
      ExportOptions options;
      options.update_key = key;
      auto result = Exporter(*db, job, options).Run();
      ASSERT_FALSE(result.ok());
      EXPECT_THAT(result.status().message(), HasSubstr(message));
      EXPECT_THAT(result.status().message(), HasSubstr("part-x-00000.csv"));
      EXPECT_EQ(All(*db, "SELECT * FROM dst" + order_by), before);
    }
  }
};

class PostgresqlExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pg_ = testing::SharedPostgres();
    if (pg_ == nullptr) GTEST_SKIP() << "no PostgreSQL server";
    c_.connect = [this] {
      ConnectionOptions o;
      o.host = pg_->host();
      o.port = pg_->port();
      o.database = PostgresServer::kDatabase;
      o.username = PostgresServer::kUser;
      o.password = PostgresServer::kPassword;
      auto db = PostgresqlDatabase::Connect(o);
      if (!db.ok()) throw std::runtime_error(db.status().ToString());
      return std::unique_ptr<Database>(std::move(db).value());
    };
    c_.exec = [this](const std::string& sql) { pg_->Exec("SET ROLE acequia;\n" + sql); };
    c_.source = [this](const std::string& rest) {
      return "source: {driver: postgresql, host: 127.0.0.1, port: " + std::to_string(pg_->port()) +
             ", database: " + PostgresServer::kDatabase + ", " + rest + "}\n";
    };
    c_.exec(R"(
DROP TABLE IF EXISTS src; DROP TABLE IF EXISTS dst;
CREATE TABLE src (id bigint PRIMARY KEY, label text, amount numeric(20, 6), raw bytea,
  flag boolean, at timestamptz, doc jsonb, tags text[]);
INSERT INTO src VALUES
  (1, 'plain', 12345678901234.123456, '\x00ff10', true, '2024-01-01 12:34:56+02',
   '{"a": [1, "x,y"]}', '{"a,b", "q\"uote", NULL}'),
  (2, 'comma, "quote" and
newline', -0.000001, '', false, '1970-01-01 00:00:00+00', '[]', '{}'),
  (3, '', NULL, NULL, NULL, NULL, NULL, NULL),
  (4, NULL, 0, '\xdeadbeef', true, NULL, '"s"', '{"\\\\back"}'),
  (5, E'tab\there\r\nCRLF \\N ünïcødé 中文 🚀', 1e-6, '\x5c', false, NULL, '{}', NULL);
CREATE TABLE dst (LIKE src INCLUDING ALL);
)");
  }

  PostgresServer* pg_ = nullptr;
  ExportCase c_;
};

TEST_F(PostgresqlExportTest, RoundTripGivesIdenticalRows) {
  for (const char* format : {"csv", "tsv", "jsonl"}) c_.RoundTrip(format);
}

TEST_F(PostgresqlExportTest, UpsertUpdatesExistingKeys) { c_.Upsert(); }

TEST_F(PostgresqlExportTest, BadRowFailsAndChangesNothing) {
  c_.BadFile("1,a\n2,b,extra\n", "extra data after last expected column");
  c_.BadFile("1,a\nnot-a-number,b\n", "invalid input syntax for type bigint");
}

class MariadbExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = testing::SharedMariadb();
    if (db_ == nullptr) GTEST_SKIP() << "no MariaDB server";
    c_.connect = [this] {
      ConnectionOptions o;
      o.host = db_->host();
      o.port = db_->port();
      o.database = MariadbServer::kDatabase;
      o.username = MariadbServer::kUser;
      o.password = MariadbServer::kPassword;
      auto db = MariadbDatabase::Connect(o);
      if (!db.ok()) throw std::runtime_error(db.status().ToString());
      return std::unique_ptr<Database>(std::move(db).value());
    };
    c_.exec = [this](const std::string& sql) { db_->Exec(sql); };
    c_.source = [this](const std::string& rest) {
      return "source: {driver: mariadb, host: 127.0.0.1, port: " + std::to_string(db_->port()) +
             ", database: " + MariadbServer::kDatabase + ", " + rest + "}\n";
    };
    c_.exec(R"(SET NAMES utf8mb4;
DROP TABLE IF EXISTS src; DROP TABLE IF EXISTS dst;
CREATE TABLE src (id BIGINT PRIMARY KEY, label TEXT, amount DECIMAL(20, 6), raw BLOB,
  flag BOOLEAN, at DATETIME(3)) CHARACTER SET utf8mb4;
INSERT INTO src VALUES
  (1, 'plain', 12345678901234.123456, X'00ff10', true, '2024-01-01 12:34:56.789'),
  (2, 'comma, "quote" and\nnewline \\ back', -0.000001, '', false, '1970-01-01 00:00:01'),
  (3, '', NULL, NULL, NULL, NULL),
  (4, NULL, 0, X'deadbeef', true, NULL),
  (5, 'tab\there\r\nCRLF \\N ünïcødé 中文 🚀', 0.000001, X'5c', false, NULL);
CREATE TABLE dst LIKE src;
)");
  }

  MariadbServer* db_ = nullptr;
  ExportCase c_;
};

TEST_F(MariadbExportTest, RoundTripGivesIdenticalRows) {
  for (const char* format : {"csv", "tsv", "jsonl"}) c_.RoundTrip(format);
}

TEST_F(MariadbExportTest, UpsertUpdatesExistingKeys) { c_.Upsert(); }

TEST_F(MariadbExportTest, BadRowFailsAndChangesNothing) {
  c_.BadFile("1,a\n2,b,extra\n", "record 2: the record has 3 fields, expected 2");
  c_.BadFile("1,a\nnot-a-number,b\n", "Incorrect integer value");
  c_.BadFile("1,a\n1,b\n", "Duplicate entry");
}

}  // namespace
}  // namespace acequia::importer
