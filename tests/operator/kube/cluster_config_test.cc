#include "operator/kube/cluster_config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace acequia::kube {
namespace {

std::string TempDirPath() {
  std::string pattern = (std::filesystem::temp_directory_path() / "kubecfg-XXXXXX").string();
  return mkdtemp(pattern.data());
}

void Write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

TEST(ClusterConfigTest, CurrentContextWithInlineDataAndToken) {
  // "aGVsbG8=" is base64 for "hello".
  const std::string text = R"(
apiVersion: v1
kind: Config
current-context: two
clusters:
- name: c1
  cluster: {server: "https://one:6443/", certificate-authority-data: aGVsbG8=}
- name: c2
  cluster: {server: "https://two:6443", insecure-skip-tls-verify: true}
users:
- name: u1
  user: {token: secret-token}
contexts:
- name: one
  context: {cluster: c1, user: u1}
- name: two
  context: {cluster: c2, user: u1, namespace: shop}
)";
  auto config = ParseKubeconfig(text, "/nowhere");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->server, "https://two:6443");
  EXPECT_TRUE(config->insecure_skip_tls_verify);
  EXPECT_EQ(config->token, "secret-token");
  EXPECT_EQ(config->namespace_, "shop");

  auto one = ParseKubeconfig(text, "/nowhere", "one");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->server, "https://one:6443");
  EXPECT_EQ(one->ca_pem, "hello");
  EXPECT_EQ(one->namespace_, "default");
}

TEST(ClusterConfigTest, FilesAreRelativeToTheKubeconfig) {
  const std::string dir = TempDirPath();
  Write(dir + "/ca.pem", "CA");
  Write(dir + "/c.pem", "CERT");
  Write(dir + "/k.pem", "KEY");
  Write(dir + "/config", R"(
current-context: x
clusters: [{name: c, cluster: {server: "https://h", certificate-authority: ca.pem}}]
users: [{name: u, user: {client-certificate: c.pem, client-key: k.pem}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
)");
  auto config = LoadKubeconfig(dir + "/config");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->ca_pem, "CA");
  EXPECT_EQ(config->client_cert_pem, "CERT");
  EXPECT_EQ(config->client_key_pem, "KEY");
  std::filesystem::remove_all(dir);
}

TEST(ClusterConfigTest, ErrorsNameWhatIsMissing) {
  auto no_context = ParseKubeconfig("current-context: gone\ncontexts: []\n", "");
  EXPECT_FALSE(no_context.ok());
  EXPECT_NE(no_context.status().message().find("context \"gone\" not found"), std::string::npos);
  auto exec = ParseKubeconfig(R"(
current-context: x
clusters: [{name: c, cluster: {server: "https://h"}}]
users: [{name: u, user: {exec: {command: aws}}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
)",
                              "");
  EXPECT_FALSE(exec.ok());
}

TEST(ClusterConfigTest, InClusterReadsServiceAccountFilesAndEnvironment) {
  const std::string dir = TempDirPath();
  Write(dir + "/token", "tok\n");
  Write(dir + "/ca.crt", "PEM");
  Write(dir + "/namespace", "acequia-system");
  setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1", 1);
  setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  auto config = InClusterConfig(dir);
  unsetenv("KUBERNETES_SERVICE_HOST");
  unsetenv("KUBERNETES_SERVICE_PORT");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->server, "https://10.0.0.1:443");
  EXPECT_EQ(config->token, "tok");
  EXPECT_EQ(config->token_file, dir + "/token");
  EXPECT_EQ(config->ca_pem, "PEM");
  EXPECT_EQ(config->namespace_, "acequia-system");
  std::filesystem::remove_all(dir);
}

TEST(ClusterConfigTest, Base64) {
  EXPECT_EQ(Base64Decode("aGVsbG8gd29ybGQ="), "hello world");
  EXPECT_EQ(Base64Decode("YQ==\n"), "a");
}

}  // namespace
}  // namespace acequia::kube
