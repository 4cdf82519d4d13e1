// The PostgreSQL driver (libpq). Streams results in single-row mode, and CSV/text through
// COPY (SELECT …) TO STDOUT, which is byte-identical to psql's \copy. One thread at a time.
#pragma once

#include <libpq-fe.h>

#include <memory>

#include "importer/db/connection_options.h"
#include "importer/db/database.h"

namespace acequia::importer {

class PostgresqlDatabase : public Database {
 public:
  [[nodiscard]] static Result<std::unique_ptr<PostgresqlDatabase>> Connect(
      const ConnectionOptions& options);
  ~PostgresqlDatabase() override;

  Dialect dialect() const override { return Dialect::kPostgresql; }
  Result<std::vector<std::string>> ListTables() override;
  Result<std::vector<Column>> DescribeTable(const std::string& table) override;
  Result<std::vector<Column>> DescribeQuery(const std::string& sql) override;
  Result<std::vector<std::vector<std::optional<std::string>>>> QueryAll(
      const std::string& sql, std::vector<Column>* columns) override;
  Result<std::unique_ptr<RowStream>> Stream(const std::string& sql) override;
  bool SupportsCopy() const override { return true; }
  Result<int64_t> CopyIn(const std::string& copy_sql, std::string_view data) override;
  Result<int64_t> CopyOut(const std::string& sql, const CopyCsvOptions& options,
                          const std::function<Status(std::string_view)>& sink) override;

  // The error of a failed result, with the SQLSTATE mapped to a Status code.
  Status ErrorOf(const PGresult* result) const;

 private:
  PostgresqlDatabase(PGconn* conn, std::optional<std::string> password)
      : conn_(conn), password_(std::move(password)) {}
  PGconn* conn_;
  std::optional<std::string> password_;  // only to scrub it from messages
};

ValueKind PostgresKindOf(unsigned int type_oid);

}  // namespace acequia::importer
