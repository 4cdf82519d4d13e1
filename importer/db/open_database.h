// Opens the driver an ImportJob's source names (SQLite read-only unless `writable`). Thread-safe
// (each call opens a new connection).
#pragma once

#include <memory>

#include "api/import_job.h"
#include "importer/credentials.h"
#include "importer/db/database.h"

namespace acequia::importer {

[[nodiscard]] Result<std::unique_ptr<Database>> OpenDatabase(const api::ImportSource& source,
                                                             const Credentials& credentials,
                                                             bool writable = false);

}  // namespace acequia::importer
