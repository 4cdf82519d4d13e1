#include "importer/db/sqlite_database.h"

#include <algorithm>
#include <filesystem>

#include "importer/db/hex_bytes.h"

namespace acequia::importer {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::vector<Column> ColumnsOf(sqlite3_stmt* stmt) {
  std::vector<Column> columns;
  int n = sqlite3_column_count(stmt);
  for (int i = 0; i < n; ++i) {
    Column c;
    c.name = sqlite3_column_name(stmt, i);
    const char* decl = sqlite3_column_decltype(stmt, i);
    c.type_name = decl ? decl : "";
    c.kind = SqliteKindOf(c.type_name);
    columns.push_back(std::move(c));
  }
  return columns;
}

class SqliteRowStream : public RowStream {
 public:
  SqliteRowStream(sqlite3* db, sqlite3_stmt* stmt)
      : db_(db), stmt_(stmt), columns_(ColumnsOf(stmt)), scratch_(columns_.size()) {}
  ~SqliteRowStream() override { sqlite3_finalize(stmt_); }
  const std::vector<Column>& columns() const override { return columns_; }

  Result<bool> Next(RowView* row) override {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_DONE) return false;
    if (rc != SQLITE_ROW) return Status::IoError(std::string("sqlite: ") + sqlite3_errmsg(db_));
    const int n = static_cast<int>(columns_.size());
    row->resize(n);
    for (int i = 0; i < n; ++i) {
      int type = sqlite3_column_type(stmt_, i);
      if (type == SQLITE_NULL) {
        (*row)[i] = std::nullopt;
      } else if (type == SQLITE_BLOB) {
        const void* p = sqlite3_column_blob(stmt_, i);
        int len = sqlite3_column_bytes(stmt_, i);
        HexBytes(std::string_view(static_cast<const char*>(p ? p : ""), len), &scratch_[i]);
        (*row)[i] = scratch_[i];
      } else {
        const unsigned char* p = sqlite3_column_text(stmt_, i);
        int len = sqlite3_column_bytes(stmt_, i);
        (*row)[i] = std::string_view(
            reinterpret_cast<const char*>(p ? p : reinterpret_cast<const unsigned char*>("")), len);
      }
    }
    return true;
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  std::vector<Column> columns_;
  std::vector<std::string> scratch_;  // hex renderings of blobs
};

}  // namespace

ValueKind SqliteKindOf(std::string_view declared_type) {
  std::string t = Lower(declared_type);
  auto has = [&](const char* s) { return t.find(s) != std::string::npos; };
  if (has("int")) return ValueKind::kInteger;
  if (has("bool")) return ValueKind::kBoolean;
  if (has("timestamp") || has("datetime")) return ValueKind::kTimestamp;
  if (has("date")) return ValueKind::kDate;
  if (has("char") || has("clob") || has("text")) return ValueKind::kText;
  if (has("blob") || t.empty()) return t.empty() ? ValueKind::kOther : ValueKind::kBytes;
  if (has("real") || has("floa") || has("doub")) return ValueKind::kFloat;
  if (has("num") || has("dec")) return ValueKind::kDecimal;
  if (has("json")) return ValueKind::kJson;
  return ValueKind::kDecimal;  // SQLite's NUMERIC affinity
}

Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::Open(const std::string& path,
                                                             bool writable) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Status::NotFound("sqlite database " + path + " does not exist");
  }
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db,
      (writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY) | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status::Unavailable("cannot open sqlite database " + path + ": " + message);
  }
  sqlite3_busy_timeout(db, 10000);
  return std::unique_ptr<SqliteDatabase>(new SqliteDatabase(db));
}

SqliteDatabase::~SqliteDatabase() { sqlite3_close(db_); }

Result<sqlite3_stmt*> SqliteDatabase::Prepare(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = sqlite3_errmsg(db_);
    sqlite3_finalize(stmt);
    if (message.find("no such table") != std::string::npos ||
        message.find("no such column") != std::string::npos) {
      return Status::NotFound("sqlite: " + message);
    }
    return Status::InvalidArgument("sqlite: " + message);
  }
  if (stmt == nullptr) return Status::InvalidArgument("sqlite: empty statement");
  return stmt;
}

Result<std::vector<std::string>> SqliteDatabase::ListTables() {
  auto rows = QueryAll(
      "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE "
      "'sqlite_%' ORDER BY name",
      nullptr);
  if (!rows.ok()) return rows.status();
  std::vector<std::string> out;
  for (auto& r : *rows) out.push_back(r[0].value_or(""));
  return out;
}

Result<std::vector<Column>> SqliteDatabase::DescribeTable(const std::string& table) {
  auto rows = QueryAll("SELECT name, type, \"notnull\" FROM pragma_table_info(" +
                           QuoteLiteral(Dialect::kSqlite, table) + ")",
                       nullptr);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return Status::NotFound("table \"" + table + "\" does not exist");
  std::vector<Column> out;
  for (auto& r : *rows) {
    Column c;
    c.name = r[0].value_or("");
    c.type_name = r[1].value_or("");
    c.kind = SqliteKindOf(c.type_name);
    c.nullable = r[2].value_or("0") == "0";
    out.push_back(std::move(c));
  }
  return out;
}

Result<std::vector<Column>> SqliteDatabase::DescribeQuery(const std::string& sql) {
  auto stmt = Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  auto columns = ColumnsOf(*stmt);
  sqlite3_finalize(*stmt);
  return columns;
}

Result<std::vector<std::vector<std::optional<std::string>>>> SqliteDatabase::QueryAll(
    const std::string& sql, std::vector<Column>* columns) {
  auto stream = Stream(sql);
  if (!stream.ok()) return stream.status();
  if (columns) *columns = (*stream)->columns();
  std::vector<std::vector<std::optional<std::string>>> out;
  RowView row;
  while (true) {
    auto more = (*stream)->Next(&row);
    if (!more.ok()) return more.status();
    if (!*more) break;
    std::vector<std::optional<std::string>> copy;
    for (auto& v : row)
      copy.push_back(v ? std::optional<std::string>(std::string(*v)) : std::nullopt);
    out.push_back(std::move(copy));
  }
  return out;
}

Result<std::unique_ptr<RowStream>> SqliteDatabase::Stream(const std::string& sql) {
  auto stmt = Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  return std::unique_ptr<RowStream>(new SqliteRowStream(db_, *stmt));
}

}  // namespace acequia::importer
