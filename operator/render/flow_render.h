// Rendering a Flow into the Kubernetes objects that run it — pure functions, no I/O.
//
// Collector mode: a ConfigMap holding the agent configuration (the Flow manifest the agent reads
// with --config; hot-reloaded by the agents, so a config-only change never restarts a pod), a
// Deployment — or a StatefulSet with a volumeClaimTemplate when a channel is `file` or
// spec.storage is set, plus the headless Service that governs it — running acequia-agent with
// /healthz and /readyz probes, a Service for the network source ports (plus the metrics port)
// when there is at least one, Prometheus scrape annotations on the pods, and a PodMonitor when
// settings.pod_monitors. Sidecar mode: the ConfigMap and the snippet a mutating webhook injects
// into application pods, published in status.sidecar.
//
// What shapes the pod (ports, volumes, storage, the log volume) is hashed into the pod template's
// acequia.io/restart-hash annotation, so changing it rolls the pods; everything else only changes
// the ConfigMap (acequia.io/config-hash on the ConfigMap and in status.configHash). The
// ConfigMap carries only what the agent reads (the pipeline, metrics, name and namespace):
// replicas, mode, inject and storage are the operator's business, so scaling a Flow leaves the
// agents' configuration alone.
// Thread-safe (no state).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "api/flow.h"
#include "common/status.h"
#include "operator/render/objects.h"
#include "operator/render/settings.h"

namespace acequia::render {

// Where the agent finds things inside its pod.
inline constexpr const char* kAgentConfigDir = "/etc/acequia";
inline constexpr const char* kAgentConfigKey = "flow.yaml";
inline constexpr const char* kAgentDataDir = "/var/lib/acequia";
inline constexpr const char* kAgentTmpDir = "/tmp";
inline constexpr const char* kAgentContainerName = "acequia-agent";
inline constexpr const char* kAgentAppName = "acequia-agent";
// The agent image's user and group (docker/agent.Dockerfile).
inline constexpr int64_t kAgentUid = 65532;
// A collector agent told to stop first waits kAgentPreStopSeconds (a preStop sleep) while its
// pod leaves the Services' endpoints, so clients are not refused in that window; it then drains
// for up to --drain-timeout. The grace period before SIGKILL covers both, plus closing files.
inline constexpr int64_t kAgentPreStopSeconds = 5;
inline constexpr int64_t kAgentDrainSeconds = 30;
inline constexpr int64_t kAgentTerminationGraceSeconds = 60;

// The names of a Flow's children. The workload name is at most 52 characters: a StatefulSet's
// pods carry a controller-revision-hash label "<name>-<10 characters>" that must fit in 63.
std::string FlowConfigMapName(const std::string& flow);  // "<flow>-config"
std::string FlowWorkloadName(
    const std::string& flow);  // "<flow>-agent": workload, Service, PodMonitor
std::string FlowHeadlessServiceName(const std::string& flow);  // "<flow>-agent-headless"

// The labels the workload selects its pods by: a stable subset of every child's labels (nothing
// in it depends on the spec, because a workload's selector is immutable).
std::map<std::string, std::string> FlowSelectorLabels(const std::string& flow);

// The snippet injected into an application pod in sidecar mode: the agent as a native sidecar
// (an initContainer with restartPolicy Always), the volumes it needs, the mounts the application
// containers get, pod annotations. The webhook reuses a volume the pod already mounts at
// spec.inject.logVolume instead of adding the emptyDir, and keeps prometheus.io/* annotations
// the pod already has (the application's own metrics win).
struct SidecarSnippet {
  Json init_container;                 // corev1.Container
  Json volumes = Json::array();        // corev1.Volume[]: config, log volume, agent scratch space
  Json volume_mounts = Json::array();  // corev1.VolumeMount[] for every application container
  Json annotations = Json::object();   // prometheus.io/scrape, port, path; acequia.io/restart-hash
  // {"initContainers": [..], "volumes": [..], "volumeMounts": [..], "annotations": {..}}
  Json ToJson() const;
};

struct FlowObjects {
  std::string config_hash;   // of the ConfigMap content
  std::string restart_hash;  // of what needs a pod restart
  Json config_map;
  Json workload;          // Deployment or StatefulSet; null in sidecar mode
  Json service;           // null when no source listens on a port (and in sidecar mode)
  Json headless_service;  // the StatefulSet's governing Service; null for a Deployment
  Json pod_monitor;       // null unless wanted (collector mode only)
  Json sidecar;           // SidecarSnippet::ToJson() in sidecar mode, else null; not an object

  // The non-null Kubernetes objects in the order they should be applied (ConfigMap first).
  std::vector<Json> Objects() const;
};

// `flow` is the Flow object as read from the API server (apiVersion, kind, metadata with uid,
// spec); `parsed` is the same spec after api::ParseFlowNode (defaults applied, valid).
// InvalidArgument, naming the field, for what the API validation cannot see but a pod would fail
// on: a path the agent must write outside its writable volumes (the root file system is
// read-only), two listeners on one port (a multi-port source's list included), a port below
// 1024 in a sidecar, a Service name that is not a DNS-1035 label.
Result<FlowObjects> RenderFlow(const Json& flow, const api::Flow& parsed,
                               const OperatorSettings& settings);

// The agent container for either mode (shared by the Deployment/StatefulSet and the sidecar).
// Collector: named ports, liveness and readiness probes. Sidecar: a startup probe instead of the
// readiness probe (an agent that is starting, reloading or draining never takes the application
// out of its Service), restartPolicy Always, and unnamed source ports (names could clash with the
// application's). `parsed` must be valid (RenderFlow checks what the container relies on).
Json AgentContainer(const api::Flow& parsed, const OperatorSettings& settings);

}  // namespace acequia::render
