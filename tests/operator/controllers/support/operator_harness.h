// End-to-end harness for acequia-operator: the Kubernetes API test server in-process (our CRDs
// loaded), a kubeconfig pointing at it, the real acequia-operator binary and the real kubectl.
// It also turns the requests the operator made into RBAC terms (verb, API group, resource), so
// tests can hold them against the chart's Roles. Test-only; one thread.
#pragma once

#include <nlohmann/json.hpp>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "operator/kube/rest_client.h"
#include "tests/operator/api_server_fixture.h"
#include "tests/support/process.h"
#include "tests/support/test_env.h"

namespace acequia::testing {

using Json = nlohmann::json;

struct KubectlResult {
  int code = -1;
  std::string output;  // stdout and stderr
};

// One permission in RBAC terms: "get" on group "apps", resource "deployments" (or
// "flows/status" for a subresource).
struct RbacRequest {
  std::string verb;
  std::string group;
  std::string resource;
  auto operator<=>(const RbacRequest&) const = default;
  std::string ToString() const { return verb + " " + (group.empty() ? "core" : group) + "/" + resource; }
};

// Every object `helm template` renders from helm/acequia (release "acequia", namespace `ns`).
Result<std::vector<Json>> ChartObjects(const std::string& ns = "acequia-system",
                                       const std::string& extra_helm_args = "");
// The rules of every ClusterRole and Role the chart renders with its default values.
Result<std::vector<Json>> ChartRbacRules(const std::string& extra_helm_args = "");
// Whether one of `rules` grants `request`.
bool Allowed(const std::vector<Json>& rules, const RbacRequest& request);
// The requests none of `rules` grants, one "verb group/resource" per line; empty when all are.
std::string Ungranted(const std::vector<Json>& rules, const std::set<RbacRequest>& requests);

class OperatorHarness {
 public:
  // `server_options.crds` may add CRDs (e.g. a PodMonitor CRD) to ours.
  explicit OperatorHarness(acequia::testing::kube::KubeApiServer::Options server_options = {});
  ~OperatorHarness();

  acequia::testing::kube::KubeApiServer& server() { return fixture_.server(); }
  acequia::kube::RestKubeClient& client() { return *client_; }
  const TempDir& dir() const { return dir_; }
  std::string kubeconfig() const { return dir_ / "kubeconfig"; }

  // Starts acequia-operator with --kubeconfig, free metrics, health and webhook ports, test
  // images and `flags`; waits until /readyz answers 200. False (with the log in a test failure)
  // if not.
  bool StartOperator(std::vector<std::string> flags = {});
  // SIGTERM; the exit code.
  std::optional<int> StopOperator();
  ChildProcess* operator_process() { return operator_.get(); }
  int metrics_port() const { return metrics_port_; }
  int health_port() const { return health_port_; }
  // The admission webhooks' HTTPS port: a free loopback port unless `flags` set
  // --webhook-bind-address themselves (then 0).
  int webhook_port() const { return webhook_port_; }

  KubectlResult Kubectl(const std::string& args, const std::string& stdin_text = "");

  // The object as stored, or nullopt.
  std::optional<Json> Get(const std::string& api_version, const std::string& resource,
                          const std::string& ns, const std::string& name) const;
  // Waits (up to `timeout`) until the object exists and `condition` holds for it.
  std::optional<Json> WaitForObject(const std::string& api_version, const std::string& resource,
                                    const std::string& ns, const std::string& name,
                                    const std::function<bool(const Json&)>& condition = {},
                                    std::chrono::milliseconds timeout = std::chrono::seconds(20));

  // Every request acequia-operator made so far (by its User-Agent), in RBAC terms.
  std::set<RbacRequest> OperatorRequests() const;

 private:
  TempDir dir_;
  mutable ApiServerFixture fixture_;  // the server's store is read by const accessors
  std::unique_ptr<acequia::kube::RestKubeClient> client_;
  std::unique_ptr<ChildProcess> operator_;
  int metrics_port_ = 0;
  int health_port_ = 0;
  int webhook_port_ = 0;
};

// The condition `type` of an object's status, or null.
Json StatusCondition(const Json& object, const std::string& type);

}  // namespace acequia::testing
