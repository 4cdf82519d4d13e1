// The one interface every source database driver implements (SQLite, PostgreSQL, MariaDB/MySQL).
// A Database is one connection; it is used by one thread at a time (each split opens its own).
// A RowStream borrows its Database: the Database must outlive every stream it returned, and only
// one stream per Database may be open at a time. Values handed out by a stream stay valid until
// the next call to Next().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "importer/db/dialect.h"

namespace acequia::importer {

// The family of a column's type: what a writer and the split planner need to know.
enum class ValueKind {
  kInteger,  // smallint, int, bigint
  kDecimal,  // numeric/decimal: exact, written as text
  kFloat,    // real, double
  kBoolean,
  kDate,
  kTimestamp,    // without time zone
  kTimestampTz,  // with time zone
  kTime,
  kText,   // char, varchar, text, and anything without a closer match
  kBytes,  // bytea, blob
  kJson,   // json, jsonb: written as JSON in JSON lines
  kUuid,
  kArray,
  kOther,
};

std::string_view ValueKindName(ValueKind kind);

struct Column {
  std::string name;
  std::string type_name;  // as the database names it: "int8", "numeric", "varchar(20)"…
  ValueKind kind = ValueKind::kText;
  bool nullable = true;
};

// A row of a result: one entry per column; nullopt is SQL NULL. The text of a value is the
// database's own text rendering (PostgreSQL's output functions, MariaDB's text protocol,
// SQLite's text conversion; bytes as PostgreSQL's hex "\x…" for PostgreSQL and raw otherwise).
using RowView = std::vector<std::optional<std::string_view>>;

class RowStream {
 public:
  virtual ~RowStream() = default;
  virtual const std::vector<Column>& columns() const = 0;
  // Fills `row` with the next row; false at the end of the result.
  [[nodiscard]] virtual Result<bool> Next(RowView* row) = 0;
};

struct CopyCsvOptions {
  char delimiter = ',';
  char quote = '"';
  char escape = '"';
  std::string null_string;
  bool text_format = false;  // PostgreSQL's text format (TSV with \N and backslash escapes)
};

class Database {
 public:
  virtual ~Database() = default;

  virtual Dialect dialect() const = 0;
  // Tables of the current database/schema, sorted.
  [[nodiscard]] virtual Result<std::vector<std::string>> ListTables() = 0;
  // The columns of a table, in table order; NotFound when the table does not exist.
  [[nodiscard]] virtual Result<std::vector<Column>> DescribeTable(const std::string& table) = 0;
  // The columns a query returns, without reading its rows.
  [[nodiscard]] virtual Result<std::vector<Column>> DescribeQuery(const std::string& sql) = 0;
  // Runs `sql` and returns every row as text (small results: boundaries, eval).
  [[nodiscard]] virtual Result<std::vector<std::vector<std::optional<std::string>>>> QueryAll(
      const std::string& sql, std::vector<Column>* columns = nullptr) = 0;
  // Streams the rows of `sql` without holding the whole result in memory.
  [[nodiscard]] virtual Result<std::unique_ptr<RowStream>> Stream(const std::string& sql) = 0;
  // PostgreSQL only: COPY (sql) TO STDOUT, handing each chunk of CSV/text to `sink`. Other
  // drivers return kInvalidArgument; ask SupportsCopy() first.
  virtual bool SupportsCopy() const { return false; }
  [[nodiscard]] virtual Result<int64_t> CopyOut(
      const std::string& sql, const CopyCsvOptions& options,
      const std::function<Status(std::string_view)>& sink) {
    (void)sql;
    (void)options;
    (void)sink;
    return Status::InvalidArgument("COPY is only supported by the postgresql driver");
  }
  // PostgreSQL only: runs `copy_sql` (a COPY … FROM STDIN) and sends it `data`; the server's
  // error (with its line number) when a row is refused. Returns the rows loaded.
  [[nodiscard]] virtual Result<int64_t> CopyIn(const std::string& copy_sql, std::string_view data) {
    (void)copy_sql;
    (void)data;
    return Status::InvalidArgument("COPY is only supported by the postgresql driver");
  }
};

}  // namespace acequia::importer
