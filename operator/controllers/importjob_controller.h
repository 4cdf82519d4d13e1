// The ImportJob controller: carries out what DecideImportJob (importjob_decision.h) asks for.
// A reconcile reads the ImportJob and its runs' Jobs and Pods from the manager's caches (Jobs and
// Pods are watched with the selector app.kubernetes.io/managed-by=acequia-operator, so the
// operator never caches the cluster's other pods), then, in this order: adds or removes the
// acequia.io/cleanup finalizer, deletes the active run's Jobs of a deleted ImportJob (Foreground),
// writes the new status through /status (a conflict retries the reconcile, so nothing is created
// from a stale view), creates the run's missing children (the snapshot ConfigMap once, the Jobs
// by server-side apply, field manager acequia-operator), prunes old runs and records Events.
// A pod of the active run that stays Pending past --import-pod-stuck-after has its Events
// listed (events.k8s.io/v1, fieldSelector regarding.kind=Pod,regarding.name=<pod>) at most once
// per that period; the last listing is kept in between, so the condition stays put.
// SetupImportJobController (manager.h) registers it.
// Threading: Reconcile() runs on the controller's workers, concurrently for different keys; the
// state of its own — the skipped schedule ticks already reported and the last Events listing of
// each stuck pod — is under a mutex, never held during a request.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "operator/controllers/importjob_decision.h"
#include "operator/controllers/manager.h"
#include "operator/kube/controller.h"

namespace acequia::controllers {

class ImportJobReconciler {
 public:
  explicit ImportJobReconciler(Manager& manager) : manager_(manager) {}

  Result<kube::ReconcileResult> Reconcile(const std::string& key);

 private:
  Status UpdateFinalizers(const Json& import_job, bool add);
  Status CreateChildren(const Json& import_job, const ImportJobActions& actions);
  Status PruneRuns(const Json& import_job, const std::vector<std::string>& runs);
  void Record(const Json& import_job, const ImportJobEvent& event);
  // Fills view.pod_events for the pods PodsAwaitingEvents() names, listing each one's Events
  // when its last listing is older than the grace period.
  void ListPodEvents(const std::string& key, ImportJobView& view);

  struct PodEventsListing {
    TimePoint at;
    std::vector<Json> events;
  };

  Manager& manager_;
  std::mutex mu_;
  std::map<std::string, TimePoint> reported_skips_;  // key → the last skipped tick reported
  // key → pod name → its last Events listing
  std::map<std::string, std::map<std::string, PodEventsListing>> pod_events_;
};

}  // namespace acequia::controllers
