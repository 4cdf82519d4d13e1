// The acequia-import binary: the three phases as separate processes (as the operator runs them),
// the all-in-one local run, the termination log, exit codes and error messages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/importer/support/import_harness.h"
#include "tests/support/postgres_fixture.h"

namespace acequia::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

CommandOutput Import(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), ACEQUIA_IMPORT_BINARY);
  return RunProgram(args, env);
}

class ImportCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pg_ = SharedPostgres();
    if (pg_ == nullptr) GTEST_SKIP() << "no PostgreSQL server";
    WriteFile(creds_ / "username", PostgresServer::kUser);
    WriteFile(creds_ / "password", std::string(PostgresServer::kPassword) + "\n");
    pg_->Exec(
        "SET ROLE acequia; DROP TABLE IF EXISTS cli_orders;"
        "CREATE TABLE cli_orders (id int PRIMARY KEY, customer text, total numeric(10,2));"
        "INSERT INTO cli_orders SELECT i, 'customer, ' || i, i * 1.25 FROM generate_series(1, "
        "1000) i;");
  }
  std::string WriteJob(const std::string& table, int splits, const std::string& extra = "",
                       int port = 0) {
    const std::string path = dir_ / ("job-" + std::to_string(jobs_++) + ".yaml");
    WriteFile(path,
              "apiVersion: acequia.io/v1alpha1\nkind: ImportJob\nmetadata: {name: cli}\n"
              "spec:\n  source: {driver: postgresql, host: 127.0.0.1, port: " +
                  std::to_string(port ? port : pg_->port()) +
                  ", database: " + PostgresServer::kDatabase + ", table: " + table + "}\n" +
                  "  split: {by: id, count: " + std::to_string(splits) + "}\n" +
                  "  target: {path: " + (dir_ / "out") + "}\n" + extra);
    return path;
  }

  PostgresServer* pg_ = nullptr;
  TempDir dir_;
  TempDir creds_;
  int jobs_ = 0;
};

TEST_F(ImportCliTest, PlanRunEachSplitCommitAsSeparateProcesses) {
  const std::string job = WriteJob("cli_orders", 4);
  auto plan = Import({"plan", "--job", job, "--credentials", creds_.path(), "--run-id", "r1",
                      "--termination-log", dir_ / "plan.log"});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  auto plan_json = json::parse(plan.out);
  EXPECT_EQ(plan_json["runId"], "r1");
  ASSERT_EQ(plan_json["splits"].size(), 4u);
  EXPECT_EQ(json::parse(ReadFile(dir_ / "plan.log")), plan_json) << "termination message";
  WriteFile(dir_ / "plan.json", plan.out);
  int64_t rows = 0;
  for (int i = 0; i < 4; ++i) {
    auto run = Import({"run", "--split", std::to_string(i), "--job", job, "--plan",
                       dir_ / "plan.json", "--termination-log", dir_ / "run.log"},
                      {{"ACEQUIA_DB_USERNAME", PostgresServer::kUser},
                       {"ACEQUIA_DB_PASSWORD", PostgresServer::kPassword}});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    auto r = json::parse(run.out);
    EXPECT_EQ(r["split"], i);
    EXPECT_GT(r["bytes"].get<int64_t>(), 0);
    rows += r["rows"].get<int64_t>();
  }
  EXPECT_EQ(rows, 1000);
  // A retried split, with the plan on stdin this time: same file, no duplicate rows.
  auto retry =
      RunProgram({"/bin/sh", "-c",
                  std::string(ACEQUIA_IMPORT_BINARY) + " run --split 2 --job '" + job +
                      "' --credentials '" + creds_.path() + "' < '" + (dir_ / "plan.json") + "'"});
  ASSERT_EQ(retry.exit_code, 0) << retry.err;
  EXPECT_EQ(json::parse(retry.out)["split"], 2);
  auto bad_split = Import({"run", "--split", "two", "--job", job, "--plan", dir_ / "plan.json"});
  EXPECT_EQ(bad_split.exit_code, 2);
  auto commit = Import({"commit", "--job", job, "--plan", dir_ / "plan.json"});
  ASSERT_EQ(commit.exit_code, 0) << commit.err;
  EXPECT_EQ(json::parse(commit.out)["rows"], 1000);
  auto success = json::parse(ReadFile(dir_ / "out/_SUCCESS"));
  EXPECT_EQ(success["rows"], 1000);
  EXPECT_EQ(success["files"], 4);
  auto psql = pg_->Psql({"-c", "\\copy (SELECT * FROM cli_orders) TO STDOUT CSV"});
  EXPECT_EQ(SortedLines(ReadParts(dir_ / "out")), SortedLines(psql.out));
}

TEST_F(ImportCliTest, LocalRunDoesAllPhasesInParallel) {
  const std::string job =
      WriteJob("cli_orders", 4, "  incremental: {mode: append, checkColumn: id}\n");
  auto run = Import({"run", "--job", job, "--credentials", creds_.path()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto r = json::parse(run.out);
  EXPECT_EQ(r["rows"], 1000);
  EXPECT_EQ(r["lastValue"], "1000");
  EXPECT_EQ(r["splits"], 4);
}

TEST_F(ImportCliTest, ExportLoadsThePartFilesBackAllOrNothing) {
  ASSERT_EQ(Import({"run", "--job", WriteJob("cli_orders", 2), "--credentials", creds_.path(),
                    "--termination-log", dir_ / "run.log"})
                .exit_code,
            0);
  pg_->Exec(
      "SET ROLE acequia; DROP TABLE IF EXISTS cli_copy;"
      "CREATE TABLE cli_copy (LIKE cli_orders INCLUDING ALL);"
      "INSERT INTO cli_copy VALUES (1, 'stale', 0), (5000, 'kept', 1);");
  // The job names the table to load; the files come from --from (here the same directory).
  const std::string job = WriteJob("cli_copy", 1);
  auto append = Import({"export", "--job", job, "--credentials", creds_.path(), "--from",
                        dir_ / "out", "--termination-log", dir_ / "export.log"});
  EXPECT_EQ(append.exit_code, 1) << "id 1 exists: append fails";
  EXPECT_THAT(append.err, HasSubstr("duplicate key"));
  auto count = pg_->Psql({"-tAc", "SELECT count(*), min(customer) FROM cli_copy"});
  EXPECT_EQ(count.out, "2|kept\n") << "a failed export changes nothing";

  auto upsert = Import({"export", "--job", job, "--credentials", creds_.path(), "--update-key",
                        "id", "--termination-log", dir_ / "export.log"});
  ASSERT_EQ(upsert.exit_code, 0) << upsert.err;
  auto result = json::parse(upsert.out);
  EXPECT_EQ(result["phase"], "export");
  EXPECT_EQ(result["rows"], 1000);
  EXPECT_EQ(result["files"], 2);
  EXPECT_EQ(json::parse(ReadFile(dir_ / "export.log"))["rows"], 1000);
  auto rows = pg_->Psql({"-tAc",
                         "SELECT count(*), (SELECT customer FROM cli_copy WHERE id = 1) FROM "
                         "cli_copy c JOIN cli_orders o USING (id, customer, total)"});
  EXPECT_EQ(rows.out, "1000|customer, 1\n");
}

TEST_F(ImportCliTest, WrongPasswordFailsWithoutShowingIt) {
  TempDir wrong;
  WriteFile(wrong / "username", PostgresServer::kUser);
  WriteFile(wrong / "password", "Not-The-Pa55word");
  auto run = Import({"plan", "--job", WriteJob("cli_orders", 2), "--credentials", wrong.path(),
                     "--termination-log", dir_ / "err.log"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("password authentication failed"));
  EXPECT_THAT(run.err + run.out + ReadFile(dir_ / "err.log"), Not(HasSubstr("Not-The-Pa55word")));
  EXPECT_THAT(ReadFile(dir_ / "err.log"), HasSubstr("\"error\""));
}

TEST(ImportCliUsageTest, HelpPrintsUsageAndSucceedsAnywhereOnTheLine) {
  for (auto args : {std::vector<std::string>{"--help"}, {"run", "--help"}, {"help"}}) {
    auto run = Import(args);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_THAT(run.out, HasSubstr("usage: acequia-import COMMAND"));
  }
  auto bare = Import({});
  EXPECT_EQ(bare.exit_code, 2);
  EXPECT_THAT(bare.err, HasSubstr("usage: acequia-import COMMAND"));
}

TEST_F(ImportCliTest, PasswordsAreRefusedOnTheCommandLine) {
  auto run = Import({"plan", "--job", WriteJob("cli_orders", 2), "--password", "x"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("never taken from the command line"));
}

TEST_F(ImportCliTest, ClearErrors) {
  auto missing =
      Import({"plan", "--job", WriteJob("no_such_table", 2), "--credentials", creds_.path()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("table \"no_such_table\" does not exist"));
  auto down = Import(
      {"plan", "--job", WriteJob("cli_orders", 2, "", FreePort()), "--credentials", creds_.path()});
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_THAT(down.err, HasSubstr("cannot connect to postgresql"));
  auto invalid = Import({"plan", "--job", WriteJob("cli_orders", 0)});
  EXPECT_EQ(invalid.exit_code, 1);
  EXPECT_THAT(invalid.err, HasSubstr("spec.split.count: must be at least 1, got 0"));
}

TEST_F(ImportCliTest, ListTablesAndEval) {
  const std::string job = WriteJob("cli_orders", 1);
  auto tables = Import({"list-tables", "--job", job, "--credentials", creds_.path()});
  ASSERT_EQ(tables.exit_code, 0) << tables.err;
  EXPECT_THAT(json::parse(tables.out)["tables"], ::testing::Contains("cli_orders"));
  auto eval = Import({"eval", "SELECT count(*) AS n FROM cli_orders", "--job", job, "--credentials",
                      creds_.path()});
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  EXPECT_EQ(eval.out, "{\"n\":\"1000\"}\n");
}

TEST(ImportExamplesTest, BundledSqliteSampleImports) {
  TempDir dir;
  auto sqlite =
      RunProgram({"/usr/bin/sqlite3", "-cmd",
                  ".read " + std::string(ACEQUIA_SOURCE_DIR) + "/examples/imports/sample.sql",
                  dir / "sample.db", ".quit"});
  ASSERT_EQ(sqlite.exit_code, 0) << sqlite.err;
  std::string yaml =
      ReadFile(std::string(ACEQUIA_SOURCE_DIR) + "/examples/imports/orders-sqlite.yaml");
  auto replace = [&](const std::string& from, const std::string& to) {
    auto pos = yaml.find(from);
    ASSERT_NE(pos, std::string::npos) << from;
    yaml.replace(pos, from.size(), to);
  };
  replace("/tmp/acequia-sample.db", dir / "sample.db");
  replace("/tmp/acequia-sample/orders", dir / "out");
  WriteFile(dir / "job.yaml", yaml);
  auto run = Import({"run", "--job", dir / "job.yaml"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(json::parse(run.out)["rows"], 900) << "1000 orders minus 100 drafts";
}

}  // namespace
}  // namespace acequia::testing
