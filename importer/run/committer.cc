#include "importer/run/committer.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "importer/run/dataset_merger.h"

namespace acequia::importer {

namespace fs = std::filesystem;

std::string CommitResult::ToJson() const {
  nlohmann::json splits_json = nlohmann::json::array();
  for (const auto& s : splits) splits_json.push_back(nlohmann::json::parse(s.ToJson()));
  nlohmann::json j = {{"rows", rows},
                      {"bytes", bytes},
                      {"files", files},
                      {"lastValue", last_value ? nlohmann::json(*last_value) : nlohmann::json()},
                      {"splits", splits_json}};
  if (!merged_file.empty()) {
    j["merge"] = {{"file", merged_file}, {"rows", merged_rows}, {"replaced", replaced_rows}};
  }
  return j.dump();
}

Status CheckWriteMode(const api::ImportTarget& target) {
  if (target.write_mode != "failIfExists") return Status::Ok();
  std::error_code ec;
  if (!fs::exists(target.path, ec)) return Status::Ok();
  for (const auto& entry : fs::directory_iterator(target.path, ec)) {
    if (entry.path().filename() == "_temporary") continue;
    return Status::AlreadyExists("target " + target.path +
                                 " already holds files and writeMode is failIfExists (use "
                                 "append or overwrite)");
  }
  if (ec) return Status::IoError("reading " + target.path + ": " + ec.message());
  return Status::Ok();
}

Result<CommitResult> CommitRun(const api::ImportJob& job, const ImportPlan& plan) {
  const auto& target = job.spec.target;
  TargetLayout layout(target, plan.run_id);
  CommitResult result;
  std::set<std::string> ours;
  for (const auto& split : plan.splits) {
    std::ifstream in(layout.SplitResultFile(split.index));
    if (!in) {
      return Status::NotFound("split " + std::to_string(split.index) + " of run " + plan.run_id +
                              " has not finished (no " + layout.SplitResultFile(split.index) + ")");
    }
    std::stringstream text;
    text << in.rdbuf();
    auto r = SplitResult::FromJson(text.str());
    if (!r.ok()) return r.status();
    std::error_code ec;
    if (!fs::exists(layout.Part(split.index), ec)) {
      return Status::NotFound("part file " + layout.Part(split.index) + " is missing");
    }
    result.rows += r->rows;
    result.bytes += r->bytes;
    result.files += 1;
    ours.insert(layout.PartName(split.index));
    result.splits.push_back(std::move(r).value());
  }
  result.last_value = plan.NextLastValue();
  if (job.spec.incremental.mode == "lastModified") {
    auto merged = MergeByKey(job, plan, ours);
    if (!merged.ok())
      return merged.status().Annotate("merging by " + job.spec.incremental.merge_key);
    if (!merged->file.empty()) {
      result.merged_rows = merged->rows;
      result.replaced_rows = merged->replaced;
      result.merged_file = merged->file;
      ours = {merged->file};
    }
  }
  if (target.write_mode == "overwrite") {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(target.path, ec)) {
      const std::string name = entry.path().filename().string();
      if (name == "_temporary" || ours.count(name)) continue;
      fs::remove_all(entry.path(), ec);
      if (ec)
        return Status::IoError("overwrite: removing " + entry.path().string() + ": " +
                               ec.message());
    }
  }
  nlohmann::json success = nlohmann::json::parse(result.ToJson());
  success["job"] = job.name;
  success["runId"] = plan.run_id;
  if (Status s = WriteFileAtomically(layout.SuccessFile(), success.dump() + "\n"); !s.ok()) {
    return s;
  }
  std::error_code ec;
  fs::remove_all(layout.TemporaryDir(), ec);
  fs::remove(target.path + "/_temporary", ec);  // only when empty
  return result;
}

}  // namespace acequia::importer
