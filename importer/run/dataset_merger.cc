#include "importer/run/dataset_merger.h"

#include <algorithm>
#include <filesystem>
#include <unordered_map>

#include "importer/format/output_file.h"
#include "importer/format/record_reader.h"
#include "importer/run/target_layout.h"

namespace acequia::importer {

namespace fs = std::filesystem;

Result<MergeResult> MergeByKey(const api::ImportJob& job, const ImportPlan& plan,
                               const std::set<std::string>& ours) {
  const auto& target = job.spec.target;
  const std::string& key = job.spec.incremental.merge_key;
  MergeResult result;
  std::vector<std::string> earlier;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(target.path, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("part-", 0) == 0 && !ours.count(name)) earlier.push_back(name);
  }
  if (ec) return Status::IoError("reading " + target.path + ": " + ec.message());
  if (earlier.empty()) return result;  // a first run: nothing to merge into
  if (target.format == "avro") {
    return Status::InvalidArgument("merging a lastModified import is not supported for avro yet");
  }
  std::sort(earlier.begin(), earlier.end());
  RecordReader reader(target, plan.columns);

  // This run's rows by key; the contents stay alive for the views.
  std::vector<std::string> new_contents;
  std::unordered_map<std::string, std::string_view> latest;
  std::vector<std::string> order;
  for (const auto& name : ours) {
    auto content = ReadDecompressed(target.path + "/" + name);
    if (!content.ok()) return content.status();
    new_contents.push_back(std::move(content).value());
    auto records = reader.Records(new_contents.back());
    if (!records.ok()) return records.status().Annotate(name);
    for (auto record : *records) {
      auto k = reader.Field(record, key);
      if (!k.ok()) return k.status().Annotate("mergeKey " + key + " in " + name);
      if (latest.emplace(*k, record).second)
        order.push_back(*k);
      else
        latest[*k] = record;
    }
  }

  TargetLayout layout(target, plan.run_id);
  result.file = "part-" + plan.run_id + "-merged." + target.FileExtension();
  const std::string temporary = layout.TemporaryDir() + "/" + result.file;
  fs::create_directories(layout.TemporaryDir(), ec);
  auto compression = ParseCompression(target.compression);
  if (!compression.ok()) return compression.status();
  auto out = OutputFile::Create(temporary, *compression);
  if (!out.ok()) return out.status();
  for (const auto& name : earlier) {
    auto content = ReadDecompressed(target.path + "/" + name);
    if (!content.ok()) return content.status();
    auto records = reader.Records(*content);
    if (!records.ok()) return records.status().Annotate(name);
    for (auto record : *records) {
      auto k = reader.Field(record, key);
      if (!k.ok()) return k.status().Annotate("mergeKey " + key + " in " + name);
      if (latest.count(*k)) {
        ++result.replaced;
        continue;
      }
      (*out)->Append(record);
      ++result.rows;
      if (Status s = (*out)->MaybeFlush(); !s.ok()) return s;
    }
  }
  for (const auto& k : order) {
    (*out)->Append(latest[k]);
    ++result.rows;
    if (Status s = (*out)->MaybeFlush(); !s.ok()) return s;
  }
  if (Status s = (*out)->Close(); !s.ok()) return s;
  result.bytes = (*out)->bytes_written();
  if (Status s = RenameDurably(temporary, target.path + "/" + result.file); !s.ok()) return s;
  for (const auto& name : earlier) fs::remove(target.path + "/" + name, ec);
  for (const auto& name : ours) fs::remove(target.path + "/" + name, ec);
  return result;
}

}  // namespace acequia::importer
