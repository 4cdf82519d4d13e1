#include "operator/kube/cluster_config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "operator/kube/yaml_json.h"

namespace acequia::kube {
namespace {

namespace fs = std::filesystem;

Result<std::string> ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string Resolve(const std::string& dir, const std::string& path) {
  if (path.empty() || fs::path(path).is_absolute() || dir.empty()) return path;
  return (fs::path(dir) / path).string();
}

// The entry called `name` in the list `doc[key]` (clusters, users, contexts).
std::optional<Json> Named(const Json& doc, const char* key, const std::string& name) {
  auto list = doc.find(key);
  if (list == doc.end() || !list->is_array()) return std::nullopt;
  for (const auto& item : *list) {
    if (item.is_object() && item.value("name", "") == name) return item;
  }
  return std::nullopt;
}

// Inline data (base64) wins over a file, as in client-go.
Result<std::string> DataOrFile(const Json& section, const std::string& data_key,
                               const std::string& file_key, const std::string& dir) {
  if (auto d = section.value(data_key, ""); !d.empty()) return Base64Decode(d);
  if (auto f = section.value(file_key, ""); !f.empty()) return ReadWhole(Resolve(dir, f));
  return std::string();
}

}  // namespace

std::string Base64Decode(const std::string& text) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int bits = 0;
  unsigned value = 0;
  for (char c : text) {
    if (c == '=') break;
    size_t index = kAlphabet.find(c);
    if (index == std::string::npos) continue;  // whitespace and newlines
    value = (value << 6) | static_cast<unsigned>(index);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((value >> bits) & 0xff);
    }
  }
  return out;
}

Result<ClusterConfig> ParseKubeconfig(const std::string& text, const std::string& dir,
                                      const std::string& context) {
  auto doc = ParseYamlOrJson(text);
  if (!doc.ok()) return doc.status().Annotate("kubeconfig");
  std::string context_name = context.empty() ? doc->value("current-context", "") : context;
  if (context_name.empty()) return Status::InvalidArgument("kubeconfig: no current-context");
  auto ctx = Named(*doc, "contexts", context_name);
  if (!ctx) return Status::NotFound("kubeconfig: context \"" + context_name + "\" not found");
  const Json ctx_body = ctx->value("context", Json::object());
  const std::string cluster_name = ctx_body.value("cluster", "");
  const std::string user_name = ctx_body.value("user", "");
  auto cluster = Named(*doc, "clusters", cluster_name);
  if (!cluster) return Status::NotFound("kubeconfig: cluster \"" + cluster_name + "\" not found");
  const Json cluster_body = cluster->value("cluster", Json::object());

  ClusterConfig config;
  config.server = cluster_body.value("server", "");
  if (config.server.empty()) {
    return Status::InvalidArgument("kubeconfig: cluster \"" + cluster_name + "\" has no server");
  }
  while (config.server.ends_with("/")) config.server.pop_back();
  config.insecure_skip_tls_verify = cluster_body.value("insecure-skip-tls-verify", false);
  config.tls_server_name = cluster_body.value("tls-server-name", "");
  auto ca = DataOrFile(cluster_body, "certificate-authority-data", "certificate-authority", dir);
  if (!ca.ok()) return ca.status().Annotate("kubeconfig certificate-authority");
  config.ca_pem = *ca;
  if (auto ns = ctx_body.value("namespace", ""); !ns.empty()) config.namespace_ = ns;

  if (auto user = Named(*doc, "users", user_name)) {
    const Json user_body = user->value("user", Json::object());
    config.token = user_body.value("token", "");
    if (auto f = user_body.value("tokenFile", ""); !f.empty()) {
      config.token_file = Resolve(dir, f);
    }
    auto cert = DataOrFile(user_body, "client-certificate-data", "client-certificate", dir);
    if (!cert.ok()) return cert.status().Annotate("kubeconfig client-certificate");
    auto key = DataOrFile(user_body, "client-key-data", "client-key", dir);
    if (!key.ok()) return key.status().Annotate("kubeconfig client-key");
    config.client_cert_pem = *cert;
    config.client_key_pem = *key;
    if (config.client_cert_pem.empty() != config.client_key_pem.empty()) {
      return Status::InvalidArgument("kubeconfig: user \"" + user_name +
                                     "\" needs both a client certificate and a client key");
    }
    if (user_body.contains("exec") || user_body.contains("auth-provider")) {
      return Status::InvalidArgument("kubeconfig: user \"" + user_name +
                                     "\": exec and auth-provider plugins are not supported");
    }
  } else if (!user_name.empty()) {
    return Status::NotFound("kubeconfig: user \"" + user_name + "\" not found");
  }
  return config;
}

Result<ClusterConfig> LoadKubeconfig(const std::string& path, const std::string& context) {
  auto text = ReadWhole(path);
  if (!text.ok()) return text.status();
  return ParseKubeconfig(*text, fs::path(path).parent_path().string(), context);
}

Result<ClusterConfig> InClusterConfig(const std::string& sa_dir) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (!host || !port || !*host || !*port) {
    return Status::NotFound("not in a cluster: KUBERNETES_SERVICE_HOST/PORT are not set");
  }
  ClusterConfig config;
  std::string h = host;
  if (h.find(':') != std::string::npos) h = "[" + h + "]";  // IPv6
  config.server = "https://" + h + ":" + port;
  config.token_file = sa_dir + "/token";
  auto token = ReadWhole(config.token_file);
  if (!token.ok()) return token.status().Annotate("service-account token");
  config.token = *token;
  while (!config.token.empty() && std::isspace(static_cast<unsigned char>(config.token.back()))) {
    config.token.pop_back();
  }
  auto ca = ReadWhole(sa_dir + "/ca.crt");
  if (!ca.ok()) return ca.status().Annotate("service-account ca.crt");
  config.ca_pem = *ca;
  if (auto ns = ReadWhole(sa_dir + "/namespace"); ns.ok() && !ns->empty()) {
    config.namespace_ = *ns;
    while (!config.namespace_.empty() && std::isspace(config.namespace_.back())) {
      config.namespace_.pop_back();
    }
  }
  return config;
}

Result<ClusterConfig> LoadClusterConfig(const std::string& kubeconfig_flag) {
  if (!kubeconfig_flag.empty()) return LoadKubeconfig(kubeconfig_flag);
  if (const char* env = std::getenv("KUBECONFIG"); env && *env) {
    std::string first = env;
    first = first.substr(0, first.find(':'));
    return LoadKubeconfig(first);
  }
  if (auto in_cluster = InClusterConfig(); in_cluster.ok()) return in_cluster;
  const char* home = std::getenv("HOME");
  if (home) return LoadKubeconfig(std::string(home) + "/.kube/config");
  return Status::NotFound("no kubeconfig and not in a cluster");
}

}  // namespace acequia::kube
