// acequia-import's command line in-process against SQLite: `plan --plan-file` writes the whole
// plan to a file (as the operator's plan pod does on the shared volume) and keeps the
// termination message under Kubernetes' 4 KiB limit.
#include "importer/import_command.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/importer/support/sqlite_file.h"
#include "tests/support/test_env.h"

namespace acequia::importer {
namespace {

using nlohmann::json;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

class PlanFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Text keys make long split conditions: each bound is a quoted literal.
    db_.Exec(
        "CREATE TABLE items (code TEXT PRIMARY KEY, qty INTEGER);"
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400) "
        "INSERT INTO items SELECT printf('item-%05d-a-fairly-long-product-code', i), i FROM n;");
  }

  std::string WriteJob(int splits) {
    const std::string path = dir_ / "job.yaml";
    WriteFile(path, "source: {driver: sqlite, database: " + db_.path() +
                        ", table: items}\nsplit: {by: code, count: " + std::to_string(splits) +
                        "}\ntarget: {path: " + (dir_ / "out") + "}\n");
    return path;
  }

  int Plan(int splits, const std::string& plan_file, std::string* out) {
    std::istringstream in;
    std::ostringstream stdout_text, stderr_text;
    const int code =
        RunImportCommand({"plan", "--job", WriteJob(splits), "--run-id", "r1", "--plan-file",
                          plan_file, "--termination-log", dir_ / "termination-log"},
                         in, stdout_text, stderr_text);
    EXPECT_EQ(code, 0) << stderr_text.str();
    *out = stdout_text.str();
    return code;
  }

  testing::SqliteFile db_;
  TempDir dir_;
};

TEST_F(PlanFileTest, SmallPlanGoesWholeToTheFileStdoutAndTerminationLog) {
  const std::string plan_file = dir_ / "out/_temporary/r1/plan.json";
  std::string out;
  ASSERT_EQ(Plan(3, plan_file, &out), 0);
  const json plan = json::parse(ReadFile(plan_file));
  EXPECT_EQ(plan["runId"], "r1");
  EXPECT_EQ(plan["splitCount"], 3);
  EXPECT_EQ(plan["splits"].size(), 3u);
  EXPECT_EQ(json::parse(out), plan);
  EXPECT_EQ(json::parse(ReadFile(dir_ / "termination-log")), plan);
  EXPECT_FALSE(std::filesystem::exists(plan_file + ".tmp")) << "written atomically";
}

TEST_F(PlanFileTest, LargePlanLeavesASummaryInTheTerminationLog) {
  const std::string plan_file = dir_ / "out/_temporary/r1/plan.json";
  std::string out;
  ASSERT_EQ(Plan(60, plan_file, &out), 0);
  const std::string whole = ReadFile(plan_file);
  ASSERT_GT(whole.size(), 4096u) << "the test needs a plan over Kubernetes' limit";
  const json plan = json::parse(whole);
  EXPECT_EQ(plan["splits"].size(), 60u);
  EXPECT_EQ(json::parse(out), plan) << "stdout keeps the whole plan";

  const std::string message = ReadFile(dir_ / "termination-log");
  EXPECT_LE(message.size(), 3500u);
  const json summary = json::parse(message);
  EXPECT_EQ(summary["runId"], "r1");
  EXPECT_EQ(summary["splitCount"], 60);
  EXPECT_EQ(summary["planFile"], plan_file);
  EXPECT_EQ(summary["truncated"], true);

  // `run --split` reads the whole plan back from the file.
  std::istringstream in;
  std::ostringstream run_out, run_err;
  ASSERT_EQ(RunImportCommand({"run", "--split", "59", "--job", dir_ / "job.yaml", "--plan",
                              plan_file, "--termination-log", dir_ / "run-log"},
                             in, run_out, run_err),
            0)
      << run_err.str();
  EXPECT_EQ(json::parse(run_out.str())["split"], 59);
}

TEST_F(PlanFileTest, UnwritablePlanFileFailsThePlan) {
  WriteFile(dir_ / "blocker", "a file where a directory should be");
  std::istringstream in;
  std::ostringstream out, err;
  EXPECT_EQ(RunImportCommand({"plan", "--job", WriteJob(2), "--plan-file",
                              dir_ / "blocker/plan.json", "--termination-log", dir_ / "log"},
                             in, out, err),
            1);
  EXPECT_NE(err.str().find("blocker"), std::string::npos) << err.str();
}

}  // namespace
}  // namespace acequia::importer
