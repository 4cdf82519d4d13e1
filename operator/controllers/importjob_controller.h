// The ImportJob controller: carries out what DecideImportJob (importjob_decision.h) asks for.
// A reconcile reads the ImportJob and its runs' Jobs and Pods from the manager's caches (Jobs and
// Pods are watched with the selector app.kubernetes.io/managed-by=acequia-operator, so the
// operator never caches the cluster's other pods), then, in this order: adds or removes the
// acequia.io/cleanup finalizer, deletes the active run's Jobs of a deleted ImportJob (Foreground),
// writes the new status through /status (a conflict retries the reconcile, so nothing is created
// from a stale view), creates the run's missing children (the snapshot ConfigMap once, the Jobs
// by server-side apply, field manager acequia-operator), prunes old runs and records Events.
// SetupImportJobController (manager.h) registers it.
// Threading: Reconcile() runs on the controller's workers, concurrently for different keys; the
// only state of its own is the set of skipped schedule ticks already reported, under a mutex.
#pragma once

#include <map>
#include <mutex>
#include <string>

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

  Manager& manager_;
  std::mutex mu_;
  std::map<std::string, TimePoint> reported_skips_;  // key → the last skipped tick reported
};

}  // namespace acequia::controllers
