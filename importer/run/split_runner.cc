#include "importer/run/split_runner.h"

#include <chrono>
#include <filesystem>

#include "importer/format/record_writer.h"

namespace acequia::importer {

Result<SplitResult> SplitRunner::Run(int split) {
  const auto start = std::chrono::steady_clock::now();
  if (split < 0 || split >= static_cast<int>(plan_.splits.size())) {
    return Status::InvalidArgument("split " + std::to_string(split) +
                                   " is not in the plan (it has " +
                                   std::to_string(plan_.splits.size()) + " splits)");
  }
  const auto& target = job_.spec.target;
  TargetLayout layout(target, plan_.run_id);
  std::error_code ec;
  std::filesystem::create_directories(layout.TemporaryDir(), ec);
  if (ec) {
    return Status::IoError("target " + target.path + " is not writable: cannot create " +
                           layout.TemporaryDir() + ": " + ec.message());
  }
  // Avro compresses inside its blocks (its codec); the file itself is written as is.
  auto compression = ParseCompression(target.format == "avro" ? "none" : target.compression);
  if (!compression.ok()) return compression.status();
  auto file = OutputFile::Create(layout.TemporaryPart(split), *compression);
  if (!file.ok()) return file.status().Annotate("target " + target.path + " is not writable");
  const std::string sql = SelectFor(job_.spec, db_.dialect(), plan_, split);

  SplitResult result;
  result.split = split;
  const bool text = target.format == "csv" || target.format == "tsv";
  if (db_.SupportsCopy() && text) {
    CopyCsvOptions options;
    options.text_format = target.format == "tsv";
    options.delimiter = target.csv.delimiter;
    options.quote = target.csv.quote;
    options.escape = target.csv.escape;
    options.null_string = target.csv.null_string;
    OutputFile& out = **file;
    auto rows = db_.CopyOut(sql, options, [&out](std::string_view chunk) {
      out.Append(chunk);
      return out.MaybeFlush();
    });
    if (!rows.ok()) return rows.status().Annotate("split " + std::to_string(split));
    result.rows = *rows;
    if (Status s = out.Close(); !s.ok()) return s;
  } else {
    auto stream = db_.Stream(sql);
    if (!stream.ok()) return stream.status().Annotate("split " + std::to_string(split));
    auto writer = MakeRecordWriter(target, (*stream)->columns(), **file);
    if (!writer.ok()) return writer.status();
    RowView row;
    while (true) {
      auto more = (*stream)->Next(&row);
      if (!more.ok()) return more.status().Annotate("split " + std::to_string(split));
      if (!*more) break;
      (*writer)->BeginRow();
      for (const auto& v : row) (*writer)->Append(v);
      if (Status s = (*writer)->EndRow(); !s.ok()) return s;
    }
    result.rows = (*writer)->rows();
    if (Status s = (*writer)->Close(); !s.ok()) return s;
  }
  result.bytes = (*file)->bytes_written();
  result.last_value = plan_.NextLastValue();
  result.file = layout.PartName(split);
  if (Status s = RenameDurably(layout.TemporaryPart(split), layout.Part(split)); !s.ok()) return s;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (Status s = WriteFileAtomically(layout.SplitResultFile(split), result.ToJson()); !s.ok()) {
    return s;
  }
  return result;
}

}  // namespace acequia::importer
