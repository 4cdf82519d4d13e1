// Where and as whom to connect. Holds the password in memory only: it is never logged, never put
// on a command line and never copied into an error message (drivers pass it through their own
// parameter arrays and scrub it from any message they return). Plain value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace acequia::importer {

struct ConnectionOptions {
  std::string host = "localhost";
  int64_t port = 0;
  std::string database;                 // a name, or the file for SQLite
  std::optional<std::string> username;  // nullopt: the driver's own default (PGUSER, …)
  std::optional<std::string> password;  // nullopt: the driver's own default (PGPASSWORD, …)
  int connect_timeout_seconds = 10;
};

// Replaces every occurrence of the password in `message` with "***".
std::string ScrubSecret(std::string message, const std::optional<std::string>& secret);

}  // namespace acequia::importer
