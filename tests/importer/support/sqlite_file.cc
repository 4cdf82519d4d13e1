#include "tests/importer/support/sqlite_file.h"

#include <sqlite3.h>

#include <stdexcept>

namespace acequia::testing {

void SqliteFile::Exec(const std::string& sql) const {
  sqlite3* db = nullptr;
  if (sqlite3_open(path_.c_str(), &db) != SQLITE_OK) throw std::runtime_error("sqlite open");
  char* error = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  if (rc != SQLITE_OK) throw std::runtime_error("sqlite: " + message + "\n" + sql);
}

std::unique_ptr<importer::Database> SqliteFile::Connect(bool writable) const {
  auto db = importer::SqliteDatabase::Open(path_, writable);
  if (!db.ok()) throw std::runtime_error(db.status().ToString());
  return std::move(db).value();
}

}  // namespace acequia::testing
