// RestKubeClient: KubeClient over HTTPS with cpprestsdk (OpenSSL): bearer token (re-read from
// its file every `token_refresh` and at once after a 401), client certificates, a custom CA or
// insecure-skip-tls-verify; a client-side token bucket (QPS/burst, like client-go's flags); and
// rest_client_requests_total{code,method}. Threading: thread-safe; requests from several
// threads share one connection pool. A watch gets its own connection.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "operator/kube/cluster_config.h"
#include "operator/kube/kube_client.h"
#include "operator/kube/token_bucket.h"

namespace web::http::client {
class http_client;
class http_client_config;
}  // namespace web::http::client

namespace acequia::kube {

struct RestClientOptions {
  double qps = 20;  // <= 0: unlimited
  int burst = 30;
  std::chrono::seconds timeout{30};
  std::chrono::seconds token_refresh{60};
  std::string user_agent = "acequia-operator/0.1.0";
  // Where rest_client_requests_total goes; null: a private registry.
  std::shared_ptr<prometheus::Registry> registry;
};

class RestKubeClient : public KubeClient {
 public:
  static Result<std::unique_ptr<RestKubeClient>> Create(ClusterConfig config,
                                                        RestClientOptions options = {});
  ~RestKubeClient() override;

  Result<Json> Get(const ResourceType& type, const std::string& ns,
                   const std::string& name) override;
  Result<Json> List(const ResourceType& type, const std::string& ns,
                    const ListOptions& options = {}) override;
  Result<Json> Create(const ResourceType& type, const Json& object) override;
  Result<Json> Update(const ResourceType& type, const Json& object) override;
  Result<Json> UpdateStatus(const ResourceType& type, const Json& object) override;
  Status Delete(const ResourceType& type, const std::string& ns, const std::string& name,
                const DeleteOptions& options = {}) override;
  Result<Json> MergePatch(const ResourceType& type, const std::string& ns, const std::string& name,
                          const Json& patch, bool status = false) override;
  Result<Json> Apply(const ResourceType& type, const Json& object,
                     const ApplyOptions& options = {}) override;
  Result<std::unique_ptr<WatchStream>> Watch(const ResourceType& type, const std::string& ns,
                                             const WatchOptions& options) override;

  // Any request: `path_and_query` starts with "/"; the body is sent when not empty.
  Result<Json> Request(const std::string& method, const std::string& path_and_query,
                       const std::string& body = "", const std::string& content_type = "");
  const ClusterConfig& config() const { return config_; }

 private:
  RestKubeClient(ClusterConfig config, RestClientOptions options);
  std::string BearerToken();
  void ReloadToken();
  void Count(int code, const std::string& method);
  std::unique_ptr<web::http::client::http_client> NewClient(std::chrono::seconds timeout) const;

  ClusterConfig config_;
  RestClientOptions options_;
  TokenBucket limiter_;
  std::unique_ptr<web::http::client::http_client> client_;
  prometheus::Family<prometheus::Counter>* requests_total_;
  std::mutex token_mu_;
  std::string token_;
  std::chrono::steady_clock::time_point token_read_at_;
};

}  // namespace acequia::kube
