// A real MariaDB server for tests: mariadb-install-db in a temp dir, mariadbd on a free loopback
// port with its socket in the temp dir, a test user with a password. One server per test binary
// through MariadbEnvironment; torn down when the binary ends. Test-only; not thread-safe.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/postgres_fixture.h"
#include "tests/support/process.h"
#include "tests/support/test_env.h"

namespace acequia::testing {

class MariadbServer {
 public:
  static constexpr const char* kUser = "acequia";
  static constexpr const char* kPassword = "mdb-S3cret-pw";
  static constexpr const char* kDatabase = "acequia_test";

  MariadbServer();
  ~MariadbServer();
  MariadbServer(const MariadbServer&) = delete;
  MariadbServer& operator=(const MariadbServer&) = delete;

  void Start();
  void Stop();

  int port() const { return port_; }
  std::string host() const { return "127.0.0.1"; }
  // Runs SQL as root in kDatabase; throws on error.
  void Exec(const std::string& sql) const;

 private:
  CommandOutput Client(const std::vector<std::string>& args) const;

  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> server_;
};

// The binary's shared server, started on first use (nullptr, with a test failure, when it
// cannot start) and stopped by MariadbEnvironment when the binary ends.
MariadbServer* SharedMariadb();

class MariadbEnvironment : public ::testing::Environment {
 public:
  void SetUp() override;
  void TearDown() override;
};

}  // namespace acequia::testing
