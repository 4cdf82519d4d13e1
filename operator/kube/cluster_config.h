// Where the API server is and how to authenticate to it: from a kubeconfig file (its current
// context, or a named one) or from inside a pod (service-account token, ca.crt,
// KUBERNETES_SERVICE_HOST/PORT). Plain value; thread-safe to copy.
#pragma once

#include <string>

#include "common/status.h"

namespace acequia::kube {

inline constexpr char kServiceAccountDir[] = "/var/run/secrets/kubernetes.io/serviceaccount";

struct ClusterConfig {
  std::string server;  // "https://10.0.0.1:443"
  std::string ca_pem;  // empty: the system's trust store
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string token;
  std::string token_file;  // when set, re-read periodically (rotated service-account tokens)
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;
  std::string namespace_ = "default";  // the context's (or the pod's) namespace
};

// Parses kubeconfig YAML. `dir` resolves relative file paths; `context` empty: current-context.
Result<ClusterConfig> ParseKubeconfig(const std::string& text, const std::string& dir,
                                      const std::string& context = "");
Result<ClusterConfig> LoadKubeconfig(const std::string& path, const std::string& context = "");
// In-cluster: KUBERNETES_SERVICE_HOST/PORT and the service-account files under `sa_dir`.
Result<ClusterConfig> InClusterConfig(const std::string& sa_dir = kServiceAccountDir);
// --kubeconfig if given, else $KUBECONFIG, else in-cluster, else ~/.kube/config.
Result<ClusterConfig> LoadClusterConfig(const std::string& kubeconfig_flag);

std::string Base64Decode(const std::string& text);

}  // namespace acequia::kube
