// The MariaDB/MySQL driver (MariaDB Connector/C). Streams results with mysql_use_result, so a
// split never holds its rows in memory. One thread at a time.
#pragma once

#include <mysql.h>

#include <memory>

#include "importer/db/connection_options.h"
#include "importer/db/database.h"

namespace acequia::importer {

class MariadbDatabase : public Database {
 public:
  [[nodiscard]] static Result<std::unique_ptr<MariadbDatabase>> Connect(
      const ConnectionOptions& options);
  ~MariadbDatabase() override;

  Dialect dialect() const override { return Dialect::kMariadb; }
  Result<std::vector<std::string>> ListTables() override;
  Result<std::vector<Column>> DescribeTable(const std::string& table) override;
  Result<std::vector<Column>> DescribeQuery(const std::string& sql) override;
  Result<std::vector<std::vector<std::optional<std::string>>>> QueryAll(
      const std::string& sql, std::vector<Column>* columns) override;
  Result<std::unique_ptr<RowStream>> Stream(const std::string& sql) override;

  Status LastError() const;

 private:
  MariadbDatabase(MYSQL* conn, std::optional<std::string> password)
      : conn_(conn), password_(std::move(password)) {}
  MYSQL* conn_;
  std::optional<std::string> password_;
};

}  // namespace acequia::importer
