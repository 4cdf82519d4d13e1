#include "importer/db/postgresql_database.h"

#include <algorithm>
#include <cstring>

namespace acequia::importer {
namespace {

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::vector<Column> ColumnsOf(const PGresult* result) {
  std::vector<Column> columns;
  const int n = PQnfields(result);
  for (int i = 0; i < n; ++i) {
    Column c;
    c.name = PQfname(result, i);
    c.kind = PostgresKindOf(PQftype(result, i));
    c.type_name = std::to_string(PQftype(result, i));
    columns.push_back(std::move(c));
  }
  return columns;
}

class PostgresRowStream : public RowStream {
 public:
  PostgresRowStream(PGconn* conn, const PostgresqlDatabase* db, PGresult* first)
      : conn_(conn), db_(db), current_(first), columns_(ColumnsOf(first)) {}
  ~PostgresRowStream() override {
    PQclear(current_);
    if (!done_) {  // abandoned early: cancel the query and drain what is left
      if (PGcancel* cancel = PQgetCancel(conn_)) {
        char buf[256];
        PQcancel(cancel, buf, sizeof buf);
        PQfreeCancel(cancel);
      }
    }
    while (PGresult* r = PQgetResult(conn_)) PQclear(r);
  }
  const std::vector<Column>& columns() const override { return columns_; }

  Result<bool> Next(RowView* row) override {
    if (done_) return false;
    if (!first_) {
      PQclear(current_);
      current_ = PQgetResult(conn_);
    }
    first_ = false;
    if (current_ == nullptr) {
      done_ = true;
      return false;
    }
    ExecStatusType status = PQresultStatus(current_);
    if (status == PGRES_TUPLES_OK) {  // the zero-row result that ends single-row mode
      PQclear(current_);
      current_ = nullptr;
      while (PGresult* r = PQgetResult(conn_)) PQclear(r);
      done_ = true;
      return false;
    }
    if (status != PGRES_SINGLE_TUPLE) {
      Status error = db_->ErrorOf(current_);
      PQclear(current_);
      current_ = nullptr;
      while (PGresult* r = PQgetResult(conn_)) PQclear(r);
      done_ = true;
      return error;
    }
    const int n = static_cast<int>(columns_.size());
    row->resize(n);
    for (int i = 0; i < n; ++i) {
      if (PQgetisnull(current_, 0, i)) {
        (*row)[i] = std::nullopt;
      } else {
        (*row)[i] = std::string_view(PQgetvalue(current_, 0, i), PQgetlength(current_, 0, i));
      }
    }
    return true;
  }

 private:
  PGconn* conn_;
  const PostgresqlDatabase* db_;
  PGresult* current_;
  std::vector<Column> columns_;
  bool first_ = true;
  bool done_ = false;
};

}  // namespace

ValueKind PostgresKindOf(unsigned int oid) {
  switch (oid) {
    case 20:
    case 21:
    case 23:
    case 26:
      return ValueKind::kInteger;  // int8 int2 int4 oid
    case 1700:
      return ValueKind::kDecimal;
    case 700:
    case 701:
      return ValueKind::kFloat;
    case 16:
      return ValueKind::kBoolean;
    case 1082:
      return ValueKind::kDate;
    case 1114:
      return ValueKind::kTimestamp;
    case 1184:
      return ValueKind::kTimestampTz;
    case 1083:
    case 1266:
      return ValueKind::kTime;
    case 25:
    case 1043:
    case 1042:
    case 19:
    case 18:
      return ValueKind::kText;
    case 17:
      return ValueKind::kBytes;
    case 114:
    case 3802:
      return ValueKind::kJson;
    case 2950:
      return ValueKind::kUuid;
    case 1000:
    case 1005:
    case 1007:
    case 1016:
    case 1009:
    case 1015:
    case 1014:
    case 1021:
    case 1022:
    case 1231:
    case 1182:
    case 1115:
    case 1185:
    case 2951:
    case 199:
    case 3807:
    case 1001:
      return ValueKind::kArray;
    default:
      return ValueKind::kOther;
  }
}

Result<std::unique_ptr<PostgresqlDatabase>> PostgresqlDatabase::Connect(
    const ConnectionOptions& options) {
  std::vector<const char*> keys;
  std::vector<const char*> values;
  const std::string port = std::to_string(options.port);
  const std::string timeout = std::to_string(options.connect_timeout_seconds);
  const std::string application = "acequia-import";
  // Only strings that outlive PQconnectdbParams: never a temporary.
  auto add = [&](const char* k, const std::string& v) {
    keys.push_back(k);
    values.push_back(v.c_str());
  };
  if (!options.host.empty()) add("host", options.host);
  if (options.port > 0) add("port", port);
  add("dbname", options.database);
  if (options.username) add("user", *options.username);
  if (options.password) add("password", *options.password);
  add("connect_timeout", timeout);
  add("application_name", application);
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* conn = PQconnectdbParams(keys.data(), values.data(), 0);
  if (conn == nullptr) return Status::Internal("postgresql: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = ScrubSecret(Trim(PQerrorMessage(conn)), options.password);
    PQfinish(conn);
    const std::string where = "postgresql " + options.host + ":" + port + "/" + options.database;
    if (message.find("authentication failed") != std::string::npos ||
        message.find("no password supplied") != std::string::npos ||
        message.find("password") != std::string::npos) {
      return Status::InvalidArgument("cannot log in to " + where + ": " + message);
    }
    if (message.find("does not exist") != std::string::npos) {
      return Status::NotFound("cannot connect to " + where + ": " + message);
    }
    return Status::Unavailable("cannot connect to " + where + ": " + message);
  }
  return std::unique_ptr<PostgresqlDatabase>(new PostgresqlDatabase(conn, options.password));
}

PostgresqlDatabase::~PostgresqlDatabase() { PQfinish(conn_); }

Status PostgresqlDatabase::ErrorOf(const PGresult* result) const {
  std::string message =
      ScrubSecret(Trim(result ? PQresultErrorMessage(result) : PQerrorMessage(conn_)), password_);
  if (message.empty()) message = ScrubSecret(Trim(PQerrorMessage(conn_)), password_);
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string sqlstate = state ? state : "";
  message = "postgresql: " + message;
  if (sqlstate == "42P01" || sqlstate == "42703" || sqlstate == "3F000") {
    return Status::NotFound(message);
  }
  if (sqlstate.rfind("08", 0) == 0 || PQstatus(conn_) != CONNECTION_OK) {
    return Status::Unavailable(message);
  }
  return Status::InvalidArgument(message);
}

Result<std::vector<std::vector<std::optional<std::string>>>> PostgresqlDatabase::QueryAll(
    const std::string& sql, std::vector<Column>* columns) {
  PGresult* result = PQexec(conn_, sql.c_str());
  ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    Status error = ErrorOf(result);
    PQclear(result);
    return error;
  }
  if (columns) *columns = ColumnsOf(result);
  std::vector<std::vector<std::optional<std::string>>> out;
  const int rows = PQntuples(result);
  const int cols = PQnfields(result);
  for (int r = 0; r < rows; ++r) {
    std::vector<std::optional<std::string>> row;
    for (int c = 0; c < cols; ++c) {
      if (PQgetisnull(result, r, c))
        row.emplace_back(std::nullopt);
      else
        row.emplace_back(std::string(PQgetvalue(result, r, c), PQgetlength(result, r, c)));
    }
    out.push_back(std::move(row));
  }
  PQclear(result);
  return out;
}

Result<std::vector<std::string>> PostgresqlDatabase::ListTables() {
  auto rows = QueryAll(
      "SELECT CASE WHEN table_schema = current_schema() THEN table_name ELSE table_schema || '.' "
      "|| table_name END FROM information_schema.tables WHERE table_schema NOT IN "
      "('pg_catalog', 'information_schema') ORDER BY 1",
      nullptr);
  if (!rows.ok()) return rows.status();
  std::vector<std::string> out;
  for (auto& r : *rows) out.push_back(r[0].value_or(""));
  return out;
}

Result<std::vector<Column>> PostgresqlDatabase::DescribeTable(const std::string& table) {
  const std::string quoted = QuoteIdentifier(Dialect::kPostgresql, table);
  const char* params[] = {quoted.c_str()};
  PGresult* result = PQexecParams(
      conn_,
      "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.atttypid, NOT a.attnotnull "
      "FROM pg_attribute a WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT "
      "a.attisdropped ORDER BY a.attnum",
      1, nullptr, params, nullptr, nullptr, 0);
  if (PQresultStatus(result) != PGRES_TUPLES_OK) {
    Status error = ErrorOf(result);
    PQclear(result);
    return error;
  }
  std::vector<Column> out;
  for (int r = 0; r < PQntuples(result); ++r) {
    Column c;
    c.name = PQgetvalue(result, r, 0);
    c.type_name = PQgetvalue(result, r, 1);
    c.kind = PostgresKindOf(static_cast<unsigned>(std::stoul(PQgetvalue(result, r, 2))));
    c.nullable = std::strcmp(PQgetvalue(result, r, 3), "t") == 0;
    out.push_back(std::move(c));
  }
  PQclear(result);
  if (out.empty()) return Status::NotFound("table \"" + table + "\" does not exist");
  return out;
}

Result<std::vector<Column>> PostgresqlDatabase::DescribeQuery(const std::string& sql) {
  PGresult* prepared = PQprepare(conn_, "", sql.c_str(), 0, nullptr);
  if (PQresultStatus(prepared) != PGRES_COMMAND_OK) {
    Status error = ErrorOf(prepared);
    PQclear(prepared);
    return error;
  }
  PQclear(prepared);
  PGresult* described = PQdescribePrepared(conn_, "");
  if (PQresultStatus(described) != PGRES_COMMAND_OK) {
    Status error = ErrorOf(described);
    PQclear(described);
    return error;
  }
  auto columns = ColumnsOf(described);
  PQclear(described);
  return columns;
}

Result<std::unique_ptr<RowStream>> PostgresqlDatabase::Stream(const std::string& sql) {
  if (!PQsendQuery(conn_, sql.c_str())) return ErrorOf(nullptr);
  if (!PQsetSingleRowMode(conn_)) {
    while (PGresult* r = PQgetResult(conn_)) PQclear(r);
    return Status::Internal("postgresql: cannot enter single-row mode");
  }
  PGresult* first = PQgetResult(conn_);
  ExecStatusType status = PQresultStatus(first);
  if (status != PGRES_SINGLE_TUPLE && status != PGRES_TUPLES_OK) {
    Status error = ErrorOf(first);
    PQclear(first);
    while (PGresult* r = PQgetResult(conn_)) PQclear(r);
    return error;
  }
  return std::unique_ptr<RowStream>(new PostgresRowStream(conn_, this, first));
}

Result<int64_t> PostgresqlDatabase::CopyOut(const std::string& sql, const CopyCsvOptions& options,
                                            const std::function<Status(std::string_view)>& sink) {
  const Dialect d = Dialect::kPostgresql;
  std::string copy = "COPY (" + sql + ") TO STDOUT WITH (FORMAT ";
  if (options.text_format) {
    copy += "text";
  } else {
    copy += "csv, DELIMITER " + QuoteLiteral(d, std::string(1, options.delimiter)) + ", QUOTE " +
            QuoteLiteral(d, std::string(1, options.quote)) + ", ESCAPE " +
            QuoteLiteral(d, std::string(1, options.escape)) + ", NULL " +
            QuoteLiteral(d, options.null_string);
  }
  copy += ")";
  PGresult* result = PQexec(conn_, copy.c_str());
  if (PQresultStatus(result) != PGRES_COPY_OUT) {
    Status error = ErrorOf(result);
    PQclear(result);
    return error;
  }
  PQclear(result);
  int64_t rows = 0;
  Status sink_status;
  while (true) {
    char* buffer = nullptr;
    int len = PQgetCopyData(conn_, &buffer, 0);
    if (len == -1) break;
    if (len == -2) {
      sink_status = ErrorOf(nullptr);
      break;
    }
    if (sink_status.ok()) sink_status = sink(std::string_view(buffer, len));
    PQfreemem(buffer);
    ++rows;  // COPY OUT hands over one row per call
  }
  Status final_status;
  while (PGresult* r = PQgetResult(conn_)) {
    if (PQresultStatus(r) != PGRES_COMMAND_OK && final_status.ok()) final_status = ErrorOf(r);
    PQclear(r);
  }
  if (!sink_status.ok()) return sink_status;
  if (!final_status.ok()) return final_status;
  return rows;
}

Result<int64_t> PostgresqlDatabase::CopyIn(const std::string& copy_sql, std::string_view data) {
  PGresult* result = PQexec(conn_, copy_sql.c_str());
  if (PQresultStatus(result) != PGRES_COPY_IN) {
    Status error = ErrorOf(result);
    PQclear(result);
    return error;
  }
  PQclear(result);
  constexpr size_t kChunk = 1 << 20;
  Status send_status;
  for (size_t off = 0; off < data.size() && send_status.ok(); off += kChunk) {
    const size_t n = std::min(kChunk, data.size() - off);
    if (PQputCopyData(conn_, data.data() + off, static_cast<int>(n)) != 1) {
      send_status = ErrorOf(nullptr);
    }
  }
  if (PQputCopyEnd(conn_, send_status.ok() ? nullptr : "client error") != 1 && send_status.ok()) {
    send_status = ErrorOf(nullptr);
  }
  Status final_status;
  int64_t rows = 0;
  while (PGresult* r = PQgetResult(conn_)) {
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
      if (final_status.ok()) final_status = ErrorOf(r);
    } else {
      const char* tuples = PQcmdTuples(r);
      if (tuples != nullptr && *tuples != '\0') rows = std::stoll(tuples);
    }
    PQclear(r);
  }
  if (!final_status.ok()) return final_status;
  if (!send_status.ok()) return send_status;
  return rows;
}

}  // namespace acequia::importer
