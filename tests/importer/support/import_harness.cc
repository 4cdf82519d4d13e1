#include "tests/importer/support/import_harness.h"

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "common/compression.h"
#include "importer/plan/split_planner.h"
#include "importer/run/split_runner.h"
#include "tests/support/test_env.h"

namespace acequia::testing {

api::ImportJob JobFromYaml(const std::string& yaml) {
  auto parsed = api::ParseImportJob(yaml, "test");
  if (!parsed.job) throw std::runtime_error("invalid job: " + api::JoinErrors(parsed.errors));
  return *parsed.job;
}

ImportOutcome ImportAll(const DatabaseFactory& connect, const api::ImportJob& job,
                        const std::string& run_id) {
  ImportOutcome outcome;
  {
    auto db = connect();
    importer::SplitPlanner planner(*db, job);
    auto plan = planner.Plan(run_id);
    if (!plan.ok()) throw std::runtime_error("plan: " + plan.status().ToString());
    outcome.plan = *plan;
  }
  for (const auto& split : outcome.plan.splits) {
    auto db = connect();
    importer::SplitRunner runner(*db, job, outcome.plan);
    auto result = runner.Run(split.index);
    if (!result.ok()) throw std::runtime_error("run: " + result.status().ToString());
  }
  auto commit = importer::CommitRun(job, outcome.plan);
  if (!commit.ok()) throw std::runtime_error("commit: " + commit.status().ToString());
  outcome.commit = *commit;
  return outcome;
}

namespace {

std::string Gunzip(const std::string& in) {
  std::string out;
  if (!Inflate(in, DeflateFormat::kGzip, &out).ok()) throw std::runtime_error("corrupt gzip");
  return out;
}

std::string Unzstd(const std::string& in) {
  std::string out;
  if (!ZstdDecompress(in, &out).ok()) throw std::runtime_error("corrupt zstd");
  return out;
}

}  // namespace

std::string ReadParts(const std::string& dir) {
  std::vector<std::string> parts;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().filename().string().rfind("part-", 0) == 0) parts.push_back(e.path().string());
  }
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (const auto& p : parts) {
    std::string content = ReadFile(p);
    if (p.ends_with(".gz"))
      content = Gunzip(content);
    else if (p.ends_with(".zst"))
      content = Unzstd(content);
    out += content;
  }
  return out;
}

std::vector<std::string> SortedLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  return lines;
}

}  // namespace acequia::testing
