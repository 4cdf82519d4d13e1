// A real PostgreSQL server for tests: initdb in a temp dir, postgres on a free loopback port,
// run as the unprivileged `postgres` user (initdb and postgres refuse root). Host connections
// need a password (scram-sha-256) so tests can check authentication; the superuser connects
// over the Unix socket in the temp dir. One server per test binary through
// PostgresEnvironment; torn down when the binary ends. Test-only; not thread-safe.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/test_env.h"

namespace acequia::testing {

struct CommandOutput {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs a program to completion (absolute path in argv[0]); stdin is empty.
CommandOutput RunProgram(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env = {});

class PostgresServer {
 public:
  static constexpr const char* kUser = "acequia";
  static constexpr const char* kPassword = "pg-S3cret-pw";
  static constexpr const char* kDatabase = "acequia_test";

  PostgresServer();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // Starts the server; throws with the server's log when it does not come up.
  void Start();
  void Stop();

  int port() const { return port_; }
  std::string host() const { return "127.0.0.1"; }
  // Runs SQL as the superuser in kDatabase; throws on error.
  void Exec(const std::string& sql) const;
  // psql as kUser over TCP with the given extra arguments; returns its output.
  CommandOutput Psql(const std::vector<std::string>& args) const;

 private:
  TempDir dir_;
  int port_ = 0;
  bool running_ = false;
};

// The binary's shared server, started on first use (nullptr, with a test failure, when it
// cannot start) and stopped by PostgresEnvironment when the binary ends.
PostgresServer* SharedPostgres();

class PostgresEnvironment : public ::testing::Environment {
 public:
  void SetUp() override;
  void TearDown() override;
};

}  // namespace acequia::testing
