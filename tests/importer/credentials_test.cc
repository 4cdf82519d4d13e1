#include "importer/credentials.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "tests/support/test_env.h"

namespace acequia::importer {
namespace {

class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("ACEQUIA_DB_USERNAME");
    ::unsetenv("ACEQUIA_DB_PASSWORD");
  }
  void TearDown() override { SetUp(); }
};

TEST_F(CredentialsTest, DirectoryWinsAndDropsTheTrailingNewline) {
  testing::TempDir dir;
  testing::WriteFile(dir / "username", "reader\n");
  testing::WriteFile(dir / "password", "p@ss word\n");
  ::setenv("ACEQUIA_DB_PASSWORD", "from-env", 1);
  auto c = ResolveCredentials(dir.path(), "");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->username, "reader");
  EXPECT_EQ(c->password, "p@ss word");
}

TEST_F(CredentialsTest, EnvironmentThenClusterSecretThenNothing) {
  testing::TempDir cluster;
  testing::WriteFile(cluster / "username", "cluster-user");
  testing::WriteFile(cluster / "password", "cluster-pw");
  ::setenv("ACEQUIA_DB_USERNAME", "env-user", 1);
  auto env = ResolveCredentials("", cluster.path());
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(env->username, "env-user");
  EXPECT_FALSE(env->password.has_value());
  ::unsetenv("ACEQUIA_DB_USERNAME");
  auto secret = ResolveCredentials("", cluster.path());
  ASSERT_TRUE(secret.ok());
  EXPECT_EQ(secret->password, "cluster-pw");
  auto none = ResolveCredentials("", cluster / "missing");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->username.has_value());
}

TEST_F(CredentialsTest, MissingDirectoryIsAnError) {
  auto c = ResolveCredentials("/nonexistent/acequia-creds", "");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace acequia::importer
