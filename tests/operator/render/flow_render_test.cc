// Tests of operator/render/flow_render: golden files of whole renderings, and the behaviours a
// user relies on (hot reload versus rollout, names, labels, owner references, the agent reading
// its ConfigMap).
//
// Golden files: tests/operator/render/golden/<case>.yaml hold every object a case renders, as a
// multi-document YAML stream (in sidecar mode: the ConfigMap and an application Pod with the
// snippet injected, so the snippet is checked as a real Pod). After a deliberate change to the
// rendering, regenerate them and review the diff (ctest passes the variable on to the tests):
//   ACEQUIA_UPDATE_GOLDEN=1 ctest --test-dir build/default -R FlowRenderGolden
//   git diff tests/operator/render/golden
// validate_golden.mjs (ctest render_golden_k8s_schema) checks every golden object against the
// official Kubernetes and Prometheus Operator schemas.
#include "operator/render/flow_render.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "api/catalog.h"
#include "operator/kube/yaml_json.h"

namespace acequia::render {
namespace {

const std::string kSourceDir = ACEQUIA_SOURCE_DIR;
const std::string kGoldenDir = kSourceDir + "/tests/operator/render/golden";
constexpr const char* kUid = "6f1c2a52-0d2e-4c57-9a53-3f0c8f0e2b11";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A Flow as the API server returns it, and the same Flow parsed by api/.
struct TestFlow {
  Json object;
  api::Flow parsed;
};

TestFlow FlowFromJson(Json object) {
  object["metadata"]["namespace"] = "shop";
  object["metadata"]["uid"] = kUid;
  api::FlowParseResult result = api::ParseFlow(kube::JsonToYaml(object));
  EXPECT_TRUE(result.flow) << (result.errors.empty() ? "" : result.errors[0].message);
  return TestFlow{object, result.flow.value_or(api::Flow{})};
}

TestFlow FlowFromYaml(const std::string& yaml) {
  auto object = kube::ParseYamlOrJson(yaml);
  EXPECT_TRUE(object.ok()) << object.status().message();
  return FlowFromJson(object.ok() ? *object : Json::object());
}

TestFlow Quickstart() {
  return FlowFromYaml(ReadFile(kSourceDir + "/examples/flows/quickstart.yaml"));
}

FlowObjects Render(const TestFlow& flow, const OperatorSettings& settings = {}) {
  auto rendered = RenderFlow(flow.object, flow.parsed, settings);
  EXPECT_TRUE(rendered.ok()) << rendered.status().message();
  return rendered.ok() ? *rendered : FlowObjects{};
}

Status RenderError(const TestFlow& flow) {
  return RenderFlow(flow.object, flow.parsed, OperatorSettings{}).status();
}

const Json& PodTemplate(const FlowObjects& objects) { return objects.workload["spec"]["template"]; }

constexpr const char* kFileChannelFlow = R"(
apiVersion: acequia.io/v1alpha1
kind: Flow
metadata: {name: orders}
spec:
  replicas: 2
  sources:
    - {name: intake, type: http, port: 8080, channels: [durable]}
  channels:
    - {name: durable, type: file, capacity: 100000, transactionCapacity: 1000}
  sinks:
    - {name: archive, type: file_roll, channel: durable, directory: "/var/lib/acequia/out/%Y-%m-%d"}
)";

constexpr const char* kStorageFlow = R"(
apiVersion: acequia.io/v1alpha1
kind: Flow
metadata: {name: numbers}
spec:
  sources:
    - {name: gen, type: seq, channels: [mem]}
  channels:
    - {name: mem, type: memory}
  sinks:
    - {name: files, type: file_roll, channel: mem, directory: /var/lib/acequia/numbers}
  storage: {size: 5Gi}
  metrics: {port: 9100}
)";

// The Flow of the design document, with its archive on the agent's volume.
constexpr const char* kWebLogsFlow = R"(
apiVersion: acequia.io/v1alpha1
kind: Flow
metadata: {name: web-logs}
spec:
  replicas: 2
  sources:
    - name: web
      type: http
      port: 8080
      channels: [main, errors]
      selector: {type: multiplexing, header: level, mapping: {error: [errors]}, default: [main]}
      interceptors:
        - {type: timestamp}
        - {type: regex_filter, regex: healthcheck, excludeEvents: true}
  channels:
    - {name: main, type: memory, capacity: 100000, transactionCapacity: 1000}
    - {name: errors, type: file, capacity: 1000000, transactionCapacity: 10000}
  sinks:
    - {name: archive, type: file_roll, channel: main, directory: "/var/lib/acequia/archive/%Y-%m-%d"}
    - {name: alert, type: http, channel: errors, endpoint: "https://alerts.example/ingest"}
    - {name: alert-spare, type: http, channel: errors, endpoint: "https://alerts-dr.example/ingest"}
  sinkGroups:
    - {name: alerting, sinks: [alert, alert-spare],
       processor: {type: failover, priority: {alert: 10, alert-spare: 5}, maxpenalty: 30s}}
  storage: {size: 5Gi}
  metrics: {port: 9464}
)";

constexpr const char* kSidecarFlow = R"(
apiVersion: acequia.io/v1alpha1
kind: Flow
metadata: {name: web-logs}
spec:
  mode: sidecar
  inject: {selector: {matchLabels: {app: web}}, logVolume: /var/log/app}
  sources:
    - {name: local, type: netcat, port: 5140, channels: [main], interceptors: [{type: host}]}
  channels:
    - {name: main, type: memory, capacity: 1000, transactionCapacity: 100}
  sinks:
    - {name: out, type: logger, channel: main}
)";

// ---- golden files -----------------------------------------------------------------------------

// An application Pod as the webhook leaves it: the snippet's initContainer, volumes, mounts and
// annotations added to a one-container pod.
Json InjectedPod(const FlowObjects& objects) {
  const Json& snippet = objects.sidecar;
  Json app = {{"name", "web"}, {"image", "nginx:1.27"}, {"volumeMounts", snippet["volumeMounts"]}};
  return Json{{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata",
               {{"name", "web-7d9f8"},
                {"namespace", "shop"},
                {"labels", {{"app", "web"}}},
                {"annotations", snippet["annotations"]}}},
              {"spec",
               {{"initContainers", snippet["initContainers"]},
                {"containers", Json::array({app})},
                {"volumes", snippet["volumes"]}}}};
}

std::string GoldenText(const std::string& name, const FlowObjects& objects) {
  std::string text = "# Golden file of tests/operator/render/flow_render_test.cc, case " + name +
                     ".\n# Regenerate with ACEQUIA_UPDATE_GOLDEN=1 (see the test's header).\n";
  std::vector<Json> docs = objects.Objects();
  if (!objects.sidecar.is_null()) docs.push_back(InjectedPod(objects));
  for (const auto& doc : docs) text += "---\n" + kube::JsonToYaml(doc);
  return text;
}

void ExpectGolden(const std::string& name, const FlowObjects& objects) {
  const std::string path = kGoldenDir + "/" + name + ".yaml";
  const std::string text = GoldenText(name, objects);
  const char* update = std::getenv("ACEQUIA_UPDATE_GOLDEN");  // NOLINT(concurrency-mt-unsafe)
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(path) << text;
    return;
  }
  std::ifstream probe(path);
  ASSERT_TRUE(probe.good()) << path << " is missing: run with ACEQUIA_UPDATE_GOLDEN=1";
  EXPECT_EQ(ReadFile(path), text) << path
                                  << " differs from the rendering; if the change is intended, "
                                     "regenerate with ACEQUIA_UPDATE_GOLDEN=1 and review the diff";
}

TEST(FlowRenderGolden, QuickstartCollector) { ExpectGolden("quickstart", Render(Quickstart())); }

TEST(FlowRenderGolden, FileChannelMakesAStatefulSetWithAVolumeClaim) {
  ExpectGolden("file_channel", Render(FlowFromYaml(kFileChannelFlow)));
}

TEST(FlowRenderGolden, StorageMakesAStatefulSetOfThatSize) {
  ExpectGolden("storage", Render(FlowFromYaml(kStorageFlow)));
}

TEST(FlowRenderGolden, DesignExampleWithFileChannelSinkGroupAndStorage) {
  ExpectGolden("web_logs", Render(FlowFromYaml(kWebLogsFlow)));
}

TEST(FlowRenderGolden, SidecarRendersTheConfigAndTheSnippet) {
  ExpectGolden("sidecar", Render(FlowFromYaml(kSidecarFlow)));
}

TEST(FlowRenderGolden, PodMonitorWhenWanted) {
  OperatorSettings settings;
  settings.pod_monitors = true;
  settings.pod_monitor_labels = {{"release", "prometheus"}};
  ExpectGolden("pod_monitor", Render(Quickstart(), settings));
}

TEST(FlowRenderGolden, SyslogUdpPort) {
  if (api::FindComponentType(api::ComponentKind::kSource, "syslogudp") == nullptr) {
    GTEST_SKIP() << "no syslogudp source in the catalogue yet";
  }
  ExpectGolden("syslog_udp", Render(FlowFromYaml(R"(
metadata: {name: syslog}
spec:
  sources:
    - {name: udp, type: syslogudp, port: 514, channels: [main]}
  channels:
    - {name: main, type: memory}
  sinks:
    - {name: out, type: logger, channel: main}
)")));
}

TEST(FlowRenderGolden, MultiPortSyslog) {
  if (api::FindComponentType(api::ComponentKind::kSource, "multiport_syslogtcp") == nullptr) {
    GTEST_SKIP() << "no multiport_syslogtcp source in the catalogue yet";
  }
  ExpectGolden("multiport_syslog", Render(FlowFromYaml(R"(
metadata: {name: syslog-relay}
spec:
  replicas: 3
  sources:
    - {name: tcp, type: multiport_syslogtcp, ports: [5140, 5141], channels: [main]}
  channels:
    - {name: main, type: memory}
  sinks:
    - {name: out, type: logger, channel: main}
)")));
}

// ---- hot reload versus rollout ----------------------------------------------------------------

TEST(FlowRender, ConfigOnlyChangeChangesTheConfigMapAndNotThePods) {
  TestFlow before = Quickstart();
  Json changed = before.object;
  changed["spec"]["sinks"][0]["rollInterval"] = "5m";
  FlowObjects a = Render(before);
  FlowObjects b = Render(FlowFromJson(changed));
  EXPECT_NE(a.config_hash, b.config_hash);
  EXPECT_NE(a.config_map, b.config_map);
  EXPECT_EQ(b.config_map["metadata"]["annotations"][kConfigHashAnnotation], b.config_hash);
  EXPECT_EQ(a.restart_hash, b.restart_hash);
  EXPECT_EQ(a.workload, b.workload);
  EXPECT_EQ(a.service, b.service);
}

TEST(FlowRender, ScalingChangesOnlyTheReplicas) {
  TestFlow before = Quickstart();
  Json scaled = before.object;
  scaled["spec"]["replicas"] = 3;
  FlowObjects a = Render(before);
  FlowObjects b = Render(FlowFromJson(scaled));
  EXPECT_EQ(a.config_map, b.config_map);
  EXPECT_EQ(PodTemplate(a), PodTemplate(b));
  EXPECT_EQ(b.workload["spec"]["replicas"], 3);
}

TEST(FlowRender, PortChangeRollsThePods) {
  TestFlow before = Quickstart();
  Json moved = before.object;
  moved["spec"]["sources"][0]["port"] = 8081;
  FlowObjects a = Render(before);
  FlowObjects b = Render(FlowFromJson(moved));
  EXPECT_NE(a.restart_hash, b.restart_hash);
  EXPECT_EQ(PodTemplate(b)["metadata"]["annotations"][kRestartHashAnnotation], b.restart_hash);
  EXPECT_NE(PodTemplate(a)["metadata"]["annotations"][kRestartHashAnnotation],
            PodTemplate(b)["metadata"]["annotations"][kRestartHashAnnotation]);
  EXPECT_EQ(b.service["spec"]["ports"][0]["port"], 8081);
}

TEST(FlowRender, MetricsPortAndStorageChangesRollThePods) {
  TestFlow before = FlowFromYaml(kStorageFlow);
  Json bigger = before.object;
  bigger["spec"]["storage"]["size"] = "10Gi";
  Json metrics = before.object;
  metrics["spec"]["metrics"]["port"] = 9200;
  const std::string hash = Render(before).restart_hash;
  EXPECT_NE(Render(FlowFromJson(bigger)).restart_hash, hash);
  EXPECT_NE(Render(FlowFromJson(metrics)).restart_hash, hash);
}

TEST(FlowRender, SidecarSnippetChangesOnlyWithThePodsShape) {
  TestFlow before = FlowFromYaml(kSidecarFlow);
  Json reconfigured = before.object;
  reconfigured["spec"]["sinks"][0]["maxBytesToLog"] = 64;
  Json moved = before.object;
  moved["spec"]["inject"]["logVolume"] = "/var/log/web";
  FlowObjects a = Render(before);
  FlowObjects b = Render(FlowFromJson(reconfigured));
  FlowObjects c = Render(FlowFromJson(moved));
  EXPECT_NE(a.config_hash, b.config_hash);
  EXPECT_EQ(a.sidecar, b.sidecar);
  EXPECT_NE(a.restart_hash, c.restart_hash);
  EXPECT_EQ(c.sidecar["annotations"][kRestartHashAnnotation], c.restart_hash);
  EXPECT_EQ(c.sidecar["volumeMounts"][0]["mountPath"], "/var/log/web");
}

// ---- what the agent sees ----------------------------------------------------------------------

TEST(FlowRender, TheAgentParsesItsConfigMapAsTheSameFlow) {
  for (const TestFlow& flow :
       {Quickstart(), FlowFromYaml(kFileChannelFlow), FlowFromYaml(kStorageFlow),
        FlowFromYaml(kWebLogsFlow), FlowFromYaml(kSidecarFlow)}) {
    FlowObjects objects = Render(flow);
    api::FlowParseResult reread =
        api::ParseFlow(objects.config_map["data"][kAgentConfigKey].get<std::string>());
    ASSERT_TRUE(reread.flow) << reread.errors[0].path << ": " << reread.errors[0].message;
    const api::Flow& a = flow.parsed;
    const api::Flow& b = *reread.flow;
    EXPECT_EQ(b.name, a.name);
    EXPECT_EQ(b.namespace_name, "shop");
    EXPECT_EQ(b.spec.metrics_port, a.spec.metrics_port);
    ASSERT_EQ(b.spec.sources.size(), a.spec.sources.size());
    for (size_t i = 0; i < a.spec.sources.size(); ++i) {
      EXPECT_EQ(b.spec.sources[i].name, a.spec.sources[i].name);
      EXPECT_EQ(b.spec.sources[i].Fingerprint(), a.spec.sources[i].Fingerprint());
    }
    ASSERT_EQ(b.spec.channels.size(), a.spec.channels.size());
    for (size_t i = 0; i < a.spec.channels.size(); ++i) {
      EXPECT_EQ(b.spec.channels[i].Fingerprint(), a.spec.channels[i].Fingerprint());
    }
    ASSERT_EQ(b.spec.sinks.size(), a.spec.sinks.size());
    for (size_t i = 0; i < a.spec.sinks.size(); ++i) {
      EXPECT_EQ(b.spec.sinks[i].Fingerprint(), a.spec.sinks[i].Fingerprint());
    }
    ASSERT_EQ(b.spec.sink_groups.size(), a.spec.sink_groups.size());
    for (size_t i = 0; i < a.spec.sink_groups.size(); ++i) {
      EXPECT_EQ(b.spec.sink_groups[i].sinks, a.spec.sink_groups[i].sinks);
      EXPECT_EQ(b.spec.sink_groups[i].processor.Fingerprint(),
                a.spec.sink_groups[i].processor.Fingerprint());
    }
  }
}

TEST(FlowRender, TheConfigIsADirectoryMountSoUpdatesReachRunningAgents) {
  FlowObjects objects = Render(Quickstart());
  const Json& container = PodTemplate(objects)["spec"]["containers"][0];
  const Json args = container["args"];
  const auto config = std::find(args.begin(), args.end(), "--config");
  ASSERT_NE(config, args.end());
  EXPECT_EQ(*(config + 1), std::string(kAgentConfigDir) + "/" + kAgentConfigKey);
  bool mounted = false;
  for (const auto& mount : container["volumeMounts"]) {
    EXPECT_FALSE(mount.contains("subPath")) << mount.dump();
    if (mount["mountPath"] == kAgentConfigDir) mounted = true;
  }
  EXPECT_TRUE(mounted);
}

TEST(FlowRender, CollectorPodsAreRestrictedWithWritableDataAndTmp) {
  FlowObjects objects = Render(Quickstart());
  const Json& pod = PodTemplate(objects)["spec"];
  EXPECT_EQ(pod["securityContext"]["runAsNonRoot"], true);
  EXPECT_EQ(pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault");
  const Json& container = pod["containers"][0];
  EXPECT_EQ(container["securityContext"]["readOnlyRootFilesystem"], true);
  EXPECT_EQ(container["securityContext"]["allowPrivilegeEscalation"], false);
  EXPECT_EQ(container["securityContext"]["capabilities"]["drop"], Json::array({"ALL"}));
  std::set<std::string> mounted;
  for (const auto& mount : container["volumeMounts"]) mounted.insert(mount["mountPath"]);
  EXPECT_TRUE(mounted.count(kAgentDataDir));
  EXPECT_TRUE(mounted.count(kAgentTmpDir));
  EXPECT_FALSE(pod["securityContext"].contains("sysctls"));
}

TEST(FlowRender, APrivilegedPortIsAllowedThroughTheUnprivilegedPortSysctl) {
  TestFlow flow = Quickstart();
  flow.object["spec"]["sources"][1]["port"] = 514;
  FlowObjects objects = Render(FlowFromJson(flow.object));
  const Json& sysctls = PodTemplate(objects)["spec"]["securityContext"]["sysctls"];
  ASSERT_EQ(sysctls.size(), 1u);
  EXPECT_EQ(sysctls[0]["name"], "net.ipv4.ip_unprivileged_port_start");
  EXPECT_EQ(sysctls[0]["value"], "514");
}

TEST(FlowRender, PortsAreNamedAfterTheirSourceOrProtocolAndNumber) {
  TestFlow flow = Quickstart();
  flow.object["spec"]["sources"][0]["name"] = "a-very-long-source-name";
  flow.object["spec"]["sources"][1]["name"] = "metrics";
  FlowObjects objects = Render(FlowFromJson(flow.object));
  std::vector<std::string> names;
  for (const auto& port : objects.service["spec"]["ports"]) names.push_back(port["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"tcp-8080", "tcp-6666", "metrics"}));
  names.clear();
  const FlowObjects quickstart = Render(Quickstart());
  for (const auto& port : quickstart.service["spec"]["ports"]) names.push_back(port["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"web", "lines", "metrics"}));
}

TEST(FlowRender, NoServiceWithoutANetworkSource) {
  TestFlow flow = FlowFromYaml(kStorageFlow);
  flow.object["spec"].erase("storage");
  FlowObjects objects = Render(FlowFromJson(flow.object));
  EXPECT_EQ(objects.workload["kind"], "Deployment");
  EXPECT_TRUE(objects.service.is_null());
  EXPECT_TRUE(objects.headless_service.is_null());
  EXPECT_EQ(objects.Objects().size(), 2u);
}

TEST(FlowRender, SidecarModeHasNoWorkloadAndANativeSidecar) {
  FlowObjects objects = Render(FlowFromYaml(kSidecarFlow));
  EXPECT_TRUE(objects.workload.is_null());
  EXPECT_TRUE(objects.service.is_null());
  EXPECT_TRUE(objects.pod_monitor.is_null());
  ASSERT_EQ(objects.Objects().size(), 1u);
  EXPECT_EQ(objects.Objects()[0]["kind"], "ConfigMap");
  const Json& agent = objects.sidecar["initContainers"][0];
  EXPECT_EQ(agent["restartPolicy"], "Always");
  EXPECT_FALSE(agent.contains("readinessProbe"));
  EXPECT_EQ(objects.sidecar["volumeMounts"][0]["mountPath"], "/var/log/app");
  EXPECT_EQ(objects.sidecar["annotations"]["prometheus.io/port"], "9464");
}

// ---- names, labels, owners --------------------------------------------------------------------

TEST(FlowRender, NamesFitForALongFlowName) {
  const std::string name(63, 'f');
  TestFlow flow = FlowFromYaml(kFileChannelFlow);
  flow.object["metadata"]["name"] = name;
  OperatorSettings settings;
  settings.pod_monitors = true;
  FlowObjects objects = Render(FlowFromJson(flow.object), settings);
  ASSERT_EQ(objects.Objects().size(), 5u);
  std::set<std::string> names;
  for (const auto& object : objects.Objects()) {
    const std::string child = object["metadata"]["name"];
    EXPECT_LE(child.size(), 63u) << child;
    names.insert(object["kind"].get<std::string>() + "/" + child);
    for (const auto& [key, value] : object["metadata"]["labels"].items()) {
      EXPECT_LE(value.get<std::string>().size(), 63u) << key;
    }
  }
  EXPECT_EQ(names.size(), 5u);
  // A StatefulSet's pods carry "controller-revision-hash: <name>-<10 characters>".
  EXPECT_LE(objects.workload["metadata"]["name"].get<std::string>().size() + 11, 63u);
  EXPECT_NE(FlowWorkloadName(name), FlowWorkloadName(name.substr(0, 62) + "g"));
}

TEST(FlowRender, EveryObjectIsOwnedAndLabelledAndSelectorsAreStable) {
  OperatorSettings settings;
  settings.pod_monitors = true;
  for (const TestFlow& flow :
       {Quickstart(), FlowFromYaml(kFileChannelFlow), FlowFromYaml(kSidecarFlow)}) {
    FlowObjects objects = Render(flow, settings);
    const std::string name = flow.object["metadata"]["name"];
    for (const auto& object : objects.Objects()) {
      SCOPED_TRACE(object["kind"].get<std::string>());
      const Json& meta = object["metadata"];
      EXPECT_EQ(meta["namespace"], "shop");
      ASSERT_EQ(meta["ownerReferences"].size(), 1u);
      EXPECT_EQ(meta["ownerReferences"][0]["uid"], kUid);
      EXPECT_EQ(meta["ownerReferences"][0]["kind"], "Flow");
      EXPECT_EQ(meta["ownerReferences"][0]["controller"], true);
      EXPECT_EQ(meta["labels"][kFlowLabel], name);
      EXPECT_EQ(meta["labels"]["app.kubernetes.io/instance"], name);
      EXPECT_EQ(meta["labels"]["app.kubernetes.io/managed-by"], kManagedBy);
    }
    if (objects.workload.is_null()) continue;
    const Json selector = objects.workload["spec"]["selector"]["matchLabels"];
    EXPECT_EQ(selector, Json(FlowSelectorLabels(name)));
    for (const auto& [key, value] : selector.items()) {
      EXPECT_EQ(PodTemplate(objects)["metadata"]["labels"][key], value) << key;
    }
  }
}

// ---- what a pod would fail on -----------------------------------------------------------------

TEST(FlowRender, AnOutputOutsideTheWritableVolumesIsRejectedWithItsField) {
  TestFlow flow = Quickstart();
  flow.object["spec"]["sinks"][0]["directory"] = "/data/%Y-%m-%d";
  Status status = RenderError(FlowFromJson(flow.object));
  EXPECT_EQ(status.code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(status.message().starts_with("spec.sinks[0].directory: ")) << status.message();

  flow = FlowFromYaml(kFileChannelFlow);
  flow.object["spec"]["channels"][0]["dataDirs"] = Json::array({"/var/lib/acequia/a", "/disk"});
  status = RenderError(FlowFromJson(flow.object));
  EXPECT_TRUE(status.message().starts_with("spec.channels[0].dataDirs[1]: ")) << status.message();

  flow.object["spec"]["channels"][0]["dataDirs"] = Json::array({"/var/lib/acequia/../etc"});
  EXPECT_FALSE(RenderError(FlowFromJson(flow.object)).ok());
}

TEST(FlowRender, ASidecarMayWriteToTheLogVolume) {
  TestFlow flow = FlowFromYaml(kSidecarFlow);
  flow.object["spec"]["sinks"][0] = {
      {"name", "out"}, {"type", "file_roll"}, {"channel", "main"}, {"directory", "/var/log/app/x"}};
  EXPECT_TRUE(RenderError(FlowFromJson(flow.object)).ok());
}

TEST(FlowRender, ASidecarCannotListenOnAPrivilegedPort) {
  TestFlow flow = FlowFromYaml(kSidecarFlow);
  flow.object["spec"]["sources"][0]["port"] = 514;
  Status status = RenderError(FlowFromJson(flow.object));
  EXPECT_TRUE(status.message().starts_with("spec.sources[0].port: ")) << status.message();
}

TEST(FlowRender, TwoListenersOnOnePortAreRejectedWithTheField) {
  if (api::FindComponentType(api::ComponentKind::kSource, "multiport_syslogtcp") == nullptr) {
    GTEST_SKIP() << "no multiport_syslogtcp source in the catalogue yet";
  }
  TestFlow flow = Quickstart();
  flow.object["spec"]["sources"].push_back({{"name", "relay"},
                                            {"type", "multiport_syslogtcp"},
                                            {"ports", {5140, 6666}},
                                            {"channels", {"main"}}});
  Status status = RenderError(FlowFromJson(flow.object));
  EXPECT_EQ(status.message().rfind("spec.sources[2].ports[1]: port 6666 is already used by "
                                   "spec.sources[1].port",
                                   0),
            0u)
      << status.message();
}

TEST(FlowRender, AServiceNameMustStartWithALetter) {
  TestFlow flow = Quickstart();
  flow.object["metadata"]["name"] = "9lives";
  Status status = RenderError(FlowFromJson(flow.object));
  EXPECT_TRUE(status.message().starts_with("metadata.name: ")) << status.message();
}

}  // namespace
}  // namespace acequia::render
