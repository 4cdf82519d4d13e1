#include "importer/format/csv_writer.h"

namespace acequia::importer {

void CsvWriter::Append(std::optional<std::string_view> value) {
  if (column_++ > 0) file_.Append(options_.delimiter);
  if (!value) {
    file_.Append(options_.null_string);
    return;
  }
  std::string_view v = *value;
  bool quote = v == options_.null_string || (column_count_ == 1 && v == "\\.");
  for (size_t i = 0; !quote && i < v.size(); ++i) {
    char c = v[i];
    quote = c == options_.delimiter || c == options_.quote || c == '\n' || c == '\r';
  }
  if (!quote) {
    file_.Append(v);
    return;
  }
  file_.Append(options_.quote);
  size_t start = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == options_.quote || v[i] == options_.escape) {
      file_.Append(v.substr(start, i - start));
      file_.Append(options_.escape);
      start = i;
    }
  }
  file_.Append(v.substr(start));
  file_.Append(options_.quote);
}

Status CsvWriter::EndRow() {
  file_.Append('\n');
  ++rows_;
  return file_.MaybeFlush();
}

}  // namespace acequia::importer
