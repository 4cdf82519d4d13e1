// acequia-import against a real MariaDB: streaming splits whose union is the table for every
// split column kind, backtick-quoted names, and a wrong password kept out of the error.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "importer/db/mariadb_database.h"
#include "importer/plan/split_planner.h"
#include "tests/importer/support/import_harness.h"
#include "tests/support/mariadb_fixture.h"

namespace acequia::importer {
namespace {

using ::testing::HasSubstr;
using testing::MariadbServer;
using ::testing::Not;
using testing::ReadParts;
using testing::SortedLines;
using testing::TempDir;

class MariadbImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = testing::SharedMariadb();
    if (db_ == nullptr) GTEST_SKIP() << "no MariaDB server";
  }
  ConnectionOptions Options(const std::string& password = MariadbServer::kPassword) const {
    ConnectionOptions o;
    o.host = db_->host();
    o.port = db_->port();
    o.database = MariadbServer::kDatabase;
    o.username = MariadbServer::kUser;
    o.password = password;
    return o;
  }
  std::unique_ptr<Database> Connect() const {
    auto db = MariadbDatabase::Connect(Options());
    if (!db.ok()) throw std::runtime_error(db.status().ToString());
    return std::move(db).value();
  }
  std::string Source(const std::string& rest) const {
    return "source: {driver: mariadb, host: 127.0.0.1, port: " + std::to_string(db_->port()) +
           ", database: " + MariadbServer::kDatabase + ", " + rest + "}\n";
  }
  // Every row of `table` through one split: the reference for the union.
  std::vector<std::string> Whole(const std::string& table) {
    TempDir out;
    testing::ImportAll([&] { return Connect(); },
                       testing::JobFromYaml(Source("table: '" + table + "'") +
                                            "target: {path: " + out.path() + "}"));
    return SortedLines(ReadParts(out.path()));
  }

  MariadbServer* db_ = nullptr;
};

struct MdbSplitCase {
  const char* name;
  const char* type;
  const char* value_sql;  // over seq (1..1000)
};

class MariadbSplitTest : public MariadbImportTest,
                         public ::testing::WithParamInterface<MdbSplitCase> {};

TEST_P(MariadbSplitTest, UnionOfSplitsIsTheTableWithoutDuplicates) {
  const auto& c = GetParam();
  const std::string table = std::string("split_") + c.name;
  db_->Exec("DROP TABLE IF EXISTS " + table + "; CREATE TABLE " + table +
            " (id INT AUTO_INCREMENT PRIMARY KEY, k " + c.type + ") CHARACTER SET utf8mb4;" +
            "INSERT INTO " + table + " (k) SELECT " + c.value_sql +
            " FROM seq_1_to_1000; INSERT INTO " + table + " (k) VALUES (NULL), (NULL);");
  TempDir out;
  auto job = testing::JobFromYaml(Source("table: " + table) + "split: {by: k, count: 4}\n" +
                                  "target: {path: " + out.path() + "}");
  auto outcome = testing::ImportAll([&] { return Connect(); }, job);
  EXPECT_EQ(outcome.plan.splits.size(), 5u);
  EXPECT_EQ(outcome.commit.rows, 1002);
  auto whole = Whole(table);
  ASSERT_EQ(whole.size(), 1002u);
  EXPECT_EQ(SortedLines(ReadParts(out.path())), whole);
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, MariadbSplitTest,
    ::testing::Values(MdbSplitCase{"integer", "BIGINT", "seq * 7919 - 100"},
                      MdbSplitCase{"decimal", "DECIMAL(12, 3)", "seq / 7"},
                      MdbSplitCase{"date", "DATE", "DATE '2020-01-01' + INTERVAL seq DAY"},
                      MdbSplitCase{"timestamp", "DATETIME(6)",
                                   "TIMESTAMP '2020-01-01 00:00:00.5' + INTERVAL seq * 97 MINUTE"},
                      MdbSplitCase{"text", "VARCHAR(40)",
                                   "CONCAT(CHAR(65 + seq % 50), seq, 'ü', 'x\\\\y')"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(MariadbImportTest, WrongPasswordErrorNeverContainsThePassword) {
  const std::string secret = "Wr0ng-Pa55word-MDB";
  auto db = MariadbDatabase::Connect(Options(secret));
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(db.status().message(), HasSubstr("Access denied"));
  EXPECT_THAT(db.status().message(), Not(HasSubstr(secret)));
}

TEST_F(MariadbImportTest, BacktickNamesAndTypes) {
  db_->Exec(
      "DROP TABLE IF EXISTS `order`, `we``ird x`;"
      "CREATE TABLE `order` (`select` INT, `from` TEXT, price DECIMAL(10,2), ok BOOLEAN, "
      "raw BLOB, doc JSON) CHARACTER SET utf8mb4;"
      "INSERT INTO `order` VALUES (1, 'a, \"b\"\\nc', 1.50, TRUE, x'00ff', '{\"k\": 1}'),"
      "(2, '', NULL, FALSE, NULL, NULL), (3, 'ünï', 0, NULL, '', '[]');"
      "CREATE TABLE `we``ird x` (id INT); INSERT INTO `we``ird x` VALUES (5);");
  TempDir out;
  testing::ImportAll(
      [&] { return Connect(); },
      testing::JobFromYaml(Source("table: order") +
                           "split: {by: select, count: 2}\ntarget: {path: " + out.path() + "}"));
  EXPECT_EQ(ReadParts(out.path()),
            "1,\"a, \"\"b\"\"\nc\",1.50,1,\\x00ff,\"{\"\"k\"\": 1}\"\n"
            "2,\"\",,0,,\n"
            "3,ünï,0.00,,\\x,[]\n");
  EXPECT_EQ(Whole("we`ird x"), (std::vector<std::string>{"5"}));
  auto db = Connect();
  auto tables = db->ListTables();
  ASSERT_TRUE(tables.ok());
  EXPECT_THAT(*tables, ::testing::Contains("order"));
}

}  // namespace
}  // namespace acequia::importer
