// Test fixtures for the operator's Kubernetes layer: an in-process KubeApiServer (plain HTTP or
// HTTPS with a throw-away CA made by the openssl CLI) and RestKubeClients pointed at it.
// Test-only; one thread.
#pragma once

#include <memory>
#include <string>

#include "operator/kube/rest_client.h"
#include "tests/support/kube_api_server/api_server.h"
#include "tests/support/test_env.h"

namespace acequia::testing {

// A CA, a server certificate for IP 127.0.0.1 and a client certificate, as PEM files in `dir`:
// ca.crt ca.key server.crt server.key client.crt client.key. False if openssl failed.
bool MakeTestPki(const std::string& dir);

std::string CrdDir();  // tests/operator/testdata/crds

class ApiServerFixture {
 public:
  explicit ApiServerFixture(kube::KubeApiServer::Options options = {});
  ~ApiServerFixture();
  kube::KubeApiServer& server() { return *server_; }
  std::unique_ptr<acequia::kube::RestKubeClient> Client(
      acequia::kube::RestClientOptions options = {});

 private:
  std::unique_ptr<kube::KubeApiServer> server_;
};

}  // namespace acequia::testing
