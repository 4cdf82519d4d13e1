// The Flow controller: keeps each Flow's children (operator/render/flow_render.h) applied and its
// status true. A reconcile parses the Flow with the same api/ validator the agent uses (an
// invalid spec creates nothing and reports Ready=False/InvalidSpec with the validator's exact
// message; children of an earlier valid generation keep running), renders the children, applies
// the ones whose content changed (server-side apply, field manager acequia-operator), deletes
// children the spec no longer wants (a Deployment after a switch to a StatefulSet, a Service
// after the last network source went), and writes status through /status.
// Owner references make the garbage collector delete every child with its Flow, so a Flow needs
// no finalizer. Threading: Reconcile() runs on the controller's workers, concurrently for
// different keys; it holds no state of its own besides the manager.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "operator/controllers/manager.h"
#include "operator/kube/controller.h"

namespace acequia::controllers {

// What the Flow controller observed of the agents' workload.
struct WorkloadState {
  bool exists = false;
  int64_t desired = 0;           // spec.replicas of the Flow
  bool rolled_out = false;       // the workload controller saw the newest template everywhere
  int64_t replicas = 0;          // pods that exist
  int64_t ready_replicas = 0;    // pods that pass /readyz
  bool deadline_exceeded = false;  // a Deployment's progressDeadlineSeconds passed
};

// Reads a Deployment's or StatefulSet's status (null: it does not exist yet).
WorkloadState ObserveWorkload(const Json& workload, int64_t desired);

// The Flow's new status. `invalid_message` non-empty: the spec was rejected with it.
// `config_hash` and `sidecar` come from the rendering (empty/null when invalid).
Json ComputeFlowStatus(const Json& flow, const std::string& mode, const std::string& invalid_message,
                       const std::string& config_hash, const Json& sidecar,
                       const WorkloadState& workload,
                       std::chrono::system_clock::time_point now);

class FlowReconciler {
 public:
  explicit FlowReconciler(Manager& manager) : manager_(manager) {}
  Result<kube::ReconcileResult> Reconcile(const std::string& key);

 private:
  Status ApplyChildren(const Json& flow, const std::vector<Json>& objects);
  Status WriteStatus(const Json& flow, const Json& status);

  Manager& manager_;
};

}  // namespace acequia::controllers
