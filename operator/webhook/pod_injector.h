// The mutating webhook for Pods: injects a sidecar-mode Flow's agent into application pods.
//
// Which Flow: a pod labelled acequia.io/flow=<name> asks for that Flow in its own namespace —
// when it does not exist, is not in sidecar mode or is invalid, the pod is rejected with a
// message naming the Flow and the namespace. A pod without the label gets the sidecar Flow of its
// namespace whose spec.inject.selector.matchLabels (non-empty) it matches; several matches:
// the first by name, with a warning. Pods of the operator itself (app.kubernetes.io/managed-by=
// acequia-operator: collector agents, importer pods) and pods that already carry the agent
// (the acequia.io/injected annotation, or a container named acequia-agent) are left alone, so
// injection is idempotent.
//
// What: render::RenderFlow's SidecarSnippet of that Flow — the same function and settings the
// controller uses, so the pod gets exactly what status.sidecar shows: the agent as the first
// initContainer with restartPolicy Always (a native sidecar: it starts before the application,
// stops after it, and does not keep a Job's pod running), the Flow's ConfigMap and the agent's
// scratch volumes, the log volume mounted into every application container at
// spec.inject.logVolume (a volume the pod already mounts there is reused instead), and the
// scrape annotations (prometheus.io/* the pod already has win). The result is an RFC 6902
// JSONPatch. Threading: Review() is thread-safe when the FlowLister is.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "operator/kube/kube_client.h"
#include "operator/render/settings.h"
#include "operator/webhook/admission_review.h"

namespace acequia::webhook {

inline constexpr const char* kInjectedAnnotation = "acequia.io/injected";

// Where the injector reads Flows from. Implementations must be thread-safe.
class FlowLister {
 public:
  virtual ~FlowLister() = default;
  // Every Flow in `ns` as the API server returns it.
  virtual Result<std::vector<Json>> ListFlows(const std::string& ns) = 0;
};

// Lists Flows through the API (a list per admission: pods are created far less often than the
// API server is asked for other things, and every replica, standby or leader, can serve).
// `client` must outlive it.
class ApiFlowLister : public FlowLister {
 public:
  explicit ApiFlowLister(kube::KubeClient& client) : client_(client) {}
  Result<std::vector<Json>> ListFlows(const std::string& ns) override;

 private:
  kube::KubeClient& client_;
};

// Whether the pod already has the agent (annotation or container name).
bool AlreadyInjected(const Json& pod);

// The JSONPatch operations that add `snippet` (render::SidecarSnippet::ToJson()) of the Flow
// `flow_name` to `pod`. Pure.
Json SidecarPatch(const Json& pod, const Json& snippet, const std::string& flow_name);

class PodInjector {
 public:
  // `flows` must outlive the injector.
  PodInjector(FlowLister& flows, render::OperatorSettings settings)
      : flows_(flows), settings_(std::move(settings)) {}

  AdmissionResponse Review(const AdmissionRequest& request);

 private:
  FlowLister& flows_;
  const render::OperatorSettings settings_;
};

}  // namespace acequia::webhook
