// Database credentials for acequia-import, never taken from argv. In order of precedence:
//   1. --credentials DIR: files DIR/username and DIR/password (a trailing newline is dropped);
//   2. ACEQUIA_DB_USERNAME / ACEQUIA_DB_PASSWORD;
//   3. /var/run/secrets/acequia/db/{username,password} (the Secret mounted in the cluster);
//   4. nothing: each driver's own defaults (libpq's PGUSER/PGPASSWORD/.pgpass, MYSQL_PWD…).
// Plain functions; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "common/status.h"

namespace acequia::importer {

inline constexpr const char* kClusterCredentialsDir = "/var/run/secrets/acequia/db";

struct Credentials {
  std::optional<std::string> username;
  std::optional<std::string> password;
};

// `dir` is the --credentials flag (empty when not given); `cluster_dir` is overridable in tests.
[[nodiscard]] Result<Credentials> ResolveCredentials(
    const std::string& dir, const std::string& cluster_dir = kClusterCredentialsDir);

}  // namespace acequia::importer
