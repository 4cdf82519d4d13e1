#include "importer/format/tsv_writer.h"

namespace acequia::importer {

void TsvWriter::Append(std::optional<std::string_view> value) {
  if (column_++ > 0) file_.Append('\t');
  if (!value) {
    file_.Append("\\N");
    return;
  }
  size_t start = 0;
  std::string_view v = *value;
  for (size_t i = 0; i < v.size(); ++i) {
    char escaped = 0;
    switch (v[i]) {
      case '\\':
        escaped = '\\';
        break;
      case '\t':
        escaped = 't';
        break;
      case '\n':
        escaped = 'n';
        break;
      case '\r':
        escaped = 'r';
        break;
      case '\b':
        escaped = 'b';
        break;
      case '\f':
        escaped = 'f';
        break;
      case '\v':
        escaped = 'v';
        break;
      default:
        continue;
    }
    file_.Append(v.substr(start, i - start));
    file_.Append('\\');
    file_.Append(escaped);
    start = i + 1;
  }
  file_.Append(v.substr(start));
}

Status TsvWriter::EndRow() {
  file_.Append('\n');
  ++rows_;
  return file_.MaybeFlush();
}

}  // namespace acequia::importer
