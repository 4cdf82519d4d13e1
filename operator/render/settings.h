// What the operator's flags decide about every object it renders: images, pull policy, default
// resources, whether PodMonitors are wanted and available. Plain values; thread-safe to share.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace acequia::render {

using Json = nlohmann::json;

struct OperatorSettings {
  std::string agent_image = "ghcr.io/acequia/acequia-agent:0.1.0";
  std::string import_image = "ghcr.io/acequia/acequia-import:0.1.0";
  std::string image_pull_policy = "IfNotPresent";
  // corev1.ResourceRequirements for agent and importer containers; empty object: none set.
  Json agent_resources = Json{{"requests", {{"cpu", "100m"}, {"memory", "64Mi"}}},
                              {"limits", {{"memory", "256Mi"}}}};
  Json import_resources = Json{{"requests", {{"cpu", "250m"}, {"memory", "128Mi"}}},
                               {"limits", {{"memory", "512Mi"}}}};
  // A PodMonitor per collector Flow, when wanted (--agent-pod-monitors) and the
  // monitoring.coreos.com/v1 API is served (the operator checks discovery at start).
  bool pod_monitors = false;
  std::string pod_monitor_interval = "30s";
  std::map<std::string, std::string> pod_monitor_labels;
  // Default PVC size for a collector with a file channel and no spec.storage.size.
  std::string default_storage_size = "1Gi";
};

}  // namespace acequia::render
