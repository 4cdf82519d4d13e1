#include "importer/run/dataset_merger.h"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <unordered_map>

#include "importer/format/avro_reader.h"
#include "importer/format/avro_writer.h"
#include "importer/format/output_file.h"
#include "importer/format/record_reader.h"
#include "importer/run/target_layout.h"

namespace acequia::importer {

namespace fs = std::filesystem;

namespace {

// The avro flavour: records are compared by the encoded bytes of the key field and copied
// between files without decoding.
Result<MergeResult> MergeAvro(const api::ImportJob& job, const ImportPlan& plan,
                              const std::set<std::string>& ours,
                              const std::vector<std::string>& earlier) {
  const auto& target = job.spec.target;
  const std::string& key = job.spec.incremental.merge_key;
  auto it = std::find(plan.columns.begin(), plan.columns.end(), key);
  if (it == plan.columns.end()) {
    return Status::InvalidArgument("mergeKey " + key + " is not a column of the import");
  }
  const size_t key_index = static_cast<size_t>(it - plan.columns.begin());
  MergeResult result;
  // This run's records by key; the files stay alive for the views.
  std::vector<std::unique_ptr<AvroFile>> new_files;
  std::unordered_map<std::string_view, std::string_view> latest;
  std::vector<std::string_view> order;
  std::string schema;
  for (const auto& name : ours) {
    new_files.push_back(std::make_unique<AvroFile>());
    AvroFile& file = *new_files.back();
    if (Status s = ReadAvroFile(target.path + "/" + name, &file); !s.ok()) return s;
    if (schema.empty()) schema = file.schema;
    for (auto record : file.records) {
      auto k = AvroField(file, record, key_index);
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
  std::error_code ec;
  fs::create_directories(layout.TemporaryDir(), ec);
  auto out = OutputFile::Create(temporary, Compression::kNone);
  if (!out.ok()) return out.status();
  std::unique_ptr<AvroWriter> writer;
  for (const auto& name : earlier) {
    AvroFile file;
    if (Status s = ReadAvroFile(target.path + "/" + name, &file); !s.ok()) return s;
    if (schema.empty()) schema = file.schema;
    if (file.schema != schema) {
      return Status::InvalidArgument(name + ": its avro schema differs from this run's; cannot " +
                                     "merge (the columns changed?)");
    }
    if (!writer) {
      auto w = AvroWriter::ForEncodedRecords(schema, target.compression, **out);
      if (!w.ok()) return w.status();
      writer = std::move(w).value();
    }
    for (auto record : file.records) {
      auto k = AvroField(file, record, key_index);
      if (!k.ok()) return k.status().Annotate("mergeKey " + key + " in " + name);
      if (latest.count(*k)) {
        ++result.replaced;
        continue;
      }
      if (Status s = writer->AppendEncoded(record); !s.ok()) return s;
      ++result.rows;
    }
  }
  for (const auto& k : order) {
    if (Status s = writer->AppendEncoded(latest[k]); !s.ok()) return s;
    ++result.rows;
  }
  if (Status s = writer->Close(); !s.ok()) return s;
  result.bytes = (*out)->bytes_written();
  if (Status s = RenameDurably(temporary, target.path + "/" + result.file); !s.ok()) return s;
  for (const auto& name : earlier) fs::remove(target.path + "/" + name, ec);
  for (const auto& name : ours) fs::remove(target.path + "/" + name, ec);
  return result;
}

}  // namespace

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
  std::sort(earlier.begin(), earlier.end());
  if (target.format == "avro") return MergeAvro(job, plan, ours, earlier);
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
