#include "tests/operator/api_server_fixture.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace acequia::testing {

bool MakeTestPki(const std::string& dir) {
  WriteFile(dir + "/make-pki.sh", R"(set -e
cd "$1"
K="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
openssl req -x509 $K -keyout ca.key -out ca.crt -days 2 -subj /CN=acequia-test-ca 2>/dev/null
openssl req $K -keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt \
  -days 2 -extfile server.ext 2>/dev/null
openssl req $K -keyout client.key -out client.csr -subj /CN=acequia-operator 2>/dev/null
printf 'extendedKeyUsage=clientAuth\n' > client.ext
openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt \
  -days 2 -extfile client.ext 2>/dev/null
)");
  return std::system(("bash '" + dir + "/make-pki.sh' '" + dir + "'").c_str()) == 0;
}

std::string CrdDir() { return std::string(ACEQUIA_SOURCE_DIR) + "/crds"; }

ApiServerFixture::ApiServerFixture(kube::KubeApiServer::Options options) {
  if (options.crd_dir.empty()) options.crd_dir = CrdDir();
  server_ = std::make_unique<kube::KubeApiServer>(options);
  Status s = server_->Start();
  EXPECT_TRUE(s.ok()) << s.ToString();
}

ApiServerFixture::~ApiServerFixture() { server_->Stop(); }

std::unique_ptr<acequia::kube::RestKubeClient> ApiServerFixture::Client(
    acequia::kube::RestClientOptions options) {
  acequia::kube::ClusterConfig config;
  config.server = server_->url();
  auto client = acequia::kube::RestKubeClient::Create(config, std::move(options));
  EXPECT_TRUE(client.ok()) << client.status().ToString();
  return client.ok() ? std::move(*client) : nullptr;
}

}  // namespace acequia::testing
