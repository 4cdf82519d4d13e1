// FakeKubelet: a test double for Kubernetes' Job controller and kubelet, so the operator's Jobs
// really run against the API test server. It watches batch/v1 Jobs and, for each new one that
// has not finished, runs its pods the way the real controllers would:
//  - pods named <job>-<index>-<attempt>, with the pod template's labels and spec, job-name and
//    (Indexed Jobs) the batch.kubernetes.io/job-completion-index label and annotation, owned by
//    the Job; created Pending, then Running, then Succeeded/Failed with the container's
//    terminated state (exitCode, reason, and the termination message read from the file the
//    container wrote at terminationMessagePath, at most 4096 bytes as the kubelet keeps);
//  - the container's process is a host program chosen by image (`programs`), started with the
//    container's command + args after $(VAR) expansion, env values, fieldRef env
//    (metadata.name/namespace, metadata.labels['k'], metadata.annotations['k']) and secretKeyRef;
//  - before its containers start, a pod is Pending (PodScheduled, containers waiting with reason
//    ContainerCreating) while the kubelet mounts its volumes: a non-optional Secret or ConfigMap
//    volume naming an object that does not exist keeps it there, and, as the kubelet's volume
//    manager does, a Warning Event (events.k8s.io/v1, reason FailedMount, reportingController
//    kubelet, note `MountVolume.SetUp failed for volume "<volume>" : secret "<name>" not
//    found`) regards the pod, its series bumped on every retry (`mount_retry_interval`); once
//    the object exists the pod runs;
//  - volumes become host directories: a persistentVolumeClaim maps to `claims[claim]` (default
//    <work_dir>/claims/<claim>), a ConfigMap or Secret is written as files (Secret data base64-
//    decoded), an emptyDir is a fresh directory. A mount path, and the terminationMessagePath,
//    are rewritten to their host directory wherever they start an argument, an env value or a
//    path inside a mounted ConfigMap file (so a config naming /warehouse/orders points at the
//    claim's directory) — the one liberty this double takes, since it cannot chroot;
//  - Job status as the Job controller writes it: startTime, active, succeeded, failed,
//    completedIndexes/failedIndexes ("0-2,4"), and the Complete or Failed condition with
//    completionTime; NonIndexed Jobs retry up to backoffLimit, Indexed ones each index up to
//    backoffLimitPerIndex (maxFailedIndexes ends the Job early), indexes run `parallelism` at a
//    time. The pods' final status is written before the Job's.
// Jobs that already carry a Complete/Failed condition are left alone; a Job deleted while
// running stops launching pods.
// Threading: Start() starts an informer and one thread per Job; FailIndex may be called from any
// thread; Stop() (or the destructor) waits for running containers to end.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "operator/kube/informer.h"
#include "operator/kube/kube_client.h"

namespace acequia::testing {

using Json = nlohmann::json;

struct FakeKubeletOptions {
  std::string ns;        // the namespace to watch; empty: every namespace
  std::string work_dir;  // pods' volumes and logs live under <work_dir>/pods/<pod>/
  // image → the host program that stands for it; a pod whose image is not here fails with
  // reason ErrImagePull.
  std::map<std::string, std::string> programs;
  // claim name → host directory (default <work_dir>/claims/<claim>).
  std::map<std::string, std::string> claims;
  // Extra environment for every container process (e.g. PATH for a test).
  std::map<std::string, std::string> env;
  // How often a pod waiting for a missing Secret or ConfigMap looks again (the real kubelet
  // backs off up to about two minutes).
  std::chrono::milliseconds mount_retry_interval{500};
};

class FakeKubelet {
 public:
  // `client` must outlive the FakeKubelet.
  FakeKubelet(::acequia::kube::KubeClient& client, FakeKubeletOptions options);
  ~FakeKubelet();
  FakeKubelet(const FakeKubelet&) = delete;
  FakeKubelet& operator=(const FakeKubelet&) = delete;

  void Start();
  void Stop();

  // From now on, pods of Jobs whose name ends with `job_name_suffix` and whose completion index
  // is `index` (0 for NonIndexed Jobs) do not start their program: they exit 1 leaving
  // `termination_message` — every attempt, so the index runs out of retries.
  void FailIndex(const std::string& job_name_suffix, int index,
                 const std::string& termination_message);

  int pods_run() const { return pods_run_; }
  // The host directory of a claim.
  std::string ClaimDir(const std::string& claim) const;

 private:
  struct Failure {
    std::string suffix;
    int index;
    std::string message;
  };
  struct Outcome {
    int exit_code = 0;
    std::string reason;
    std::string message;
  };

  void OnJob(const Json& job);
  void RunJob(Json job);
  // Runs one pod of `job` for `index` (attempt `attempt`); false when it failed.
  bool RunPod(const Json& job, int index, int attempt, bool indexed);
  Outcome RunContainer(const Json& pod, const Json& container, const std::string& pod_dir);
  // Waits until every non-optional Secret and ConfigMap volume of `pod` exists, posting
  // FailedMount Events meanwhile; false when the pod, its Job or the kubelet went first.
  bool MountVolumes(const Json& job, const Json& pod);
  // Creates the Warning FailedMount Event about `pod`, or bumps its series.
  void PostFailedMount(const Json& pod, const std::string& note, std::string& event_name,
                       int& count);
  std::optional<std::string> InjectedFailure(const std::string& job_name, int index);
  bool JobGone(const Json& job);
  void WriteJobStatus(Json& job, const Json& status);

  ::acequia::kube::KubeClient& client_;
  const FakeKubeletOptions options_;
  std::unique_ptr<::acequia::kube::Informer> informer_;
  std::mutex mu_;
  std::set<std::string> seen_;  // job uids
  std::vector<std::thread> threads_;
  std::vector<Failure> failures_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> pods_run_{0};
};

}  // namespace acequia::testing
