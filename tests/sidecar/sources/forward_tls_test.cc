// ForwardServerTls re-reads its certificate when the files change and keeps the last good one
// when a change does not load; MakeForwardClientTls refuses unusable files with their name.
#include "sidecar/sources/forward_tls.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "tests/support/test_env.h"

namespace acequia::sidecar {
namespace {

// A self-signed certificate and key named `name`.crt / `name`.key in `dir`.
bool MakeCert(const std::string& dir, const std::string& name) {
  const std::string command =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
      "-subj /CN=" +
      name + " -keyout '" + dir + "/" + name + ".key' -out '" + dir + "/" + name +
      ".crt' 2>/dev/null";
  return std::system(command.c_str()) == 0;  // NOLINT(concurrency-mt-unsafe): one test thread
}

TEST(ForwardTlsTest, ServerContextIsReloadedWhenTheCertificateChanges) {
  testing::TempDir dir;
  ASSERT_TRUE(MakeCert(dir.path(), "a"));
  ASSERT_TRUE(MakeCert(dir.path(), "b"));
  const std::string cert = dir / "server.crt";
  const std::string key = dir / "server.key";
  testing::WriteFile(cert, testing::ReadFile(dir / "a.crt"));
  testing::WriteFile(key, testing::ReadFile(dir / "a.key"));
  auto tls = ForwardServerTls::Create("test", cert, key, "");
  ASSERT_TRUE(tls.ok()) << tls.status().ToString();
  auto first = (*tls)->Current();
  EXPECT_EQ((*tls)->Current(), first) << "unchanged files: same context";

  testing::WriteFile(cert, testing::ReadFile(dir / "b.crt"));
  testing::WriteFile(key, testing::ReadFile(dir / "b.key"));
  auto second = (*tls)->Current();
  EXPECT_NE(second, first) << "a rotated certificate is loaded";

  testing::WriteFile(cert, "not a certificate");
  EXPECT_EQ((*tls)->Current(), second) << "a broken file keeps the last good context";
}

TEST(ForwardTlsTest, UnusableFilesAreNamedInTheError) {
  testing::TempDir dir;
  ASSERT_TRUE(MakeCert(dir.path(), "a"));
  auto missing = ForwardServerTls::Create("test", dir / "nope.crt", dir / "a.key", "");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("cannot load tls.certFile " + dir / "nope.crt"),
            std::string::npos)
      << missing.status().ToString();
  auto no_key = ForwardServerTls::Create("test", dir / "a.crt", "", "");
  ASSERT_FALSE(no_key.ok());
  EXPECT_EQ(no_key.status().message(), "tls.enabled needs tls.certFile and tls.keyFile");
  auto half = MakeForwardClientTls(dir / "a.crt", dir / "a.crt", "");
  ASSERT_FALSE(half.ok());
  EXPECT_EQ(half.status().message(), "tls.certFile and tls.keyFile go together (mutual TLS)");
  auto bad_ca = MakeForwardClientTls(dir / "a.key", "", "");
  ASSERT_FALSE(bad_ca.ok());
  EXPECT_NE(bad_ca.status().message().find("cannot load tls.caFile"), std::string::npos);
}

}  // namespace
}  // namespace acequia::sidecar
