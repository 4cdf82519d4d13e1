#include "importer/export/exporter.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "importer/db/dialect.h"
#include "importer/format/record_reader.h"

namespace acequia::importer {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Row = std::vector<std::optional<std::string>>;

constexpr const char* kStage = "acequia_export_stage";
constexpr size_t kInsertBatch = 500;

std::string_view StripTerminator(std::string_view record) {
  if (!record.empty() && record.back() == '\n') record.remove_suffix(1);
  if (!record.empty() && record.back() == '\r') record.remove_suffix(1);
  return record;
}

Result<Row> ParseCsv(const api::CsvOptions& o, std::string_view record) {
  record = StripTerminator(record);
  Row row;
  std::string value;
  bool quoted = false;
  bool was_quoted = false;
  for (size_t i = 0; i <= record.size(); ++i) {
    if (i == record.size() || (!quoted && record[i] == o.delimiter)) {
      if (quoted) return Status::InvalidArgument("unterminated quoted value");
      if (!was_quoted && value == o.null_string)
        row.emplace_back(std::nullopt);
      else
        row.emplace_back(std::move(value));
      value.clear();
      was_quoted = false;
      continue;
    }
    const char c = record[i];
    if (quoted && c == o.escape && i + 1 < record.size() &&
        (record[i + 1] == o.quote || record[i + 1] == o.escape) &&
        (o.escape != o.quote || record[i + 1] == o.quote)) {
      value += record[++i];
      continue;
    }
    if (c == o.quote) {
      quoted = !quoted;
      was_quoted = true;
      continue;
    }
    value += c;
  }
  return row;
}

Result<Row> ParseTsv(std::string_view record) {
  record = StripTerminator(record);
  Row row;
  size_t start = 0;
  while (true) {
    size_t tab = record.find('\t', start);
    std::string_view field =
        record.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start);
    if (field == "\\N") {
      row.emplace_back(std::nullopt);
    } else {
      std::string value;
      for (size_t i = 0; i < field.size(); ++i) {
        if (field[i] != '\\' || i + 1 == field.size()) {
          value += field[i];
          continue;
        }
        switch (field[++i]) {
          case 'n':
            value += '\n';
            break;
          case 't':
            value += '\t';
            break;
          case 'r':
            value += '\r';
            break;
          case 'b':
            value += '\b';
            break;
          case 'f':
            value += '\f';
            break;
          case 'v':
            value += '\v';
            break;
          default:
            value += field[i];
            break;
        }
      }
      row.emplace_back(std::move(value));
    }
    if (tab == std::string_view::npos) break;
    start = tab + 1;
  }
  return row;
}

// Top-level values of one JSON object, scalars as written (numbers keep every digit).
class TopLevelSax : public nlohmann::json_sax<json> {
 public:
  std::map<std::string, std::optional<std::string>> values;
  std::set<std::string> nested;
  std::set<std::string> strings;  // keys whose value is a JSON string
  std::string error;

  bool null() override { return Scalar(std::nullopt); }
  bool boolean(bool v) override { return Scalar(v ? "true" : "false"); }
  bool number_integer(number_integer_t v) override { return Scalar(std::to_string(v)); }
  bool number_unsigned(number_unsigned_t v) override { return Scalar(std::to_string(v)); }
  bool number_float(number_float_t, const string_t& s) override { return Scalar(s); }
  bool string(string_t& v) override {
    if (depth_ == 1) strings.insert(key_);
    return Scalar(v);
  }
  bool binary(binary_t&) override { return Scalar(std::nullopt); }
  bool start_object(std::size_t) override { return Open(); }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override {
    if (depth_ == 0) return Fail("a record must be a JSON object");
    return Open();
  }
  bool end_array() override { return Close(); }
  bool key(string_t& k) override {
    if (depth_ == 1) key_ = k;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    return Fail(std::string("invalid JSON line: ") + e.what());
  }

 private:
  bool Fail(std::string message) {
    error = std::move(message);
    return false;
  }
  bool Open() {
    if (depth_ == 1) nested.insert(key_);
    ++depth_;
    return true;
  }
  bool Close() {
    --depth_;
    return true;
  }
  bool Scalar(std::optional<std::string> v) {
    if (depth_ == 0) return Fail("a record must be a JSON object");
    if (depth_ == 1) values[key_] = std::move(v);
    return true;
  }
  int depth_ = 0;
  std::string key_;
};

Result<Row> ParseJsonLine(const std::vector<std::string>& columns,
                          const std::vector<bool>* json_columns, std::string_view record) {
  record = StripTerminator(record);
  TopLevelSax sax;
  if (!json::sax_parse(record, &sax)) {
    return Status::InvalidArgument(sax.error.empty() ? "invalid JSON line" : sax.error);
  }
  std::optional<json> whole;
  Row row;
  for (size_t i = 0; i < columns.size(); ++i) {
    const std::string& c = columns[i];
    if (sax.nested.count(c)) {
      if (!whole) whole = json::parse(record);
      row.emplace_back((*whole)[c].dump());
      continue;
    }
    auto it = sax.values.find(c);
    if (it == sax.values.end()) return Status::InvalidArgument("no field \"" + c + "\"");
    if (json_columns && i < json_columns->size() && (*json_columns)[i] && sax.strings.count(c)) {
      row.emplace_back(json(*it->second).dump());  // a json column holding a JSON string
      continue;
    }
    row.push_back(it->second);
  }
  if (sax.values.size() + sax.nested.size() != columns.size()) {
    return Status::InvalidArgument(
        "the object has " + std::to_string(sax.values.size() + sax.nested.size()) +
        " fields, the table export expects " + std::to_string(columns.size()));
  }
  return row;
}

// PostgreSQL COPY text format of one value.
void AppendCopyText(const std::optional<std::string>& v, std::string* out) {
  if (!v) {
    *out += "\\N";
    return;
  }
  for (char c : *v) {
    switch (c) {
      case '\\':
        *out += "\\\\";
        break;
      case '\t':
        *out += "\\t";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      default:
        *out += c;
        break;
    }
  }
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A value as an SQL literal for a batched INSERT (MariaDB, SQLite).
std::string Literal(Dialect d, const Column& column, const std::optional<std::string>& v) {
  if (!v) return "NULL";
  if (column.kind == ValueKind::kBytes && v->size() >= 2 && (*v)[0] == '\\' && (*v)[1] == 'x' &&
      v->size() % 2 == 0 &&
      std::all_of(v->begin() + 2, v->end(), [](char c) { return HexDigit(c) >= 0; })) {
    return "X'" + v->substr(2) + "'";
  }
  if (column.kind == ValueKind::kBoolean || column.type_name.starts_with("tinyint(1)")) {
    if (*v == "true" || *v == "t") return "1";
    if (*v == "false" || *v == "f") return "0";
  }
  return QuoteLiteral(d, *v);
}

std::string Join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

}  // namespace

std::string ExportResult::ToJson() const {
  return json{{"phase", "export"}, {"rows", rows}, {"files", files}}.dump();
}

Result<Row> ParseRecord(const api::ImportTarget& target, const std::vector<std::string>& columns,
                        std::string_view record, const std::vector<bool>* json_columns) {
  Result<Row> row = target.format == "csv"   ? ParseCsv(target.csv, record)
                    : target.format == "tsv" ? ParseTsv(record)
                    : target.format == "jsonl"
                        ? ParseJsonLine(columns, json_columns, record)
                        : Result<Row>(Status::InvalidArgument("export cannot read format " +
                                                              target.format + " yet"));
  if (!row.ok()) return row;
  if (row->size() != columns.size()) {
    return Status::InvalidArgument("the record has " + std::to_string(row->size()) +
                                   " fields, expected " + std::to_string(columns.size()));
  }
  return row;
}

Result<ExportResult> Exporter::Run() {
  const api::ImportJobSpec& spec = job_.spec;
  const api::ImportTarget& target = spec.target;
  const Dialect d = db_.dialect();
  if (spec.source.table.empty()) {
    return Status::InvalidArgument("export needs spec.source.table (the table to load)");
  }
  if (target.format == "avro") {
    return Status::InvalidArgument("export cannot read avro files yet");
  }
  auto table_columns = db_.DescribeTable(spec.source.table);
  if (!table_columns.ok()) return table_columns.status();
  if (table_columns->empty()) {
    return Status::NotFound("table \"" + spec.source.table + "\" does not exist");
  }
  std::vector<Column> columns;
  if (spec.source.columns.empty()) {
    columns = *table_columns;
  } else {
    for (const auto& name : spec.source.columns) {
      auto it = std::find_if(table_columns->begin(), table_columns->end(),
                             [&](const Column& c) { return c.name == name; });
      if (it == table_columns->end()) {
        return Status::NotFound("table \"" + spec.source.table + "\" has no column \"" + name +
                                "\"");
      }
      columns.push_back(*it);
    }
  }
  std::vector<std::string> names;
  std::vector<std::string> quoted;
  std::vector<bool> json_columns;
  for (const auto& c : columns) {
    names.push_back(c.name);
    json_columns.push_back(c.kind == ValueKind::kJson);
    quoted.push_back(QuoteIdentifierPart(d, c.name));
  }
  std::vector<std::string> key_quoted;
  for (const auto& k : options_.update_key) {
    if (std::find(names.begin(), names.end(), k) == names.end()) {
      return Status::InvalidArgument("update key \"" + k + "\" is not an exported column");
    }
    key_quoted.push_back(QuoteIdentifierPart(d, k));
  }

  // The part files, in name order.
  const std::string dir = options_.from_dir.empty() ? target.path : options_.from_dir;
  const std::string suffix = "." + target.FileExtension();
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (e.is_regular_file() && name.starts_with("part-") && name.ends_with(suffix)) {
      files.push_back(e.path().string());
    }
  }
  if (ec) return Status::IoError("cannot list " + dir + ": " + ec.message());
  std::sort(files.begin(), files.end());

  auto exec = [&](const std::string& sql) -> Status {
    auto r = db_.QueryAll(sql, nullptr);
    return r.ok() ? Status::Ok() : r.status();
  };
  const std::string table = QuoteIdentifier(d, spec.source.table);
  const std::string stage = QuoteIdentifierPart(d, kStage);
  const std::string cols = Join(quoted, ", ");
  std::vector<std::string> updates;
  for (size_t i = 0; i < quoted.size(); ++i) {
    if (std::find(options_.update_key.begin(), options_.update_key.end(), names[i]) !=
        options_.update_key.end()) {
      continue;
    }
    if (d == Dialect::kPostgresql) updates.push_back(quoted[i] + " = EXCLUDED." + quoted[i]);
    if (d == Dialect::kSqlite) updates.push_back(quoted[i] + " = excluded." + quoted[i]);
    if (d == Dialect::kMariadb) updates.push_back(quoted[i] + " = VALUES(" + quoted[i] + ")");
  }
  std::string merge = "INSERT INTO " + table + " (" + cols + ") SELECT " + cols + " FROM " + stage;
  if (!key_quoted.empty()) {
    if (d == Dialect::kMariadb) {
      merge += " ON DUPLICATE KEY UPDATE " +
               (updates.empty() ? quoted[0] + " = " + quoted[0] : Join(updates, ", "));
    } else {
      if (d == Dialect::kSqlite) merge += " WHERE true";
      merge += " ON CONFLICT (" + Join(key_quoted, ", ") + ") DO " +
               (updates.empty() ? "NOTHING" : "UPDATE SET " + Join(updates, ", "));
    }
  }

  // Staging: PostgreSQL and SQLite stage inside the transaction; MariaDB stages in a temporary
  // table (its DDL commits implicitly) and opens the transaction for the merge only.
  std::vector<std::string> begin;
  if (d == Dialect::kPostgresql) {
    begin = {"BEGIN", "CREATE TEMP TABLE " + stage + " (LIKE " + table +
                          " INCLUDING DEFAULTS) ON COMMIT DROP"};
  } else if (d == Dialect::kSqlite) {
    begin = {"BEGIN",
             "CREATE TEMP TABLE " + stage + " AS SELECT " + cols + " FROM " + table + " WHERE 0"};
  } else {
    begin = {"DROP TEMPORARY TABLE IF EXISTS " + stage,
             "CREATE TEMPORARY TABLE " + stage + " LIKE " + table};
  }
  bool in_transaction = false;
  auto fail = [&](Status s) -> Status {
    if (in_transaction) (void)exec("ROLLBACK");
    if (d == Dialect::kMariadb) (void)exec("DROP TEMPORARY TABLE IF EXISTS " + stage);
    return s;
  };
  for (const auto& sql : begin) {
    if (Status s = exec(sql); !s.ok()) return fail(s);
    if (sql == "BEGIN") in_transaction = true;
  }

  ExportResult result;
  const bool direct_copy =
      d == Dialect::kPostgresql && (target.format == "csv" || target.format == "tsv");
  std::string copy_sql = "COPY " + stage + " (" + cols + ") FROM STDIN WITH (FORMAT ";
  if (target.format == "csv") {
    copy_sql += "csv, DELIMITER " + QuoteLiteral(d, std::string(1, target.csv.delimiter)) +
                ", QUOTE " + QuoteLiteral(d, std::string(1, target.csv.quote)) + ", ESCAPE " +
                QuoteLiteral(d, std::string(1, target.csv.escape)) + ", NULL " +
                QuoteLiteral(d, target.csv.null_string) + ")";
  } else {
    copy_sql += "text)";
  }
  RecordReader reader(target, names);
  for (const auto& file : files) {
    auto content = ReadDecompressed(file);
    if (!content.ok()) return fail(content.status());
    if (direct_copy) {
      auto rows = db_.CopyIn(copy_sql, *content);
      if (!rows.ok()) return fail(Status::InvalidArgument(file + ": " + rows.status().message()));
      result.rows += *rows;
      ++result.files;
      continue;
    }
    auto records = reader.Records(*content);
    if (!records.ok())
      return fail(Status::InvalidArgument(file + ": " + records.status().message()));
    std::string copy_data;
    std::string insert;
    size_t batched = 0;
    auto flush = [&]() -> Status {
      if (batched == 0) return Status::Ok();
      batched = 0;
      Status s = exec(insert);
      insert.clear();
      return s;
    };
    for (size_t r = 0; r < records->size(); ++r) {
      auto row = ParseRecord(target, names, (*records)[r], &json_columns);
      if (!row.ok()) {
        return fail(Status::InvalidArgument(file + ": record " + std::to_string(r + 1) + ": " +
                                            row.status().message()));
      }
      ++result.rows;
      if (d == Dialect::kPostgresql) {
        for (size_t i = 0; i < row->size(); ++i) {
          if (i) copy_data += '\t';
          AppendCopyText((*row)[i], &copy_data);
        }
        copy_data += '\n';
        continue;
      }
      insert += batched == 0 ? "INSERT INTO " + stage + " (" + cols + ") VALUES (" : ", (";
      for (size_t i = 0; i < row->size(); ++i) {
        insert += (i ? ", " : "") + Literal(d, columns[i], (*row)[i]);
      }
      insert += ")";
      if (++batched == kInsertBatch) {
        if (Status s = flush(); !s.ok())
          return fail(Status::InvalidArgument(file + ": " + s.message()));
      }
    }
    if (Status s = flush(); !s.ok())
      return fail(Status::InvalidArgument(file + ": " + s.message()));
    if (d == Dialect::kPostgresql && !copy_data.empty()) {
      std::string text_copy = "COPY " + stage + " (" + cols + ") FROM STDIN WITH (FORMAT text)";
      auto rows = db_.CopyIn(text_copy, copy_data);
      if (!rows.ok()) return fail(Status::InvalidArgument(file + ": " + rows.status().message()));
    }
    ++result.files;
  }

  if (d == Dialect::kMariadb) {
    if (Status s = exec("START TRANSACTION"); !s.ok()) return fail(s);
    in_transaction = true;
  }
  if (Status s = exec(merge); !s.ok()) return fail(s);
  if (d == Dialect::kSqlite) {
    if (Status s = exec("DROP TABLE temp." + stage); !s.ok()) return fail(s);
  }
  if (Status s = exec("COMMIT"); !s.ok()) return fail(s);
  in_transaction = false;
  if (d == Dialect::kMariadb) (void)exec("DROP TEMPORARY TABLE IF EXISTS " + stage);
  return result;
}

}  // namespace acequia::importer
