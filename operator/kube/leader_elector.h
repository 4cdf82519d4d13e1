// LeaderElector: leader election on a coordination.k8s.io/v1 Lease, as client-go's
// leaderelection: a candidate takes the lease when it is free or its holder has not renewed it
// for leaseDuration (measured on the candidate's own clock from when it last saw the record
// change); the leader renews every retryPeriod and gives up when it could not renew for
// renewDeadline; on Stop() it releases the lease (empty holder) so another candidate takes over
// at once. Defaults 15 s / 10 s / 2 s. Optimistic concurrency: every write carries the lease's
// resourceVersion, so two candidates never both win.
// Threading: Start() runs the election on a background thread, which also runs the callbacks;
// is_leader() is safe from any thread. The client must outlive the elector.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "operator/kube/kube_client.h"

namespace acequia::kube {

struct LeaderElectionConfig {
  std::string lease_namespace = "default";
  std::string lease_name = "acequia-operator";
  std::string identity;  // unique per candidate, e.g. the pod name
  std::chrono::milliseconds lease_duration{15000};
  std::chrono::milliseconds renew_deadline{10000};
  std::chrono::milliseconds retry_period{2000};
  bool release_on_stop = true;
};

class LeaderElector {
 public:
  struct Callbacks {
    std::function<void()> on_started_leading;
    std::function<void()> on_stopped_leading;
    std::function<void(const std::string& identity)> on_new_leader;
  };

  LeaderElector(KubeClient& client, LeaderElectionConfig config, Callbacks callbacks);
  ~LeaderElector();
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  void Start();
  // Stops campaigning; a leader calls on_stopped_leading and releases the lease if configured.
  void Stop();
  bool is_leader() const { return leader_; }

 private:
  void Run();
  bool TryAcquireOrRenew();
  void Release();
  bool Sleep(std::chrono::milliseconds duration);

  KubeClient& client_;
  const LeaderElectionConfig config_;
  Callbacks callbacks_;
  std::atomic<bool> leader_{false};
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  // What we last saw in the lease and when (our clock), as client-go's observedRecord/Time.
  Json observed_spec_;
  std::chrono::steady_clock::time_point observed_at_;
  std::string last_leader_;
};

// "2006-01-02T15:04:05.000000Z": metav1.MicroTime, as Lease and events.k8s.io times want.
std::string MicroTimeNow();

}  // namespace acequia::kube
