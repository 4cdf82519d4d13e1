// Rendering a Flow into the Kubernetes objects that run it — pure functions, no I/O.
//
// Collector mode: a ConfigMap holding the agent configuration (the Flow manifest the agent reads
// with --config; hot-reloaded by the agents, so a config-only change never restarts a pod), a
// Deployment — or a StatefulSet with a volumeClaimTemplate when a channel is `file` or
// spec.storage is set — running acequia-agent with /healthz and /readyz probes, a Service for
// every network source port (plus the metrics port), Prometheus scrape annotations on the pods,
// and a PodMonitor when settings.pod_monitors. Sidecar mode: the ConfigMap and the snippet a
// mutating webhook injects into application pods (issue 9), published in status.sidecar.
//
// Restart-relevant parts of the config (ports, volumes, storage, image) are hashed into the pod
// template's acequia.io/restart-hash annotation, so changing them rolls the pods; everything else
// only changes the ConfigMap (acequia.io/config-hash on the ConfigMap and in status.configHash).
// Thread-safe (no state).
#pragma once

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
inline constexpr const char* kAgentContainerName = "acequia-agent";

// The names of a Flow's children.
std::string FlowConfigMapName(const std::string& flow);  // "<flow>-config"
std::string FlowWorkloadName(const std::string& flow);   // "<flow>-agent" (Deployment/StatefulSet/Service)

// The snippet injected into an application pod in sidecar mode: the agent as a native sidecar
// (an initContainer with restartPolicy Always), the volumes it needs, pod annotations.
struct SidecarSnippet {
  Json init_container;                 // corev1.Container
  Json volumes = Json::array();        // corev1.Volume[]: the config, the log volume
  Json annotations = Json::object();   // prometheus.io/scrape, port, path; acequia.io/config-hash
  Json ToJson() const;                 // {"initContainers": [..], "volumes": [..], "annotations": {..}}
};

struct FlowObjects {
  std::string config_hash;   // of the ConfigMap content
  std::string restart_hash;  // of what needs a pod restart
  Json config_map;
  Json workload;       // Deployment or StatefulSet; null in sidecar mode
  Json service;        // null when there is nothing to expose (sidecar mode)
  Json pod_monitor;    // null unless wanted
  Json sidecar;        // SidecarSnippet::ToJson() in sidecar mode, else null

  // The non-null objects in the order they should be applied (ConfigMap first).
  std::vector<Json> Objects() const;
};

// `flow` is the Flow object as read from the API server (apiVersion, kind, metadata with uid,
// spec); `parsed` is the same spec after api::ParseFlowNode (defaults applied, valid).
Result<FlowObjects> RenderFlow(const Json& flow, const api::Flow& parsed,
                               const OperatorSettings& settings);

// The agent container for either mode (shared by the Deployment/StatefulSet and the sidecar).
Json AgentContainer(const Json& flow, const api::Flow& parsed, const OperatorSettings& settings,
                    const std::string& restart_hash);

}  // namespace acequia::render
