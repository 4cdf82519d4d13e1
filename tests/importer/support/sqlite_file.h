// A SQLite database file for tests, filled with SQL text. Test-only; one thread.
#pragma once

#include <memory>
#include <string>

#include "importer/db/sqlite_database.h"
#include "tests/support/test_env.h"

namespace acequia::testing {

class SqliteFile {
 public:
  SqliteFile() : path_(dir_ / "test.db") {}
  const std::string& path() const { return path_; }
  // Runs `sql` (several statements allowed); throws on error.
  void Exec(const std::string& sql) const;
  std::unique_ptr<importer::Database> Connect(bool writable = false) const;

 private:
  TempDir dir_;
  std::string path_;
};

}  // namespace acequia::testing
