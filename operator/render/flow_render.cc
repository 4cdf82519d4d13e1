// Rendering a Flow into its Kubernetes objects (see flow_render.h). Every object is built as
// nlohmann::json, whose objects keep their keys sorted, so the same Flow always renders to the
// same bytes. Pure functions; thread-safe.
#include "operator/render/flow_render.h"

#include <algorithm>
#include <set>
#include <string_view>
#include <utility>

#include "api/catalog.h"
#include "operator/kube/yaml_json.h"

namespace acequia::render {
namespace {

constexpr const char* kCollectorComponent = "collector";
constexpr const char* kSidecarComponent = "sidecar";
constexpr const char* kMetricsPortName = "metrics";
constexpr const char* kMetricsPath = "/metrics";
constexpr int64_t kFirstUnprivilegedPort = 1024;
constexpr size_t kMaxWorkloadName = 52;

using Labels = std::map<std::string, std::string>;

bool IsSidecar(const api::Flow& parsed) { return parsed.spec.mode == "sidecar"; }

// Volume names: plain in the agent's own pods, prefixed in an application's pod, whose own
// volumes they must not clash with.
std::string VolumeName(const api::Flow& parsed, const std::string& base) {
  return IsSidecar(parsed) ? "acequia-" + base : base;
}

// One port an agent listens on.
struct ListenPort {
  std::string name;  // an IANA service name, unique in the pod; empty: unnamed
  int64_t port = 0;
  std::string protocol;  // TCP | UDP
  std::string field;     // where the spec set it: "spec.sources[1].port"
};

// A valid container port name (IANA_SVC_NAME): at most 15 of [a-z0-9-], at least one letter,
// no leading, trailing or doubled '-'.
bool IsPortName(const std::string& name) {
  if (name.empty() || name.size() > 15 || name.front() == '-' || name.back() == '-') return false;
  if (name.find("--") != std::string::npos) return false;
  bool letter = false;
  for (char c : name) {
    if (c >= 'a' && c <= 'z') {
      letter = true;
    } else if (!(c >= '0' && c <= '9') && c != '-') {
      return false;
    }
  }
  return letter;
}

// A source property is a listening port when the catalogue declares it as an integer, or a list
// of integers, over exactly the port range. Sources whose type name says UDP listen on UDP,
// every other one on TCP.
bool IsPortRange(const api::PropertySpec& spec) { return spec.min == 1 && spec.max == 65535; }
bool IsPortProperty(const api::PropertySpec& spec) {
  return spec.type == api::PropertyType::kInt && IsPortRange(spec);
}
bool IsPortListProperty(const api::PropertySpec& spec) {
  return spec.type == api::PropertyType::kIntList && IsPortRange(spec);
}

// Every port the Flow's sources listen on, in spec order, named after their source when that
// makes a valid unique name ("<protocol>-<port>" otherwise, unique because the kernel needs the
// pair to be).
std::vector<ListenPort> SourcePorts(const api::Flow& parsed) {
  std::vector<ListenPort> ports;
  for (const auto& source : parsed.spec.sources) {
    const api::ComponentType* type =
        api::FindComponentType(api::ComponentKind::kSource, source.type);
    if (type == nullptr) continue;
    const std::string protocol = api::IsUdpSourceType(source.type) ? "UDP" : "TCP";
    std::vector<ListenPort> own;
    for (const auto& spec : type->properties) {
      const std::string name(spec.name);
      if (!source.properties.Has(name)) continue;
      const std::string field = source.path + "." + name;
      if (IsPortProperty(spec)) {
        own.push_back({"", source.properties.GetInt(name), protocol, field});
      } else if (IsPortListProperty(spec)) {
        const std::vector<int64_t> list = source.properties.GetIntList(name);
        for (size_t i = 0; i < list.size(); ++i) {
          own.push_back({"", list[i], protocol, field + "[" + std::to_string(i) + "]"});
        }
      }
    }
    for (auto& port : own) {
      port.name = own.size() == 1 ? source.name : source.name + "-" + std::to_string(port.port);
      ports.push_back(std::move(port));
    }
  }
  std::set<std::string> used = {kMetricsPortName};
  for (auto& port : ports) {
    if (!IsPortName(port.name) || used.count(port.name)) {
      std::string protocol = port.protocol;
      std::transform(protocol.begin(), protocol.end(), protocol.begin(), ::tolower);
      port.name = protocol + "-" + std::to_string(port.port);
    }
    used.insert(port.name);
  }
  return ports;
}

bool NeedsPersistentStorage(const api::Flow& parsed) {
  if (parsed.spec.storage_bytes) return true;
  return std::any_of(parsed.spec.channels.begin(), parsed.spec.channels.end(),
                     [](const api::ComponentConfig& c) { return c.type == "file"; });
}

// The PVC size: spec.storage.size as written (a quantity), else the operator's default.
std::string StorageSize(const Json& flow, const OperatorSettings& settings) {
  const Json& spec = flow.at("spec");
  if (spec.contains("storage") && spec["storage"].is_object() && spec["storage"].contains("size")) {
    const Json& size = spec["storage"]["size"];
    return size.is_string() ? size.get<std::string>() : size.dump();
  }
  return settings.default_storage_size;
}

// ---- validation of what only a pod would notice ----------------------------------------------

bool IsUnder(const std::string& path, const std::string& root) {
  if (path.find("/../") != std::string::npos || path.ends_with("/..")) return false;
  return path == root || path.starts_with(root + "/");
}

// The properties that name a path the agent writes to. A relative path is resolved against
// another of them (spooldir's trackerDir lies under its spoolDir), so only absolute ones are
// checked.
struct WrittenPath {
  api::ComponentKind kind;
  std::string_view type;
  std::string_view property;
};
constexpr WrittenPath kWrittenPaths[] = {
    {api::ComponentKind::kChannel, "file", "checkpointDir"},
    {api::ComponentKind::kChannel, "file", "dataDirs"},
    {api::ComponentKind::kSink, "file_roll", "directory"},
    {api::ComponentKind::kSource, "spooldir", "spoolDir"},  // completed files are renamed
    {api::ComponentKind::kSource, "spooldir", "trackerDir"},
    {api::ComponentKind::kSource, "taildir", "positionFile"},
};

// The agent's root file system is read-only: every path it writes must be on one of its volumes.
Status CheckWritablePaths(const api::Flow& parsed) {
  std::vector<std::string> roots = {kAgentDataDir, kAgentTmpDir};
  if (IsSidecar(parsed) && !parsed.spec.inject.log_volume.empty()) {
    roots.push_back(parsed.spec.inject.log_volume);
  }
  auto check_path = [&](const std::string& path, const std::string& field) -> Status {
    if (!path.starts_with("/")) return Status::Ok();
    for (const auto& root : roots) {
      if (IsUnder(path, root)) return Status::Ok();
    }
    std::string allowed;
    for (const auto& root : roots) allowed += (allowed.empty() ? "" : ", ") + root;
    return Status::InvalidArgument(field + ": \"" + path +
                                   "\" is not writable in the agent's pod (its root file system "
                                   "is read-only); use a path under " +
                                   allowed);
  };
  auto check = [&](api::ComponentKind kind, const std::string& type,
                   const api::PropertyValues& properties, const std::string& path) -> Status {
    const api::ComponentType* catalogued = api::FindComponentType(kind, type);
    for (const auto& written : kWrittenPaths) {
      if (written.kind != kind || written.type != type) continue;
      const std::string name(written.property);
      const api::PropertySpec* spec = catalogued ? catalogued->Find(name) : nullptr;
      if (spec == nullptr || !properties.Has(name)) continue;
      const std::string field = path + "." + name;
      if (spec->type == api::PropertyType::kStringList) {
        const auto& list = properties.GetList(name);
        for (size_t i = 0; i < list.size(); ++i) {
          if (Status s = check_path(list[i], field + "[" + std::to_string(i) + "]"); !s.ok()) {
            return s;
          }
        }
      } else if (spec->type == api::PropertyType::kString) {
        if (Status s = check_path(properties.GetString(name), field); !s.ok()) return s;
      }
    }
    return Status::Ok();
  };
  for (const auto& source : parsed.spec.sources) {
    if (Status s = check(api::ComponentKind::kSource, source.type, source.properties, source.path);
        !s.ok()) {
      return s;
    }
  }
  for (const auto& channel : parsed.spec.channels) {
    if (Status s =
            check(api::ComponentKind::kChannel, channel.type, channel.properties, channel.path);
        !s.ok()) {
      return s;
    }
  }
  for (const auto& sink : parsed.spec.sinks) {
    if (Status s = check(api::ComponentKind::kSink, sink.type, sink.properties, sink.path);
        !s.ok()) {
      return s;
    }
  }
  return Status::Ok();
}

// Two listeners on one port and protocol: the agent could not bind the second.
Status CheckDistinctPorts(const api::Flow& parsed, const std::vector<ListenPort>& ports) {
  std::map<std::pair<int64_t, std::string>, std::string> seen = {
      {{parsed.spec.metrics_port, "TCP"}, "spec.metrics.port"}};
  for (const auto& port : ports) {
    auto [it, inserted] = seen.emplace(std::make_pair(port.port, port.protocol), port.field);
    if (!inserted) {
      return Status::InvalidArgument(port.field + ": port " + std::to_string(port.port) +
                                     " is already used by " + it->second);
    }
  }
  return Status::Ok();
}

Status CheckRenderable(const Json& flow, const api::Flow& parsed,
                       const std::vector<ListenPort>& ports) {
  if (Status s = CheckWritablePaths(parsed); !s.ok()) return s;
  if (Status s = CheckDistinctPorts(parsed, ports); !s.ok()) return s;
  if (IsSidecar(parsed)) {
    // The sidecar runs as non-root in a pod whose sysctls belong to the application.
    for (const auto& port : ports) {
      if (port.port < kFirstUnprivilegedPort) {
        return Status::InvalidArgument(port.field + ": port " + std::to_string(port.port) +
                                       " is privileged; a sidecar agent runs as non-root and "
                                       "needs a port of 1024 or above");
      }
    }
    return Status::Ok();
  }
  // A Service name is a DNS-1035 label: it starts with a letter.
  const std::string name = flow["metadata"].value("name", "");
  const bool has_service = !ports.empty() || NeedsPersistentStorage(parsed);
  if (has_service && (name.empty() || name.front() < 'a' || name.front() > 'z')) {
    return Status::InvalidArgument(
        "metadata.name: \"" + name +
        "\" must start with a letter in collector mode, because it names the agents' Service");
  }
  return Status::Ok();
}

// ---- pieces -----------------------------------------------------------------------------------

Labels FlowLabels(const std::string& flow, const std::string& component) {
  Labels labels = StandardLabels(kAgentAppName, flow, component);
  labels[kFlowLabel] = flow;
  return labels;
}

// The agent's configuration: a Flow manifest with what the agent reads.
std::string AgentConfigText(const Json& flow) {
  Json spec = flow.at("spec");
  for (const char* key : {"mode", "replicas", "inject", "storage"}) spec.erase(key);
  Json metadata = {{"name", flow["metadata"].value("name", "")}};
  if (flow["metadata"].contains("namespace")) metadata["namespace"] = flow["metadata"]["namespace"];
  const Json manifest = {{"apiVersion", flow.value("apiVersion", "acequia.io/v1alpha1")},
                         {"kind", "Flow"},
                         {"metadata", std::move(metadata)},
                         {"spec", std::move(spec)}};
  return kube::JsonToYaml(manifest);
}

// What shapes the agent's pod; a change to any of it needs new pods.
Json RestartInputs(const Json& flow, const api::Flow& parsed, const OperatorSettings& settings,
                   const std::vector<ListenPort>& ports) {
  Json listen = Json::array();
  for (const auto& port : ports) {
    listen.push_back({{"name", port.name}, {"port", port.port}, {"protocol", port.protocol}});
  }
  Json inputs = {{"mode", parsed.spec.mode},
                 {"metricsPort", parsed.spec.metrics_port},
                 {"ports", std::move(listen)},
                 {"logVolume", parsed.spec.inject.log_volume}};
  if (!IsSidecar(parsed) && NeedsPersistentStorage(parsed)) {
    inputs["storage"] = StorageSize(flow, settings);
  }
  return inputs;
}

Json HttpProbe(const char* path, int64_t port, int64_t period, int64_t failures) {
  return Json{{"httpGet", {{"path", path}, {"port", port}}},
              {"periodSeconds", period},
              {"timeoutSeconds", 5},
              {"failureThreshold", failures}};
}

Json ScrapeAnnotations(const api::Flow& parsed) {
  return Json{{"prometheus.io/scrape", "true"},
              {"prometheus.io/port", std::to_string(parsed.spec.metrics_port)},
              {"prometheus.io/path", kMetricsPath}};
}

// Volumes of the agent's own pod, or of the application's pod in sidecar mode (the data volume
// of a StatefulSet comes from its claim template instead).
Json AgentVolumes(const Json& flow, const api::Flow& parsed, bool data_from_claim) {
  Json volumes = Json::array();
  volumes.push_back({{"name", VolumeName(parsed, "config")},
                     {"configMap", {{"name", FlowConfigMapName(flow["metadata"]["name"])}}}});
  if (!data_from_claim) {
    volumes.push_back({{"name", VolumeName(parsed, "data")}, {"emptyDir", Json::object()}});
  }
  volumes.push_back({{"name", VolumeName(parsed, "tmp")}, {"emptyDir", Json::object()}});
  if (IsSidecar(parsed) && !parsed.spec.inject.log_volume.empty()) {
    volumes.push_back({{"name", VolumeName(parsed, "logs")}, {"emptyDir", Json::object()}});
  }
  return volumes;
}

Json PodSecurityContext(int64_t lowest_port) {
  Json context = {{"runAsNonRoot", true},
                  {"runAsUser", kAgentUid},
                  {"runAsGroup", kAgentUid},
                  {"fsGroup", kAgentUid},
                  {"fsGroupChangePolicy", "OnRootMismatch"},
                  {"seccompProfile", {{"type", "RuntimeDefault"}}}};
  // A non-root agent may bind a privileged port (syslog's 514) through this namespaced, safe
  // sysctl, which the restricted Pod Security level allows.
  if (lowest_port < kFirstUnprivilegedPort) {
    context["sysctls"] = Json::array({{{"name", "net.ipv4.ip_unprivileged_port_start"},
                                       {"value", std::to_string(lowest_port)}}});
  }
  return context;
}

Json PodTemplate(const Json& flow, const api::Flow& parsed, const OperatorSettings& settings,
                 const std::string& restart_hash, const std::vector<ListenPort>& ports,
                 bool data_from_claim) {
  const std::string name = flow["metadata"]["name"];
  Json annotations = ScrapeAnnotations(parsed);
  annotations[kRestartHashAnnotation] = restart_hash;
  int64_t lowest_port = kFirstUnprivilegedPort;
  for (const auto& port : ports) lowest_port = std::min(lowest_port, port.port);
  Json spec = {
      {"containers", Json::array({AgentContainer(parsed, settings)})},
      {"volumes", AgentVolumes(flow, parsed, data_from_claim)},
      {"securityContext", PodSecurityContext(lowest_port)},
      {"terminationGracePeriodSeconds", kAgentTerminationGraceSeconds},
      // The agent never talks to the API server, and needs no Service environment variables.
      {"automountServiceAccountToken", false},
      {"enableServiceLinks", false},
      {"topologySpreadConstraints",
       Json::array({{{"maxSkew", 1},
                     {"topologyKey", "kubernetes.io/hostname"},
                     {"whenUnsatisfiable", "ScheduleAnyway"},
                     {"labelSelector", {{"matchLabels", FlowSelectorLabels(name)}}}}})},
  };
  return Json{{"metadata",
               {{"labels", FlowLabels(name, kCollectorComponent)},
                {"annotations", std::move(annotations)}}},
              {"spec", std::move(spec)}};
}

Json ConfigMap(const Json& flow, const api::Flow& parsed, const std::string& text,
               const std::string& config_hash) {
  const std::string name = flow["metadata"]["name"];
  Json metadata =
      ChildMetadata(flow, FlowConfigMapName(name),
                    FlowLabels(name, IsSidecar(parsed) ? kSidecarComponent : kCollectorComponent));
  metadata["annotations"] = {{kConfigHashAnnotation, config_hash}};
  return Json{{"apiVersion", "v1"},
              {"kind", "ConfigMap"},
              {"metadata", std::move(metadata)},
              {"data", {{kAgentConfigKey, text}}}};
}

Json Workload(const Json& flow, const api::Flow& parsed, const OperatorSettings& settings,
              const std::string& restart_hash, const std::vector<ListenPort>& ports) {
  const std::string name = flow["metadata"]["name"];
  const bool stateful = NeedsPersistentStorage(parsed);
  Json spec = {{"replicas", parsed.spec.replicas},
               {"selector", {{"matchLabels", FlowSelectorLabels(name)}}},
               {"template", PodTemplate(flow, parsed, settings, restart_hash, ports, stateful)}};
  if (!stateful) {
    // A new agent is ready before an old one drains: capacity never drops during a rollout.
    spec["strategy"] = {{"type", "RollingUpdate"},
                        {"rollingUpdate", {{"maxUnavailable", 0}, {"maxSurge", "25%"}}}};
    return Json{{"apiVersion", "apps/v1"},
                {"kind", "Deployment"},
                {"metadata", ChildMetadata(flow, FlowWorkloadName(name),
                                           FlowLabels(name, kCollectorComponent))},
                {"spec", std::move(spec)}};
  }
  // Agents are independent of each other: start and replace them in parallel.
  spec["podManagementPolicy"] = "Parallel";
  spec["serviceName"] = FlowHeadlessServiceName(name);
  spec["updateStrategy"] = {{"type", "RollingUpdate"}};
  // Its PVCs are "data-<workload>-<ordinal>", kept when the StatefulSet is scaled down or deleted
  // (the default retention policy): a file channel's events outlive its agent.
  spec["volumeClaimTemplates"] = Json::array(
      {{{"apiVersion", "v1"},
        {"kind", "PersistentVolumeClaim"},
        {"metadata",
         {{"name", VolumeName(parsed, "data")}, {"labels", FlowLabels(name, kCollectorComponent)}}},
        {"spec",
         {{"accessModes", Json::array({"ReadWriteOnce"})},
          {"resources", {{"requests", {{"storage", StorageSize(flow, settings)}}}}}}}}});
  return Json{{"apiVersion", "apps/v1"},
              {"kind", "StatefulSet"},
              {"metadata",
               ChildMetadata(flow, FlowWorkloadName(name), FlowLabels(name, kCollectorComponent))},
              {"spec", std::move(spec)}};
}

Json ServicePort(const std::string& name, int64_t port, const std::string& protocol) {
  return Json{{"name", name}, {"port", port}, {"protocol", protocol}, {"targetPort", name}};
}

Json Service(const Json& flow, const api::Flow& parsed, const std::vector<ListenPort>& ports) {
  const std::string name = flow["metadata"]["name"];
  Json service_ports = Json::array();
  for (const auto& port : ports) {
    service_ports.push_back(ServicePort(port.name, port.port, port.protocol));
  }
  service_ports.push_back(ServicePort(kMetricsPortName, parsed.spec.metrics_port, "TCP"));
  return Json{{"apiVersion", "v1"},
              {"kind", "Service"},
              {"metadata",
               ChildMetadata(flow, FlowWorkloadName(name), FlowLabels(name, kCollectorComponent))},
              {"spec",
               {{"type", "ClusterIP"},
                {"selector", FlowSelectorLabels(name)},
                {"ports", std::move(service_ports)}}}};
}

// Gives every agent of a StatefulSet its DNS name (<pod>.<service>), even while not ready.
Json HeadlessService(const Json& flow, const api::Flow& parsed) {
  const std::string name = flow["metadata"]["name"];
  return Json{
      {"apiVersion", "v1"},
      {"kind", "Service"},
      {"metadata",
       ChildMetadata(flow, FlowHeadlessServiceName(name), FlowLabels(name, kCollectorComponent))},
      {"spec",
       {{"clusterIP", "None"},
        {"publishNotReadyAddresses", true},
        {"selector", FlowSelectorLabels(name)},
        {"ports", Json::array({ServicePort(kMetricsPortName, parsed.spec.metrics_port, "TCP")})}}}};
}

Json PodMonitor(const Json& flow, const OperatorSettings& settings) {
  const std::string name = flow["metadata"]["name"];
  Labels labels = FlowLabels(name, kCollectorComponent);
  for (const auto& [key, value] : settings.pod_monitor_labels) labels[key] = value;
  return Json{
      {"apiVersion", "monitoring.coreos.com/v1"},
      {"kind", "PodMonitor"},
      {"metadata", ChildMetadata(flow, FlowWorkloadName(name), labels)},
      {"spec",
       {{"selector", {{"matchLabels", FlowSelectorLabels(name)}}},
        {"podMetricsEndpoints", Json::array({{{"port", kMetricsPortName},
                                              {"path", kMetricsPath},
                                              {"interval", settings.pod_monitor_interval}}})}}}};
}

SidecarSnippet Sidecar(const Json& flow, const api::Flow& parsed, const OperatorSettings& settings,
                       const std::string& restart_hash) {
  SidecarSnippet snippet;
  snippet.init_container = AgentContainer(parsed, settings);
  snippet.volumes = AgentVolumes(flow, parsed, /*data_from_claim=*/false);
  if (!parsed.spec.inject.log_volume.empty()) {
    snippet.volume_mounts.push_back(
        {{"name", VolumeName(parsed, "logs")}, {"mountPath", parsed.spec.inject.log_volume}});
  }
  snippet.annotations = ScrapeAnnotations(parsed);
  snippet.annotations[kRestartHashAnnotation] = restart_hash;
  return snippet;
}

}  // namespace

std::string FlowConfigMapName(const std::string& flow) { return ChildName(flow, "config"); }

std::string FlowWorkloadName(const std::string& flow) {
  return ChildName(flow, "agent", kMaxWorkloadName);
}

std::string FlowHeadlessServiceName(const std::string& flow) {
  return ChildName(flow, "agent-headless");
}

std::map<std::string, std::string> FlowSelectorLabels(const std::string& flow) {
  return {{"app.kubernetes.io/name", kAgentAppName}, {kFlowLabel, flow}};
}

Json SidecarSnippet::ToJson() const {
  return Json{{"initContainers", Json::array({init_container})},
              {"volumes", volumes},
              {"volumeMounts", volume_mounts},
              {"annotations", annotations}};
}

std::vector<Json> FlowObjects::Objects() const {
  std::vector<Json> objects;
  for (const Json* object : {&config_map, &headless_service, &service, &workload, &pod_monitor}) {
    if (!object->is_null()) objects.push_back(*object);
  }
  return objects;
}

Json AgentContainer(const api::Flow& parsed, const OperatorSettings& settings) {
  const bool sidecar = IsSidecar(parsed);
  const int64_t metrics_port = parsed.spec.metrics_port;
  Json ports = Json::array();
  for (const auto& port : SourcePorts(parsed)) {
    Json entry = {{"containerPort", port.port}, {"protocol", port.protocol}};
    if (!sidecar) entry["name"] = port.name;
    ports.push_back(std::move(entry));
  }
  Json metrics = {{"containerPort", metrics_port}, {"protocol", "TCP"}};
  // In an application's pod the name says whose metrics these are ("metrics" may be taken).
  metrics["name"] = sidecar ? "acequia-metrics" : kMetricsPortName;
  ports.push_back(std::move(metrics));

  Json mounts = Json::array(
      {{{"name", VolumeName(parsed, "config")}, {"mountPath", kAgentConfigDir}, {"readOnly", true}},
       {{"name", VolumeName(parsed, "data")}, {"mountPath", kAgentDataDir}},
       {{"name", VolumeName(parsed, "tmp")}, {"mountPath", kAgentTmpDir}}});
  if (sidecar && !parsed.spec.inject.log_volume.empty()) {
    mounts.push_back(
        {{"name", VolumeName(parsed, "logs")}, {"mountPath", parsed.spec.inject.log_volume}});
  }

  auto field_env = [](const char* name, const char* path) {
    return Json{{"name", name}, {"valueFrom", {{"fieldRef", {{"fieldPath", path}}}}}};
  };
  Json security = {{"allowPrivilegeEscalation", false},
                   {"readOnlyRootFilesystem", true},
                   {"capabilities", {{"drop", Json::array({"ALL"})}}}};
  if (sidecar) {
    // The application's pod sets no pod-level context for us.
    security["runAsNonRoot"] = true;
    security["runAsUser"] = kAgentUid;
    security["runAsGroup"] = kAgentUid;
    security["seccompProfile"] = {{"type", "RuntimeDefault"}};
  }

  Json container = {
      {"name", kAgentContainerName},
      {"image", settings.agent_image},
      {"imagePullPolicy", settings.image_pull_policy},
      {"args", Json::array({"run", "--config", std::string(kAgentConfigDir) + "/" + kAgentConfigKey,
                            "--metrics-port", std::to_string(metrics_port), "--drain-timeout",
                            std::to_string(kAgentDrainSeconds) + "s"})},
      {"env", Json::array({field_env("POD_NAME", "metadata.name"),
                           field_env("POD_NAMESPACE", "metadata.namespace"),
                           field_env("NODE_NAME", "spec.nodeName")})},
      {"ports", std::move(ports)},
      {"volumeMounts", std::move(mounts)},
      {"livenessProbe", HttpProbe("/healthz", metrics_port, 10, 6)},
      {"securityContext", std::move(security)},
      {"terminationMessagePolicy", "FallbackToLogsOnError"},
  };
  if (!settings.agent_resources.empty()) container["resources"] = settings.agent_resources;
  if (sidecar) {
    container["restartPolicy"] = "Always";
    // Application containers start once the agent is ready (up to 5 minutes: file channel replay).
    container["startupProbe"] = HttpProbe("/readyz", metrics_port, 2, 150);
  } else {
    container["readinessProbe"] = HttpProbe("/readyz", metrics_port, 5, 3);
    container["lifecycle"] = {{"preStop", {{"sleep", {{"seconds", kAgentPreStopSeconds}}}}}};
  }
  return container;
}

Result<FlowObjects> RenderFlow(const Json& flow, const api::Flow& parsed,
                               const OperatorSettings& settings) {
  if (!flow.contains("metadata") || !flow["metadata"].contains("name") || !flow.contains("spec")) {
    return Status::InvalidArgument("metadata.name: a Flow object needs metadata.name and spec");
  }
  const std::vector<ListenPort> ports = SourcePorts(parsed);
  if (Status s = CheckRenderable(flow, parsed, ports); !s.ok()) return s;

  FlowObjects out;
  const std::string text = AgentConfigText(flow);
  out.config_hash = ContentHash(text);
  out.restart_hash = ContentHash(RestartInputs(flow, parsed, settings, ports).dump());
  out.config_map = ConfigMap(flow, parsed, text, out.config_hash);
  if (IsSidecar(parsed)) {
    out.sidecar = Sidecar(flow, parsed, settings, out.restart_hash).ToJson();
    return out;
  }
  out.workload = Workload(flow, parsed, settings, out.restart_hash, ports);
  if (!ports.empty()) out.service = Service(flow, parsed, ports);
  if (NeedsPersistentStorage(parsed)) out.headless_service = HeadlessService(flow, parsed);
  if (settings.pod_monitors) out.pod_monitor = PodMonitor(flow, settings);
  return out;
}

}  // namespace acequia::render
