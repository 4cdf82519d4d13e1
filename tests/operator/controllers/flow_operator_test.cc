// The acequia-operator binary end to end for Flows: the real kubectl applies the examples to the
// API test server, the operator creates the children, the test plays the Deployment/StatefulSet
// controllers and the kubelet by writing the workloads' status, and the Flow's status follows.
#include <gtest/gtest.h>

#include <fstream>

#include "api/flow.h"
#include "common/status.h"
#include "tests/operator/controllers/support/operator_harness.h"
#include "tests/support/net_client.h"

namespace acequia::testing {
namespace {

using namespace std::chrono_literals;

std::string Example(const std::string& name) {
  return std::string(ACEQUIA_SOURCE_DIR) + "/examples/flows/" + name;
}

// What the Deployment controller and the kubelets would report once `ready` pods of the current
// template pass their readiness probe.
void ReportRollout(OperatorHarness& h, const std::string& resource, const std::string& name,
                   int ready) {
  auto workload = h.Get("apps/v1", resource, "default", name);
  ASSERT_TRUE(workload);
  const int64_t generation = (*workload)["metadata"].value("generation", int64_t{1});
  const int64_t replicas = (*workload)["spec"].value("replicas", int64_t{1});
  Json status = {{"observedGeneration", generation},
                 {"replicas", replicas},
                 {"updatedReplicas", replicas},
                 {"readyReplicas", ready},
                 {"availableReplicas", ready}};
  if (resource == "statefulsets") {
    status["currentRevision"] = name + "-1";
    status["updateRevision"] = name + "-1";
  }
  const auto& type = resource == "statefulsets" ? acequia::kube::resources::kStatefulSets
                                                : acequia::kube::resources::kDeployments;
  auto patched = h.client().MergePatch(type, "default", name, Json{{"status", status}}, true);
  ASSERT_TRUE(patched.ok()) << patched.status().ToString();
}

bool ConditionIs(const Json& flow, const std::string& type, const std::string& status,
                 const std::string& reason) {
  Json c = StatusCondition(flow, type);
  return !c.is_null() && c.value("status", "") == status && c.value("reason", "") == reason &&
         c.value("observedGeneration", int64_t{-1}) ==
             flow["metadata"].value("generation", int64_t{0});
}

Json Container(const Json& workload) {
  return workload["spec"]["template"]["spec"]["containers"][0];
}

TEST(FlowOperatorTest, QuickstartGetsItsAgentsAndBecomesReady) {
  OperatorHarness h;
  ASSERT_TRUE(h.StartOperator());
  auto applied = h.Kubectl("apply -f " + Example("quickstart.yaml"));
  ASSERT_EQ(applied.code, 0) << applied.output;

  // The ConfigMap holds the agent config; it is the same Flow the agent would run locally.
  auto config_map = h.WaitForObject("v1", "configmaps", "default", "quickstart-config");
  ASSERT_TRUE(config_map) << h.operator_process()->Stderr();
  auto in_cluster = api::ParseFlow((*config_map)["data"]["flow.yaml"].get<std::string>());
  ASSERT_TRUE(in_cluster.flow) << api::JoinErrors(in_cluster.errors);
  auto local = api::LoadFlowFile(Example("quickstart.yaml"));
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(in_cluster.flow->spec.sources.size(), local->spec.sources.size());
  EXPECT_EQ(in_cluster.flow->spec.sinks[0].Fingerprint(), local->spec.sinks[0].Fingerprint());

  auto deployment = h.WaitForObject("apps/v1", "deployments", "default", "quickstart-agent");
  ASSERT_TRUE(deployment) << h.operator_process()->Stderr();
  EXPECT_EQ(Container(*deployment)["image"], "registry.test/acequia-agent:e2e");
  EXPECT_EQ(Container(*deployment)["readinessProbe"]["httpGet"]["path"], "/readyz");
  EXPECT_EQ(Container(*deployment)["livenessProbe"]["httpGet"]["path"], "/healthz");
  EXPECT_EQ((*deployment)["metadata"]["ownerReferences"][0]["kind"], "Flow");
  EXPECT_EQ((*deployment)["metadata"]["managedFields"][0]["manager"], "acequia-operator");

  auto service = h.WaitForObject("v1", "services", "default", "quickstart-agent");
  ASSERT_TRUE(service);
  std::set<int> ports;
  for (const auto& p : (*service)["spec"]["ports"]) ports.insert(p["port"].get<int>());
  EXPECT_TRUE(ports.count(8080) && ports.count(6666)) << (*service)["spec"]["ports"].dump();

  // Not ready while no agent is; ready once the kubelet reports both pods of the template.
  auto flow = h.WaitForObject(
      "acequia.io/v1alpha1", "flows", "default", "quickstart",
      [](const Json& f) { return ConditionIs(f, "Ready", "False", "RolloutInProgress"); });
  ASSERT_TRUE(flow) << h.Get("acequia.io/v1alpha1", "flows", "default", "quickstart")->dump(2);
  EXPECT_FALSE((*flow)["status"].value("configHash", "").empty());
  ReportRollout(h, "deployments", "quickstart-agent", 1);
  flow =
      h.WaitForObject("acequia.io/v1alpha1", "flows", "default", "quickstart",
                      [](const Json& f) { return ConditionIs(f, "Ready", "True", "AgentsReady"); });
  ASSERT_TRUE(flow) << h.Get("acequia.io/v1alpha1", "flows", "default", "quickstart")->dump(2);
  EXPECT_EQ((*flow)["status"]["readyReplicas"], 1);

  // What users see.
  auto get = h.Kubectl("get flows");
  EXPECT_EQ(get.code, 0) << get.output;
  EXPECT_NE(get.output.find("quickstart"), std::string::npos) << get.output;
  EXPECT_NE(get.output.find("True"), std::string::npos) << get.output;

  // The agents losing readiness degrades the Flow.
  ReportRollout(h, "deployments", "quickstart-agent", 0);
  EXPECT_TRUE(h.WaitForObject(
      "acequia.io/v1alpha1", "flows", "default", "quickstart",
      [](const Json& f) { return ConditionIs(f, "Degraded", "True", "AgentsUnavailable"); }));
  auto metrics = HttpGet("http://127.0.0.1:" + std::to_string(h.metrics_port()) + "/metrics");
  EXPECT_NE(metrics.body.find("controller_runtime_reconcile_total{controller=\"flow\""),
            std::string::npos);
  EXPECT_EQ(h.StopOperator(), 0) << h.operator_process()->Stderr();
}

TEST(FlowOperatorTest, ConfigChangesReloadButPortChangesRollThePods) {
  OperatorHarness h;
  ASSERT_TRUE(h.StartOperator());
  std::string manifest = ReadFile(Example("quickstart.yaml"));
  ASSERT_EQ(h.Kubectl("apply -f -", manifest).code, 0);
  auto first = h.WaitForObject("apps/v1", "deployments", "default", "quickstart-agent");
  ASSERT_TRUE(first) << h.operator_process()->Stderr();
  auto config1 = h.Get("v1", "configmaps", "default", "quickstart-config");
  ASSERT_TRUE(config1);

  // A sink setting: only the ConfigMap changes; the agents hot-reload it.
  std::string reconfigured = manifest;
  reconfigured.replace(reconfigured.find("rollInterval: 30s"), 17, "rollInterval: 45s");
  ASSERT_EQ(h.Kubectl("apply -f -", reconfigured).code, 0);
  auto config2 = h.WaitForObject("v1", "configmaps", "default", "quickstart-config",
                                 [&](const Json& cm) { return cm["data"] != (*config1)["data"]; });
  ASSERT_TRUE(config2) << h.operator_process()->Stderr();
  EXPECT_NE((*config2)["data"]["flow.yaml"].get<std::string>().find("45s"), std::string::npos);
  auto flow = h.WaitForObject(
      "acequia.io/v1alpha1", "flows", "default", "quickstart",
      [](const Json& f) { return f["status"].value("observedGeneration", 0) == 2; });
  ASSERT_TRUE(flow);
  std::this_thread::sleep_for(500ms);  // give a wrong rollout time to show
  auto same = h.Get("apps/v1", "deployments", "default", "quickstart-agent");
  EXPECT_EQ((*same)["metadata"]["generation"], (*first)["metadata"]["generation"])
      << "a config-only change must not roll the agents";
  EXPECT_EQ((*same)["spec"]["template"], (*first)["spec"]["template"]);

  // A port: the pods must restart to listen on it.
  std::string moved = reconfigured;
  moved.replace(moved.find("port: 6666"), 10, "port: 7777");
  ASSERT_EQ(h.Kubectl("apply -f -", moved).code, 0);
  auto rolled =
      h.WaitForObject("apps/v1", "deployments", "default", "quickstart-agent", [&](const Json& d) {
        return d["metadata"]["generation"] != (*first)["metadata"]["generation"];
      });
  ASSERT_TRUE(rolled) << h.operator_process()->Stderr();
  EXPECT_NE((*rolled)["spec"]["template"]["metadata"]["annotations"]["acequia.io/restart-hash"],
            (*first)["spec"]["template"]["metadata"]["annotations"]["acequia.io/restart-hash"]);
  auto service =
      h.WaitForObject("v1", "services", "default", "quickstart-agent",
                      [](const Json& s) { return s.dump().find("7777") != std::string::npos; });
  EXPECT_TRUE(service);
}

TEST(FlowOperatorTest, AFileChannelGetsAStatefulSetWithAVolumePerAgent) {
  OperatorHarness h;
  ASSERT_TRUE(h.StartOperator());
  ASSERT_EQ(h.Kubectl("apply -f " + Example("collector.yaml")).code, 0);
  auto sts = h.WaitForObject("apps/v1", "statefulsets", "default", "collector-agent");
  ASSERT_TRUE(sts) << h.operator_process()->Stderr();
  EXPECT_EQ((*sts)["spec"]["replicas"], 2);
  const Json& claims = (*sts)["spec"]["volumeClaimTemplates"];
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0]["spec"]["resources"]["requests"]["storage"], "5Gi");
  EXPECT_FALSE(h.Get("apps/v1", "deployments", "default", "collector-agent"));
  ReportRollout(h, "statefulsets", "collector-agent", 2);
  EXPECT_TRUE(h.WaitForObject(
      "acequia.io/v1alpha1", "flows", "default", "collector",
      [](const Json& f) { return ConditionIs(f, "Ready", "True", "AgentsReady"); }));

  // Switching the channel to memory and dropping the storage: a Deployment replaces the
  // StatefulSet.
  std::string manifest = ReadFile(Example("collector.yaml"));
  manifest.replace(manifest.find("type: file,"), 11, "type: memory,");
  manifest.replace(manifest.find("  storage: {size: 5Gi}\n"), 23, "");
  ASSERT_EQ(h.Kubectl("apply -f -", manifest).code, 0);
  EXPECT_TRUE(h.WaitForObject("apps/v1", "deployments", "default", "collector-agent"))
      << h.operator_process()->Stderr();
  EXPECT_TRUE(WaitFor(
      [&] { return !h.Get("apps/v1", "statefulsets", "default", "collector-agent"); }, 10s));
}

TEST(FlowOperatorTest, AnInvalidFlowIsReportedAndCreatesNothing) {
  OperatorHarness h;
  ASSERT_TRUE(h.StartOperator());
  // The CRD cannot check a regular expression; the operator's validator (RE2) can.
  const std::string manifest = R"(apiVersion: acequia.io/v1alpha1
kind: Flow
metadata: {name: broken}
spec:
  sources:
    - name: in
      type: netcat
      port: 6666
      channels: [c]
      interceptors: [{type: regex_filter, regex: "a("}]
  channels: [{name: c, type: memory}]
  sinks: [{name: out, type: logger, channel: c}]
)";
  auto applied = h.Kubectl("apply -f -", manifest);
  ASSERT_EQ(applied.code, 0) << applied.output;
  auto flow = h.WaitForObject(
      "acequia.io/v1alpha1", "flows", "default", "broken",
      [](const Json& f) { return ConditionIs(f, "Ready", "False", "InvalidSpec"); });
  ASSERT_TRUE(flow) << h.operator_process()->Stderr();
  const std::string message = StatusCondition(*flow, "Ready")["message"];
  EXPECT_NE(message.find("spec.sources[0].interceptors[0].regex: invalid regular expression"),
            std::string::npos)
      << message;
  EXPECT_FALSE(h.Get("v1", "configmaps", "default", "broken-config"));
  EXPECT_FALSE(h.Get("apps/v1", "deployments", "default", "broken-agent"));
  auto described = h.Kubectl("get flow broken -o wide");
  EXPECT_NE(described.output.find("InvalidSpec"), std::string::npos) << described.output;
  // Fixing it creates the agents.
  std::string fixed = manifest;
  fixed.replace(fixed.find("\"a(\""), 4, "\"a\"");
  ASSERT_EQ(h.Kubectl("apply -f -", fixed).code, 0);
  EXPECT_TRUE(h.WaitForObject("apps/v1", "deployments", "default", "broken-agent"));
}

TEST(FlowOperatorTest, SidecarModePublishesTheInjectionAndRunsNoAgents) {
  OperatorHarness h;
  ASSERT_TRUE(h.StartOperator());
  ASSERT_EQ(h.Kubectl("apply -f " + Example("sidecar.yaml")).code, 0);
  auto flow = h.WaitForObject(
      "acequia.io/v1alpha1", "flows", "default", "app-logs",
      [](const Json& f) { return ConditionIs(f, "Ready", "True", "SidecarConfigured"); });
  ASSERT_TRUE(flow) << h.operator_process()->Stderr();
  const Json& sidecar = (*flow)["status"]["sidecar"];
  ASSERT_TRUE(sidecar.contains("initContainers")) << sidecar.dump(2);
  EXPECT_EQ(sidecar["initContainers"][0]["restartPolicy"], "Always");
  EXPECT_TRUE(h.Get("v1", "configmaps", "default", "app-logs-config"));
  EXPECT_FALSE(h.Get("apps/v1", "deployments", "default", "app-logs-agent"));
}

TEST(FlowOperatorTest, DeletingAFlowRemovesEveryChild) {
  OperatorHarness h;
  ASSERT_TRUE(h.StartOperator());
  ASSERT_EQ(h.Kubectl("apply -f " + Example("quickstart.yaml")).code, 0);
  ASSERT_TRUE(h.WaitForObject("v1", "services", "default", "quickstart-agent"));
  ASSERT_TRUE(h.WaitForObject("apps/v1", "deployments", "default", "quickstart-agent"));
  auto deleted = h.Kubectl("delete flow quickstart --wait=true");
  ASSERT_EQ(deleted.code, 0) << deleted.output;
  EXPECT_TRUE(WaitFor(
      [&] {
        return !h.Get("v1", "configmaps", "default", "quickstart-config") &&
               !h.Get("apps/v1", "deployments", "default", "quickstart-agent") &&
               !h.Get("v1", "services", "default", "quickstart-agent");
      },
      10s));
}

TEST(FlowOperatorTest, AStandbyReplicaTakesOverWhenTheLeaderStops) {
  OperatorHarness h;
  const std::vector<std::string> election = {
      "--leader-elect", "--leader-election-namespace=default",
      "--leader-election-lease-duration=3s", "--leader-election-renew-deadline=2s",
      "--leader-election-retry-period=500ms"};
  ASSERT_TRUE(h.StartOperator(election));
  ASSERT_TRUE(h.WaitForObject("coordination.k8s.io/v1", "leases", "default", "acequia-operator"));
  EXPECT_EQ(h.StopOperator(), 0) << h.operator_process()->Stderr();
  auto lease = h.Get("coordination.k8s.io/v1", "leases", "default", "acequia-operator");
  ASSERT_TRUE(lease);
  EXPECT_EQ((*lease)["spec"].value("holderIdentity", ""), "") << "released on SIGTERM";
  ASSERT_TRUE(h.StartOperator(election));
  ASSERT_EQ(h.Kubectl("apply -f " + Example("quickstart.yaml")).code, 0);
  EXPECT_TRUE(h.WaitForObject("apps/v1", "deployments", "default", "quickstart-agent"))
      << h.operator_process()->Stderr();
}

TEST(FlowOperatorTest, EveryRequestIsAllowedByTheChartsRbac) {
  auto rules = ChartRbacRules();
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  OperatorHarness h;
  ASSERT_TRUE(h.StartOperator({"--leader-elect", "--leader-election-namespace=default"}));
  ASSERT_EQ(h.Kubectl("apply -f " + Example("quickstart.yaml")).code, 0);
  ASSERT_EQ(h.Kubectl("apply -f " + Example("collector.yaml")).code, 0);
  ASSERT_TRUE(h.WaitForObject("apps/v1", "statefulsets", "default", "collector-agent"));
  ReportRollout(h, "deployments", "quickstart-agent", 1);
  ASSERT_TRUE(h.WaitForObject(
      "acequia.io/v1alpha1", "flows", "default", "quickstart",
      [](const Json& f) { return ConditionIs(f, "Ready", "True", "AgentsReady"); }));
  EXPECT_EQ(h.StopOperator(), 0) << h.operator_process()->Stderr();
  const auto requests = h.OperatorRequests();
  ASSERT_FALSE(requests.empty());
  EXPECT_EQ(Ungranted(*rules, requests), "")
      << "the operator made these requests, which helm/acequia/templates/rbac.yaml does not grant";
}

}  // namespace
}  // namespace acequia::testing

namespace acequia::testing {
namespace {

// The chart and the binary agree: the operator starts with exactly the arguments the chart's
// Deployment gives it (listen addresses moved to free loopback ports) and reconciles.
TEST(FlowOperatorTest, StartsWithTheChartsArguments) {
  auto documents = ChartObjects("default");
  ASSERT_TRUE(documents.ok()) << documents.status().ToString();
  std::vector<std::string> args;
  for (const auto& doc : *documents) {
    if (doc.value("kind", "") != "Deployment") continue;
    for (const auto& arg : doc["spec"]["template"]["spec"]["containers"][0]["args"]) {
      const std::string text = arg.get<std::string>();
      // The harness gives each listener a free port; the chart's fixed ones would collide.
      if (text.find("-bind-address=") != std::string::npos) continue;
      args.push_back(text);
    }
  }
  ASSERT_FALSE(args.empty());
  OperatorHarness h;
  ASSERT_TRUE(h.StartOperator(args));
  ASSERT_EQ(h.Kubectl("apply -f " + Example("quickstart.yaml")).code, 0);
  EXPECT_TRUE(h.WaitForObject("apps/v1", "deployments", "default", "quickstart-agent"))
      << h.operator_process()->Stderr();
}

}  // namespace
}  // namespace acequia::testing
