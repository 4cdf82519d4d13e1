// One split at a time against SQLite: part files appear only when complete, a retried split
// rewrites the same rows, commit checks completeness and applies writeMode.
#include "importer/run/split_runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "importer/plan/split_planner.h"
#include "importer/run/committer.h"
#include "tests/importer/support/import_harness.h"
#include "tests/importer/support/sqlite_file.h"

namespace acequia::importer {
namespace {

using ::testing::HasSubstr;
using testing::JobFromYaml;
using testing::ReadParts;
using testing::SortedLines;
using testing::SqliteFile;
using testing::TempDir;
namespace fs = std::filesystem;

class SplitRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.Exec(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, price NUMERIC, ok BOOLEAN);"
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) "
        "INSERT INTO t SELECT i, 'name, ' || i, i * 1.5, i % 2 FROM n;");
  }
  api::ImportJob Job(const std::string& target_extra = "") {
    return JobFromYaml("source: {driver: sqlite, database: " + db_.path() +
                       ", table: t}\nsplit: {by: id, count: 4}\ntarget: {path: " + out_.path() +
                       "/t" + target_extra + "}");
  }
  ImportPlan Plan(const api::ImportJob& job, const std::string& run) {
    auto conn = db_.Connect();
    auto plan = SplitPlanner(*conn, job).Plan(run);
    EXPECT_TRUE(plan.ok()) << plan.status().ToString();
    return *plan;
  }
  SplitResult Run(const api::ImportJob& job, const ImportPlan& plan, int split) {
    auto conn = db_.Connect();
    auto result = SplitRunner(*conn, job, plan).Run(split);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? *result : SplitResult{};
  }

  SqliteFile db_;
  TempDir out_;
};

TEST_F(SplitRunnerTest, PartFileAppearsOnlyWhenCompleteAndRetryDoesNotDuplicate) {
  auto job = Job();
  auto plan = Plan(job, "r1");
  auto first = Run(job, plan, 2);
  EXPECT_EQ(first.rows, 50);
  EXPECT_EQ(first.file, "part-r1-00002.csv");
  EXPECT_TRUE(fs::exists(out_.path() + "/t/part-r1-00002.csv"));
  EXPECT_FALSE(fs::exists(out_.path() + "/t/_temporary/r1/part-r1-00002.csv"));
  auto again = Run(job, plan, 2);  // a retried pod
  EXPECT_EQ(again.rows, 50);
  EXPECT_EQ(SortedLines(ReadParts(out_.path() + "/t")).size(), 50u);

  auto early = CommitRun(job, plan);
  ASSERT_FALSE(early.ok()) << "splits 0, 1, 3 have not run";
  EXPECT_THAT(early.status().message(), HasSubstr("split 0 of run r1 has not finished"));
  for (int i : {0, 1, 3}) Run(job, plan, i);
  auto commit = CommitRun(job, plan);
  ASSERT_TRUE(commit.ok()) << commit.status().ToString();
  EXPECT_EQ(commit->rows, 200);
  EXPECT_EQ(commit->files, 4);
  EXPECT_THAT(testing::ReadFile(out_.path() + "/t/_SUCCESS"), HasSubstr("\"rows\":200"));
  EXPECT_FALSE(fs::exists(out_.path() + "/t/_temporary"));
  EXPECT_EQ(SortedLines(ReadParts(out_.path() + "/t")).size(), 200u);
}

TEST_F(SplitRunnerTest, WriteModes) {
  auto fail = Job();
  auto plan = Plan(fail, "r1");
  for (int i = 0; i < 4; ++i) Run(fail, plan, i);
  ASSERT_TRUE(CommitRun(fail, plan).ok());
  Status exists = CheckWriteMode(fail.spec.target);
  EXPECT_EQ(exists.code(), Status::Code::kAlreadyExists);
  EXPECT_THAT(exists.message(), HasSubstr("writeMode is failIfExists"));

  auto append = Job(", writeMode: append");
  EXPECT_TRUE(CheckWriteMode(append.spec.target).ok());
  auto plan2 = Plan(append, "r2");
  for (int i = 0; i < 4; ++i) Run(append, plan2, i);
  ASSERT_TRUE(CommitRun(append, plan2).ok());
  EXPECT_EQ(SortedLines(ReadParts(out_.path() + "/t")).size(), 400u) << "both runs' files";

  auto overwrite = Job(", writeMode: overwrite");
  auto plan3 = Plan(overwrite, "r3");
  for (int i = 0; i < 4; ++i) Run(overwrite, plan3, i);
  ASSERT_TRUE(CommitRun(overwrite, plan3).ok());
  EXPECT_EQ(SortedLines(ReadParts(out_.path() + "/t")).size(), 200u) << "only the last run";
  EXPECT_FALSE(fs::exists(out_.path() + "/t/part-r1-00000.csv"));
}

TEST_F(SplitRunnerTest, JsonLinesTsvAndGzip) {
  auto jsonl = Job(", format: jsonl, compression: gzip");
  auto plan = Plan(jsonl, "j");
  auto r = Run(jsonl, plan, 0);
  EXPECT_EQ(r.file, "part-j-00000.jsonl.gz");
  auto lines = SortedLines(ReadParts(out_.path() + "/t"));
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], "{\"id\":1,\"name\":\"name, 1\",\"price\":1.5,\"ok\":true}");

  TempDir other;
  auto tsv = JobFromYaml("source: {driver: sqlite, database: " + db_.path() +
                         ", table: t, where: 'id = 3'}\ntarget: {path: " + other.path() +
                         ", format: tsv}");
  auto plan2 = Plan(tsv, "s");
  auto conn = db_.Connect();
  ASSERT_TRUE(SplitRunner(*conn, tsv, plan2).Run(0).ok());
  EXPECT_EQ(ReadParts(other.path()), "3\tname, 3\t4.5\t1\n");
}

TEST_F(SplitRunnerTest, AvroWithDeflate) {
  auto avro = Job(", format: avro, compression: deflate");
  auto plan = Plan(avro, "a");
  auto r = Run(avro, plan, 1);
  EXPECT_EQ(r.file, "part-a-00001.avro");
  EXPECT_EQ(r.rows, 50);
  EXPECT_EQ(testing::ReadFile(out_.path() + "/t/part-a-00001.avro").substr(0, 4),
            std::string("Obj\x01", 4));
}

TEST_F(SplitRunnerTest, UnwritableTargetIsAClearError) {
  auto job = JobFromYaml("source: {driver: sqlite, database: " + db_.path() +
                         ", table: t}\ntarget: {path: /proc/acequia/t}");
  auto plan = Plan(job, "r");
  auto conn = db_.Connect();
  auto result = SplitRunner(*conn, job, plan).Run(0);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("target /proc/acequia/t is not writable"));
  auto out_of_range = SplitRunner(*conn, job, plan).Run(7);
  EXPECT_THAT(out_of_range.status().message(), HasSubstr("split 7 is not in the plan"));
}

}  // namespace
}  // namespace acequia::importer
