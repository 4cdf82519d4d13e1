#include "importer/db/mariadb_database.h"

#include <errmsg.h>
#include <mysqld_error.h>

#include "importer/db/hex_bytes.h"

namespace acequia::importer {
namespace {

ValueKind KindOf(const MYSQL_FIELD& f) {
  switch (f.type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_YEAR:
      return ValueKind::kInteger;
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_NEWDECIMAL:
      return ValueKind::kDecimal;
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE:
      return ValueKind::kFloat;
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE:
      return ValueKind::kDate;
    case MYSQL_TYPE_DATETIME:
    case MYSQL_TYPE_TIMESTAMP:
      return ValueKind::kTimestamp;
    case MYSQL_TYPE_TIME:
      return ValueKind::kTime;
    case MYSQL_TYPE_JSON:
      return ValueKind::kJson;
    case MYSQL_TYPE_BIT:
      return ValueKind::kBytes;
    case MYSQL_TYPE_TINY_BLOB:
    case MYSQL_TYPE_MEDIUM_BLOB:
    case MYSQL_TYPE_LONG_BLOB:
    case MYSQL_TYPE_BLOB:
    case MYSQL_TYPE_STRING:
    case MYSQL_TYPE_VAR_STRING:
    case MYSQL_TYPE_VARCHAR:
      return f.charsetnr == 63 ? ValueKind::kBytes : ValueKind::kText;
    default:
      return ValueKind::kOther;
  }
}

std::vector<Column> ColumnsOf(MYSQL_RES* result) {
  std::vector<Column> columns;
  const unsigned n = mysql_num_fields(result);
  MYSQL_FIELD* fields = mysql_fetch_fields(result);
  for (unsigned i = 0; i < n; ++i) {
    Column c;
    c.name = fields[i].name;
    c.kind = KindOf(fields[i]);
    c.type_name = std::to_string(static_cast<int>(fields[i].type));
    c.nullable = (fields[i].flags & NOT_NULL_FLAG) == 0;
    columns.push_back(std::move(c));
  }
  return columns;
}

class MariadbRowStream : public RowStream {
 public:
  MariadbRowStream(const MariadbDatabase* db, MYSQL_RES* result)
      : db_(db), result_(result), columns_(ColumnsOf(result)), scratch_(columns_.size()) {}
  ~MariadbRowStream() override { mysql_free_result(result_); }  // reads and drops the rest
  const std::vector<Column>& columns() const override { return columns_; }

  Result<bool> Next(RowView* row) override {
    MYSQL_ROW r = mysql_fetch_row(result_);
    if (r == nullptr) {
      Status error = db_->LastError();
      if (!error.ok()) return error;
      return false;
    }
    unsigned long* lengths = mysql_fetch_lengths(result_);
    const size_t n = columns_.size();
    row->resize(n);
    for (size_t i = 0; i < n; ++i) {
      if (r[i] == nullptr) {
        (*row)[i] = std::nullopt;
      } else if (columns_[i].kind == ValueKind::kBytes) {
        HexBytes(std::string_view(r[i], lengths[i]), &scratch_[i]);
        (*row)[i] = scratch_[i];
      } else {
        (*row)[i] = std::string_view(r[i], lengths[i]);
      }
    }
    return true;
  }

 private:
  const MariadbDatabase* db_;
  MYSQL_RES* result_;
  std::vector<Column> columns_;
  std::vector<std::string> scratch_;  // hex renderings of binary values
};

}  // namespace

Result<std::unique_ptr<MariadbDatabase>> MariadbDatabase::Connect(
    const ConnectionOptions& options) {
  MYSQL* conn = mysql_init(nullptr);
  if (conn == nullptr) return Status::Internal("mariadb: out of memory");
  unsigned timeout = static_cast<unsigned>(options.connect_timeout_seconds);
  mysql_options(conn, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_options(conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  std::optional<std::string> password = options.password;
  if (!password) {
    if (const char* env = std::getenv("MYSQL_PWD")) password = env;
  }
  std::optional<std::string> user = options.username;
  if (!user) {
    if (const char* env = std::getenv("MYSQL_USER")) user = env;
  }
  if (!mysql_real_connect(conn, options.host.c_str(), user ? user->c_str() : nullptr,
                          password ? password->c_str() : nullptr, options.database.c_str(),
                          static_cast<unsigned>(options.port), nullptr, 0)) {
    const unsigned code = mysql_errno(conn);
    std::string message = ScrubSecret(mysql_error(conn), password);
    mysql_close(conn);
    const std::string where =
        "mariadb " + options.host + ":" + std::to_string(options.port) + "/" + options.database;
    if (code == ER_ACCESS_DENIED_ERROR || code == ER_DBACCESS_DENIED_ERROR) {
      return Status::InvalidArgument("cannot log in to " + where + ": " + message);
    }
    if (code == ER_BAD_DB_ERROR)
      return Status::NotFound("cannot connect to " + where + ": " + message);
    return Status::Unavailable("cannot connect to " + where + ": " + message);
  }
  return std::unique_ptr<MariadbDatabase>(new MariadbDatabase(conn, password));
}

MariadbDatabase::~MariadbDatabase() { mysql_close(conn_); }

Status MariadbDatabase::LastError() const {
  const unsigned code = mysql_errno(conn_);
  if (code == 0) return Status::Ok();
  std::string message = "mariadb: " + ScrubSecret(mysql_error(conn_), password_);
  if (code == ER_NO_SUCH_TABLE || code == ER_BAD_FIELD_ERROR || code == ER_BAD_DB_ERROR) {
    return Status::NotFound(message);
  }
  if (code >= CR_MIN_ERROR && code <= CR_MAX_ERROR) return Status::Unavailable(message);
  return Status::InvalidArgument(message);
}

Result<std::vector<std::vector<std::optional<std::string>>>> MariadbDatabase::QueryAll(
    const std::string& sql, std::vector<Column>* columns) {
  if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) return LastError();
  MYSQL_RES* result = mysql_store_result(conn_);
  std::vector<std::vector<std::optional<std::string>>> out;
  if (result == nullptr) {
    Status error = LastError();
    if (!error.ok()) return error;
    return out;  // a statement without a result set
  }
  if (columns) *columns = ColumnsOf(result);
  const unsigned n = mysql_num_fields(result);
  while (MYSQL_ROW r = mysql_fetch_row(result)) {
    unsigned long* lengths = mysql_fetch_lengths(result);
    std::vector<std::optional<std::string>> row;
    for (unsigned i = 0; i < n; ++i) {
      if (r[i] == nullptr)
        row.emplace_back(std::nullopt);
      else
        row.emplace_back(std::string(r[i], lengths[i]));
    }
    out.push_back(std::move(row));
  }
  mysql_free_result(result);
  return out;
}

Result<std::vector<std::string>> MariadbDatabase::ListTables() {
  auto rows = QueryAll(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER "
      "BY 1",
      nullptr);
  if (!rows.ok()) return rows.status();
  std::vector<std::string> out;
  for (auto& r : *rows) out.push_back(r[0].value_or(""));
  return out;
}

Result<std::vector<Column>> MariadbDatabase::DescribeTable(const std::string& table) {
  return DescribeQuery("SELECT * FROM " + QuoteIdentifier(Dialect::kMariadb, table) + " LIMIT 0");
}

Result<std::vector<Column>> MariadbDatabase::DescribeQuery(const std::string& sql) {
  std::vector<Column> columns;
  auto rows = QueryAll(sql, &columns);
  if (!rows.ok()) return rows.status();
  return columns;
}

Result<std::unique_ptr<RowStream>> MariadbDatabase::Stream(const std::string& sql) {
  if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) return LastError();
  MYSQL_RES* result = mysql_use_result(conn_);
  if (result == nullptr) {
    Status error = LastError();
    if (!error.ok()) return error;
    return Status::InvalidArgument("mariadb: the statement returns no rows");
  }
  return std::unique_ptr<RowStream>(new MariadbRowStream(this, result));
}

}  // namespace acequia::importer
