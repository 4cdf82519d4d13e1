#include "tests/operator/controllers/support/operator_harness.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>

#include "operator/kube/yaml_json.h"
#include "tests/support/net_client.h"

namespace acequia::testing {
namespace {

constexpr char kKubectl[] = "/usr/bin/kubectl";

std::string RunCommand(const std::string& command, int* code) {
  std::string output;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) {
    *code = -1;
    return "";
  }
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) output.append(buffer.data(), n);
  int status = ::pclose(pipe);
  *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return output;
}

// "/apis/apps/v1/namespaces/x/deployments/y/status?watch=true" → (verb, group, resource).
std::optional<RbacRequest> ToRbac(const std::string& method, const std::string& target) {
  const auto q = target.find('?');
  const std::string path = target.substr(0, q);
  const std::string query = q == std::string::npos ? "" : target.substr(q + 1);
  std::vector<std::string> parts;
  for (size_t start = 1; start <= path.size();) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  size_t i = 0;
  RbacRequest request;
  if (parts.size() >= 2 && parts[0] == "api") {
    i = 2;
  } else if (parts.size() >= 3 && parts[0] == "apis") {
    request.group = parts[1];
    i = 3;
  } else {
    return std::nullopt;  // not a resource request
  }
  if (i + 1 < parts.size() && parts[i] == "namespaces") i += 2;
  if (i >= parts.size()) return std::nullopt;  // discovery of a group version
  request.resource = parts[i];
  const bool named = i + 1 < parts.size();
  if (i + 2 < parts.size()) request.resource += "/" + parts[i + 2];
  const bool watch = query.find("watch=true") != std::string::npos ||
                     query.find("watch=1") != std::string::npos;
  if (method == "GET") {
    request.verb = watch ? "watch" : named ? "get" : "list";
  } else if (method == "POST") {
    request.verb = "create";
  } else if (method == "PUT") {
    request.verb = "update";
  } else if (method == "PATCH") {
    request.verb = "patch";
  } else if (method == "DELETE") {
    request.verb = named ? "delete" : "deletecollection";
  } else {
    return std::nullopt;
  }
  return request;
}

bool Contains(const Json& list, const std::string& value) {
  if (!list.is_array()) return false;
  for (const auto& item : list) {
    if (item == value || item == "*") return true;
  }
  return false;
}

}  // namespace

Result<std::vector<Json>> ChartObjects(const std::string& ns,
                                       const std::string& extra_helm_args) {
  const std::string source = ACEQUIA_SOURCE_DIR;
  int code = 0;
  std::string rendered = RunCommand(source + "/.tools/bin/helm template acequia " + source +
                                        "/helm/acequia --namespace " + ns + " " + extra_helm_args,
                                    &code);
  if (code != 0) return Status::Internal("helm template failed: " + rendered);
  return acequia::kube::ParseYamlDocuments(rendered);
}

Result<std::vector<Json>> ChartRbacRules(const std::string& extra_helm_args) {
  auto documents = ChartObjects("acequia-system", extra_helm_args);
  if (!documents.ok()) return documents.status();
  std::vector<Json> rules;
  for (const auto& doc : *documents) {
    const std::string kind = doc.value("kind", "");
    if (kind != "ClusterRole" && kind != "Role") continue;
    for (const auto& rule : doc.value("rules", Json::array())) rules.push_back(rule);
  }
  return rules;
}

bool Allowed(const std::vector<Json>& rules, const RbacRequest& request) {
  for (const auto& rule : rules) {
    if (Contains(rule.value("apiGroups", Json()), request.group) &&
        Contains(rule.value("resources", Json()), request.resource) &&
        Contains(rule.value("verbs", Json()), request.verb)) {
      return true;
    }
  }
  return false;
}

std::string Ungranted(const std::vector<Json>& rules, const std::set<RbacRequest>& requests) {
  std::string out;
  for (const auto& request : requests) {
    if (!Allowed(rules, request)) out += request.ToString() + "\n";
  }
  return out;
}

OperatorHarness::OperatorHarness(acequia::testing::kube::KubeApiServer::Options server_options)
    : fixture_(std::move(server_options)) {
  acequia::kube::RestClientOptions options;
  options.user_agent = "acequia-e2e-test";  // not the operator: its requests are not counted
  client_ = fixture_.Client(options);
  WriteFile(dir_ / "kubeconfig",
            "apiVersion: v1\nkind: Config\ncurrent-context: test\n"
            "clusters: [{name: test, cluster: {server: \"" +
                server().url() +
                "\"}}]\n"
                "users: [{name: test, user: {token: test-token}}]\n"
                "contexts: [{name: test, context: {cluster: test, user: test, "
                "namespace: default}}]\n");
}

OperatorHarness::~OperatorHarness() {
  if (operator_ && operator_->Running()) StopOperator();
}

bool OperatorHarness::StartOperator(std::vector<std::string> flags) {
  metrics_port_ = FreePort();
  health_port_ = FreePort();
  std::vector<std::string> argv = {
      ACEQUIA_OPERATOR_BINARY,
      "--kubeconfig=" + kubeconfig(),
      "--metrics-bind-address=127.0.0.1:" + std::to_string(metrics_port_),
      "--health-probe-bind-address=127.0.0.1:" + std::to_string(health_port_),
      "--agent-image=registry.test/acequia-agent:e2e",
      "--import-image=registry.test/acequia-import:e2e",
      "--log-level=debug"};
  webhook_port_ = 0;
  if (std::none_of(flags.begin(), flags.end(), [](const std::string& flag) {
        return flag.rfind("--webhook-bind-address", 0) == 0;
      })) {
    webhook_port_ = FreePort();
    argv.push_back("--webhook-bind-address=127.0.0.1:" + std::to_string(webhook_port_));
  }
  argv.insert(argv.end(), flags.begin(), flags.end());
  std::filesystem::create_directories(dir_ / "operator");
  operator_ = std::make_unique<ChildProcess>(argv, dir_ / "operator");
  operator_->Start();
  const bool ready = WaitFor(
      [&] {
        return HttpGet("http://127.0.0.1:" + std::to_string(health_port_) + "/readyz").status ==
               200;
      },
      std::chrono::seconds(20));
  if (!ready) {
    ADD_FAILURE() << "acequia-operator did not become ready:\n" << operator_->Stderr();
  }
  return ready;
}

std::optional<int> OperatorHarness::StopOperator() {
  if (!operator_) return std::nullopt;
  operator_->Signal(SIGTERM);
  return operator_->Wait(std::chrono::seconds(15));
}

KubectlResult OperatorHarness::Kubectl(const std::string& args, const std::string& stdin_text) {
  std::string command =
      std::string(kKubectl) + " --kubeconfig " + kubeconfig() + " --request-timeout=20s " + args;
  if (!stdin_text.empty()) {
    WriteFile(dir_ / "stdin.yaml", stdin_text);
    command += " < " + (dir_ / "stdin.yaml");
  }
  KubectlResult result;
  result.output = RunCommand(command, &result.code);
  return result;
}

std::optional<Json> OperatorHarness::Get(const std::string& api_version,
                                         const std::string& resource, const std::string& ns,
                                         const std::string& name) const {
  return fixture_.server().Get(api_version, resource, ns, name);
}

std::optional<Json> OperatorHarness::WaitForObject(
    const std::string& api_version, const std::string& resource, const std::string& ns,
    const std::string& name, const std::function<bool(const Json&)>& condition,
    std::chrono::milliseconds timeout) {
  std::optional<Json> found;
  WaitFor(
      [&] {
        found = Get(api_version, resource, ns, name);
        return found && (!condition || condition(*found));
      },
      timeout);
  if (found && condition && !condition(*found)) return std::nullopt;
  return found;
}

std::set<RbacRequest> OperatorHarness::OperatorRequests() const {
  std::set<RbacRequest> out;
  for (const auto& r : fixture_.server().Requests()) {
    if (r.user_agent.rfind("acequia-operator", 0) != 0) continue;
    auto rbac = ToRbac(r.method, r.target);
    if (!rbac) continue;
    out.insert(*rbac);
    // A server-side apply that creates the object needs "create" as well as "patch".
    if (rbac->verb == "patch" && r.status == 201) out.insert({"create", rbac->group, rbac->resource});
  }
  return out;
}

Json StatusCondition(const Json& object, const std::string& type) {
  for (const auto& c : object.value("status", Json::object()).value("conditions", Json::array())) {
    if (c.value("type", "") == type) return c;
  }
  return Json();
}

}  // namespace acequia::testing
