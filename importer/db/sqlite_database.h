// The SQLite driver: a read-only connection to a database file (sqlite3). One thread at a time.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <string>

#include "importer/db/database.h"

namespace acequia::importer {

class SqliteDatabase : public Database {
 public:
  // Opens `path` read-only (read-write for `writable`, which export needs); NotFound when the file
  // does not exist.
  [[nodiscard]] static Result<std::unique_ptr<SqliteDatabase>> Open(const std::string& path,
                                                                    bool writable = false);
  ~SqliteDatabase() override;

  Dialect dialect() const override { return Dialect::kSqlite; }
  Result<std::vector<std::string>> ListTables() override;
  Result<std::vector<Column>> DescribeTable(const std::string& table) override;
  Result<std::vector<Column>> DescribeQuery(const std::string& sql) override;
  Result<std::vector<std::vector<std::optional<std::string>>>> QueryAll(
      const std::string& sql, std::vector<Column>* columns) override;
  Result<std::unique_ptr<RowStream>> Stream(const std::string& sql) override;

 private:
  explicit SqliteDatabase(sqlite3* db) : db_(db) {}
  Result<sqlite3_stmt*> Prepare(const std::string& sql);
  sqlite3* db_;
};

// The value kind of a declared SQLite type, by SQLite's affinity rules plus date/time names.
ValueKind SqliteKindOf(std::string_view declared_type);

}  // namespace acequia::importer
