// Tests of operator/webhook/pod_injector: the JSONPatch the mutating webhook returns, applied to
// real pod manifests — a Deployment's pod, a Job's pod, a pod that already has the agent, pods
// of another namespace — and the rejections a user sees.
//
// Golden files: tests/operator/webhook/golden/<case>.yaml hold each patched pod; the ctest
// webhook_injected_k8s_schema checks them against the official Kubernetes schemas
// (validate_injected.mjs). After an intended change:
//   ACEQUIA_UPDATE_GOLDEN=1 build/webhook/tests/operator/acequia_webhook_unit_tests
//   git diff tests/operator/webhook/golden
#include "operator/webhook/pod_injector.h"

#include <cpprest/asyncrt_utils.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "api/flow.h"
#include "operator/kube/yaml_json.h"
#include "operator/render/flow_render.h"
#include "operator/webhook/resource_validator.h"

namespace acequia::webhook {
namespace {

const std::string kSourceDir = ACEQUIA_SOURCE_DIR;
const std::string kGoldenDir = kSourceDir + "/tests/operator/webhook/golden";

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Json Yaml(const std::string& text) {
  auto json = kube::ParseYamlOrJson(text);
  EXPECT_TRUE(json.ok()) << json.status().ToString();
  return json.ok() ? *json : Json();
}

// The examples' sidecar Flow as the API server holds it, in namespace `ns`.
Json SidecarFlow(const std::string& ns = "shop") {
  Json flow = Yaml(ReadText(kSourceDir + "/examples/flows/sidecar.yaml"));
  flow["metadata"]["namespace"] = ns;
  flow["metadata"]["uid"] = "0c7f6d9e-5b1a-4e33-9d2c-7a1f00000001";
  flow["metadata"]["generation"] = 1;
  return flow;
}

Json CollectorFlow() {
  Json flow = Yaml(ReadText(kSourceDir + "/examples/flows/quickstart.yaml"));
  flow["metadata"]["namespace"] = "shop";
  flow["metadata"]["uid"] = "0c7f6d9e-5b1a-4e33-9d2c-7a1f00000002";
  return flow;
}

class FakeFlows : public FlowLister {
 public:
  Result<std::vector<Json>> ListFlows(const std::string& ns) override {
    if (fail) return Status::Unavailable("connection refused");
    return flows[ns];
  }
  std::map<std::string, std::vector<Json>> flows;
  bool fail = false;
};

AdmissionRequest PodRequest(const Json& pod, const std::string& ns = "shop") {
  AdmissionRequest request;
  request.uid = "pod-review-1";
  request.kind = "Pod";
  request.operation = "CREATE";
  request.ns = ns;
  request.object = pod;
  return request;
}

// The pod the webhook's response makes of `pod` (the patch applied as the API server would).
Json Patched(const AdmissionResponse& response, const Json& pod) {
  if (!response.response().contains("patch")) return pod;
  EXPECT_EQ(response.response()["patchType"], "JSONPatch");
  auto bytes = utility::conversions::from_base64(response.response()["patch"].get<std::string>());
  return pod.patch(Json::parse(std::string(bytes.begin(), bytes.end())));
}

// The snippet status.sidecar shows for `flow`: what every injected pod must get.
Json StatusSidecar(const Json& flow) {
  auto parsed = api::ParseFlow(ManifestText(flow, "Flow", "shop"),
                               flow["metadata"]["name"].get<std::string>());
  EXPECT_TRUE(parsed.flow) << api::JoinErrors(parsed.errors);
  auto rendered = render::RenderFlow(flow, *parsed.flow, {});
  EXPECT_TRUE(rendered.ok()) << rendered.status().ToString();
  return rendered->sidecar;
}

void ExpectGolden(const std::string& name, const Json& pod) {
  const std::string path = kGoldenDir + "/" + name + ".yaml";
  const std::string text = "# Golden file of tests/operator/webhook/pod_injector_test.cc, case " +
                           name + ": the pod after the webhook's patch.\n" +
                           "# Regenerate with ACEQUIA_UPDATE_GOLDEN=1 (see the test's header).\n" +
                           "---\n" + kube::JsonToYaml(pod);
  const char* update = std::getenv("ACEQUIA_UPDATE_GOLDEN");  // NOLINT(concurrency-mt-unsafe)
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(path) << text;
    return;
  }
  EXPECT_EQ(ReadText(path), text) << path
                                  << " differs; if intended, regenerate with "
                                     "ACEQUIA_UPDATE_GOLDEN=1 and review the diff";
}

// A pod as a Deployment's ReplicaSet creates it: generateName, no namespace in the object.
constexpr const char* kDeploymentPod = R"(
apiVersion: v1
kind: Pod
metadata:
  generateName: web-7d9f8c6b5-
  labels: {app: web, pod-template-hash: 7d9f8c6b5}
  ownerReferences:
    - {apiVersion: apps/v1, kind: ReplicaSet, name: web-7d9f8c6b5, uid: 9e0b7c1a-0000-4000-8000-000000000001, controller: true, blockOwnerDeletion: true}
spec:
  containers:
    - name: web
      image: nginx:1.27
      ports: [{containerPort: 80, protocol: TCP}]
    - name: exporter
      image: nginx/nginx-prometheus-exporter:1.1
  restartPolicy: Always
)";

// A Job's pod that asks for the Flow by label, with an init container and volumes of its own;
// its app already writes its logs to an emptyDir mounted at the Flow's log path.
constexpr const char* kJobPod = R"(
apiVersion: v1
kind: Pod
metadata:
  name: nightly-report-x7k2p
  namespace: shop
  labels:
    acequia.io/flow: app-logs
    batch.kubernetes.io/job-name: nightly-report
    job-name: nightly-report
  annotations:
    prometheus.io/scrape: "true"
    prometheus.io/port: "8000"
spec:
  restartPolicy: Never
  initContainers:
    - {name: migrate, image: "registry.example/report:2", args: [migrate]}
  containers:
    - name: report
      image: registry.example/report:2
      volumeMounts:
        - {name: app-logs, mountPath: /var/log/app}
        - {name: cache, mountPath: /cache}
  volumes:
    - {name: app-logs, emptyDir: {}}
    - {name: cache, emptyDir: {sizeLimit: 1Gi}}
)";

TEST(PodInjectorTest, ADeploymentsPodSelectedByTheFlowGetsTheSidecar) {
  FakeFlows flows;
  flows.flows["shop"] = {CollectorFlow(), SidecarFlow()};
  PodInjector injector(flows, {});
  const Json pod = Yaml(kDeploymentPod);
  auto response = injector.Review(PodRequest(pod));
  ASSERT_TRUE(response.allowed()) << response.response().dump();
  const Json patched = Patched(response, pod);
  const Json sidecar = StatusSidecar(SidecarFlow());

  // The agent is exactly what status.sidecar shows, as a native sidecar.
  ASSERT_EQ(patched["spec"]["initContainers"].size(), 1u);
  const Json& agent = patched["spec"]["initContainers"][0];
  EXPECT_EQ(agent, sidecar["initContainers"][0]);
  EXPECT_EQ(agent["name"], "acequia-agent");
  EXPECT_EQ(agent["restartPolicy"], "Always");
  EXPECT_TRUE(agent.contains("startupProbe"));
  EXPECT_TRUE(agent.contains("resources"));
  // Every volume of the snippet, the ConfigMap's among them.
  EXPECT_EQ(patched["spec"]["volumes"], sidecar["volumes"]);
  bool config_map = false;
  for (const auto& v : patched["spec"]["volumes"]) {
    config_map |= v.contains("configMap") && v["configMap"]["name"] == "app-logs-config";
  }
  EXPECT_TRUE(config_map) << patched["spec"]["volumes"].dump();
  // The log volume in both application containers.
  for (const auto& c : patched["spec"]["containers"]) {
    ASSERT_EQ(c["volumeMounts"].size(), 1u) << c.dump();
    EXPECT_EQ(c["volumeMounts"][0]["mountPath"], "/var/log/app");
    EXPECT_EQ(c["volumeMounts"][0]["name"], "acequia-logs");
  }
  const Json& annotations = patched["metadata"]["annotations"];
  EXPECT_EQ(annotations["acequia.io/injected"], "app-logs");
  EXPECT_EQ(annotations["prometheus.io/scrape"], "true");
  EXPECT_EQ(annotations["prometheus.io/port"], "9464");
  EXPECT_EQ(annotations[render::kRestartHashAnnotation],
            sidecar["annotations"][render::kRestartHashAnnotation]);
  ExpectGolden("deployment_pod", patched);

  // Admitting the patched pod again changes nothing.
  auto again = injector.Review(PodRequest(patched));
  EXPECT_TRUE(again.allowed());
  EXPECT_FALSE(again.response().contains("patch"));
}

TEST(PodInjectorTest, AJobsPodKeepsItsOwnLogVolumeInitContainersAndScrapeAnnotations) {
  FakeFlows flows;
  flows.flows["shop"] = {SidecarFlow()};
  PodInjector injector(flows, {});
  const Json pod = Yaml(kJobPod);
  auto response = injector.Review(PodRequest(pod));
  ASSERT_TRUE(response.allowed()) << response.response().dump();
  const Json patched = Patched(response, pod);

  // The agent comes first, so it is up before the migration runs; a native sidecar does not
  // keep the Job's pod alive once `report` exits.
  ASSERT_EQ(patched["spec"]["initContainers"].size(), 2u);
  EXPECT_EQ(patched["spec"]["initContainers"][0]["name"], "acequia-agent");
  EXPECT_EQ(patched["spec"]["initContainers"][0]["restartPolicy"], "Always");
  EXPECT_EQ(patched["spec"]["initContainers"][1]["name"], "migrate");
  // The pod's own volume at /var/log/app is the log volume: no second one, no second mount.
  bool agent_mounts_app_logs = false;
  for (const auto& m : patched["spec"]["initContainers"][0]["volumeMounts"]) {
    agent_mounts_app_logs |= m["name"] == "app-logs" && m["mountPath"] == "/var/log/app";
  }
  EXPECT_TRUE(agent_mounts_app_logs);
  for (const auto& v : patched["spec"]["volumes"]) EXPECT_NE(v["name"], "acequia-logs");
  EXPECT_EQ(patched["spec"]["containers"][0]["volumeMounts"].size(), 2u);
  // The application's own metrics win.
  EXPECT_EQ(patched["metadata"]["annotations"]["prometheus.io/port"], "8000");
  EXPECT_EQ(patched["metadata"]["annotations"]["acequia.io/injected"], "app-logs");
  ExpectGolden("job_pod", patched);
}

TEST(PodInjectorTest, APodThatAlreadyHasTheAgentIsLeftAlone) {
  FakeFlows flows;
  flows.flows["shop"] = {SidecarFlow()};
  PodInjector injector(flows, {});
  // Injected before (by an earlier release, or by hand), without our annotation: the container
  // name alone is enough.
  Json pod = Patched(injector.Review(PodRequest(Yaml(kDeploymentPod))), Yaml(kDeploymentPod));
  pod["metadata"]["annotations"].erase(kInjectedAnnotation);
  auto response = injector.Review(PodRequest(pod));
  EXPECT_TRUE(response.allowed());
  EXPECT_FALSE(response.response().contains("patch"));
  ExpectGolden("already_injected_pod", Patched(response, pod));
}

TEST(PodInjectorTest, PodsOfAnotherNamespaceAreNotSelectedAndALabelNeedsTheFlowThere) {
  FakeFlows flows;
  flows.flows["shop"] = {SidecarFlow()};
  PodInjector injector(flows, {});
  Json pod = Yaml(kDeploymentPod);
  auto response = injector.Review(PodRequest(pod, "billing"));
  EXPECT_TRUE(response.allowed());
  EXPECT_FALSE(response.response().contains("patch"));
  ExpectGolden("other_namespace_pod", Patched(response, pod));

  pod["metadata"]["labels"]["acequia.io/flow"] = "app-logs";
  response = injector.Review(PodRequest(pod, "billing"));
  ASSERT_FALSE(response.allowed());
  const std::string message = response.response()["status"]["message"];
  EXPECT_NE(message.find("no Flow \"app-logs\" in namespace \"billing\""), std::string::npos)
      << message;
}

TEST(PodInjectorTest, ALabelNamingACollectorFlowIsRefused) {
  FakeFlows flows;
  flows.flows["shop"] = {CollectorFlow()};
  PodInjector injector(flows, {});
  Json pod = Yaml(kDeploymentPod);
  pod["metadata"]["labels"]["acequia.io/flow"] = "quickstart";
  auto response = injector.Review(PodRequest(pod));
  ASSERT_FALSE(response.allowed());
  const std::string message = response.response()["status"]["message"];
  EXPECT_NE(message.find("Flow \"quickstart\" in namespace \"shop\" is not in sidecar mode"),
            std::string::npos)
      << message;
}

TEST(PodInjectorTest, TheOperatorsOwnPodsAndOtherOperationsPass) {
  FakeFlows flows;
  flows.flows["shop"] = {CollectorFlow()};
  PodInjector injector(flows, {});
  // A collector agent's pod carries acequia.io/flow too.
  Json pod = Yaml(kDeploymentPod);
  pod["metadata"]["labels"] = {{"acequia.io/flow", "quickstart"},
                               {"app.kubernetes.io/managed-by", "acequia-operator"}};
  EXPECT_TRUE(injector.Review(PodRequest(pod)).allowed());
  AdmissionRequest update = PodRequest(Yaml(kDeploymentPod));
  update.operation = "UPDATE";
  update.object["metadata"]["labels"]["acequia.io/flow"] = "missing";
  EXPECT_TRUE(injector.Review(update).allowed());
}

TEST(PodInjectorTest, TwoFlowsSelectingAPodInjectTheFirstWithAWarning) {
  FakeFlows flows;
  Json second = SidecarFlow();
  second["metadata"]["name"] = "zz-audit";
  flows.flows["shop"] = {second, SidecarFlow()};
  PodInjector injector(flows, {});
  const Json pod = Yaml(kDeploymentPod);
  auto response = injector.Review(PodRequest(pod));
  ASSERT_TRUE(response.allowed());
  EXPECT_EQ(Patched(response, pod)["metadata"]["annotations"]["acequia.io/injected"], "app-logs");
  ASSERT_TRUE(response.response().contains("warnings"));
  EXPECT_NE(response.response()["warnings"][0].get<std::string>().find("zz-audit"),
            std::string::npos);
}

TEST(PodInjectorTest, AnApiErrorIsAnErrorNotADecision) {
  FakeFlows flows;
  flows.fail = true;
  PodInjector injector(flows, {});
  auto response = injector.Review(PodRequest(Yaml(kDeploymentPod)));
  EXPECT_TRUE(response.is_error());  // the failurePolicy decides
  EXPECT_FALSE(response.allowed());
}

}  // namespace
}  // namespace acequia::webhook
