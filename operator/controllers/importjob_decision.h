// The ImportJob controller's decisions, without I/O: given an ImportJob as read from the API
// server, the Jobs and Pods of its runs and the time, what to do next and the status to write.
//
// A run walks Planning (plan Job) → Running (the Indexed run Job, one pod per split) →
// Committing (commit Job) → Succeeded, or Failed at any step with the failing pod's termination
// message. The new status always comes first: status.run is written before the run's children
// are created, so a restarted operator resumes the same run, and the children are named by run
// (render/import_render.h), so creating them again is harmless.
//
// When a run starts: without spec.schedule, once per generation (status.observedGeneration is
// the generation the last run started from: a spec change during a run waits for its end); with
// a schedule, on the latest tick since the last run (missed ticks do not pile up; a tick during a
// run is skipped, concurrencyPolicy Forbid). spec.suspend starts nothing. Finished runs beyond
// successfulRunsHistoryLimit / failedRunsHistoryLimit are pruned. Deletion (the acequia.io/cleanup
// finalizer) deletes the active run's Jobs first. An invalid spec creates nothing: the status
// says Failed, reason InvalidSpec, with the validator's message.
//
// Pods that do not get going: a pod of the active run whose container waits with an image or
// container-config error (ErrImagePull, ImagePullBackOff, InvalidImageName,
// CreateContainerConfigError, CreateContainerError) or that the scheduler marked Unschedulable
// is stuck at once; a pod still Pending (ContainerCreating, or no container statuses yet) after
// pod_stuck_after is stuck when a Warning Event regards it (FailedMount, FailedAttachVolume,
// FailedCreatePodSandBox, …: the newest one counts). The controller lists those Events, for the
// pods PodsAwaitingEvents() names. A stuck pod sets the condition Stalled=True, reason PodStuck,
// with "pod <name>: <reason>: <message>", and a Warning PodStuck Event when that message is new;
// the phase does not change. Stalled=False (reason NotStalled) once no pod is stuck or the run
// ended; an ImportJob that never stalled has no Stalled condition.
// Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "operator/render/import_render.h"

namespace acequia::controllers {

using Json = nlohmann::json;
using TimePoint = std::chrono::system_clock::time_point;

// What the controller sees of one ImportJob.
struct ImportJobView {
  Json import_job;         // the ImportJob (metadata, spec, status)
  std::vector<Json> jobs;  // Jobs labelled acequia.io/importjob=<name>, every run
  std::vector<Json> pods;  // Pods labelled acequia.io/importjob=<name>, every run
  TimePoint now;
  // How long a pod of the active run may stay Pending with nothing on the pod saying why before
  // its Events are looked at (acequia-operator --import-pod-stuck-after).
  std::chrono::milliseconds pod_stuck_after{60000};
  // events.k8s.io/v1 Events regarding the pods PodsAwaitingEvents() named, by pod name.
  std::map<std::string, std::vector<Json>> pod_events;
};

struct ImportJobEvent {
  std::string type;  // Normal | Warning
  std::string reason;
  std::string note;
  bool operator==(const ImportJobEvent&) const = default;
};

struct ImportJobActions {
  bool add_finalizer = false;
  bool remove_finalizer = false;
  // Deletion: the active run's Jobs, deleted with propagationPolicy Foreground.
  std::vector<std::string> delete_jobs;
  // The status to write through /status (only when it differs from the current one); written
  // before anything is created.
  std::optional<Json> status;
  // Children of `run` to create when missing, in order: kPlan also creates the snapshot
  // ConfigMap. kRun uses `split_count`.
  std::string run;
  std::vector<render::ImportPhase> create;
  int split_count = 0;
  // Finished runs beyond the history limits: their Jobs and ConfigMap are deleted (Background).
  std::vector<std::string> prune_runs;
  std::vector<ImportJobEvent> events;
  // A schedule tick that fell during a run and was skipped (reported once by the caller).
  std::optional<TimePoint> skipped_tick;
  std::chrono::milliseconds requeue_after{0};  // 0: only on changes
};

ImportJobActions DecideImportJob(const ImportJobView& view);

// The pods of the active run that have been Pending for pod_stuck_after or longer with nothing
// on the pod itself saying why: the caller lists the Events regarding each one (at most once
// per pod_stuck_after; DecideImportJob requeues after that long) into view.pod_events.
std::vector<std::string> PodsAwaitingEvents(const ImportJobView& view);

// What keeps `pod` from getting going, as the condition and Event say it ("pod <name>:
// <reason>: <message>"), or "" when nothing does (yet). `events` are those regarding the pod.
std::string StuckPodMessage(const Json& pod, const std::vector<Json>& events, TimePoint now,
                            std::chrono::milliseconds stuck_after);

// A run id: the UTC time and a short hash ("20261121-070512-3fa1"), lower case, so part files
// and children sort by start time.
std::string NewImportRunId(TimePoint now, const std::string& uid, int64_t generation);

// The run ids found among `jobs` (label acequia.io/run), newest first, with whether each one
// succeeded (its commit Job completed), failed, or is unfinished.
enum class RunOutcome { kUnfinished, kSucceeded, kFailed };
struct RunRecord {
  std::string run;
  RunOutcome outcome = RunOutcome::kUnfinished;
};
std::vector<RunRecord> RunsOf(const std::vector<Json>& jobs);

// The runs to delete so that at most `keep_succeeded` succeeded and `keep_failed` failed runs
// remain (newest kept); unfinished runs are never pruned.
std::vector<std::string> RunsToPrune(const std::vector<RunRecord>& runs, int64_t keep_succeeded,
                                     int64_t keep_failed);

}  // namespace acequia::controllers
