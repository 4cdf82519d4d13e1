// Rendering one run of an ImportJob into the Kubernetes objects that carry it out — pure
// functions, no I/O. A run `<run>` of ImportJob `<ij>` is:
//   ConfigMap <ij>-<run>          importjob.yaml: the manifest at run start, with
//                                 spec.incremental.lastValue set to the value carried in
//                                 status.lastValue; every pod of the run reads this snapshot, so
//                                 a spec edit during a run never changes it
//   Job <ij>-<run>-plan           acequia-import plan: the whole plan to
//                                 <target.path>/_temporary/<run>/plan.json on the shared volume,
//                                 the plan (or a summary) as the termination message
//   Job <ij>-<run>-run            Indexed: one pod per split, `run --split $(JOB_COMPLETION_INDEX)`
//   Job <ij>-<run>-commit         acequia-import commit: _SUCCESS and the run's totals
// Pods run as the restricted Pod Security Standard requires; the credentials Secret is mounted
// as files under /var/run/secrets/acequia/db/ and never appears in args or env values; the
// target claim is mounted at target.path. Every object carries the standard labels plus
// acequia.io/importjob, acequia.io/run and acequia.io/phase, and a controller ownerReference to
// the ImportJob. Thread-safe (no state).
#pragma once

#include <optional>
#include <string>

#include "api/import_job.h"
#include "operator/render/objects.h"
#include "operator/render/settings.h"

namespace acequia::render {

// Inside the pods.
inline constexpr const char* kImportJobFileDir = "/etc/acequia/import";
inline constexpr const char* kImportJobFileKey = "importjob.yaml";
inline constexpr const char* kImportCredentialsDir = "/var/run/secrets/acequia/db";
inline constexpr const char* kImportContainerName = "acequia-import";
inline constexpr const char* kTerminationLog = "/dev/termination-log";
// The Job controller's annotation (and label) holding an Indexed Job pod's index.
inline constexpr const char* kCompletionIndexAnnotation =
    "batch.kubernetes.io/job-completion-index";
// The ImportJob's finalizer: the active run's Jobs are deleted before the ImportJob goes.
inline constexpr const char* kImportFinalizer = "acequia.io/cleanup";

enum class ImportPhase { kPlan, kRun, kCommit };
const char* ImportPhaseName(ImportPhase phase);  // "plan", "run", "commit"

// Names of one run's children.
std::string ImportRunConfigMapName(const std::string& import_job, const std::string& run);
std::string ImportRunJobName(const std::string& import_job, const std::string& run,
                             ImportPhase phase);
// <target.path>/_temporary/<run>/plan.json, where the plan pod writes the whole plan.
std::string ImportPlanFile(const api::ImportTarget& target, const std::string& run);

// The labels of a run's children (phase empty: every phase; for selectors).
std::map<std::string, std::string> ImportRunLabels(const std::string& import_job,
                                                   const std::string& run,
                                                   const std::string& phase = "");

// The snapshot ConfigMap. `import_job` is the ImportJob as read from the API server;
// `last_value`, when set, replaces spec.incremental.lastValue (an incremental job's carried
// value). The file is JSON, which every YAML reader (acequia-import's too) reads.
Json RenderImportRunConfigMap(const Json& import_job, const std::string& run,
                              const std::optional<std::string>& last_value);

// A phase's Job. `run_spec` is the run's snapshot, parsed (what the pods will read);
// `split_count` matters for kRun only (completions, and parallelism's default).
Json RenderImportPhaseJob(const Json& import_job, const api::ImportJob& run_spec,
                          const OperatorSettings& settings, const std::string& run,
                          ImportPhase phase, int split_count = 1);

}  // namespace acequia::render
