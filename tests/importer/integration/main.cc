// The integration binary's main: the shared PostgreSQL and MariaDB servers (started on first use)
// are stopped when every test has run.
#include <gtest/gtest.h>

#include "tests/support/mariadb_fixture.h"
#include "tests/support/postgres_fixture.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new acequia::testing::PostgresEnvironment);
  ::testing::AddGlobalTestEnvironment(new acequia::testing::MariadbEnvironment);
  return RUN_ALL_TESTS();
}
