#include "importer/db/open_database.h"

#include "importer/db/mariadb_database.h"
#include "importer/db/postgresql_database.h"
#include "importer/db/sqlite_database.h"

namespace acequia::importer {

Result<std::unique_ptr<Database>> OpenDatabase(const api::ImportSource& source,
                                               const Credentials& credentials, bool writable) {
  if (source.is_sqlite()) {
    auto db = SqliteDatabase::Open(source.database, writable);
    if (!db.ok()) return db.status();
    return std::unique_ptr<Database>(std::move(db).value());
  }
  ConnectionOptions options;
  options.host = source.host;
  options.port = source.port;
  options.database = source.database;
  options.username = credentials.username;
  options.password = credentials.password;
  if (source.is_postgresql()) {
    auto db = PostgresqlDatabase::Connect(options);
    if (!db.ok()) return db.status();
    return std::unique_ptr<Database>(std::move(db).value());
  }
  if (source.is_mariadb()) {
    auto db = MariadbDatabase::Connect(options);
    if (!db.ok()) return db.status();
    return std::unique_ptr<Database>(std::move(db).value());
  }
  return Status::InvalidArgument("unknown driver \"" + source.driver + "\"");
}

}  // namespace acequia::importer
