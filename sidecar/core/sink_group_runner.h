// Runs a sink group on one thread (Flume's SinkRunner over a failover or load_balance
// SinkProcessor). For every batch the group's policy names the members to offer it to; the first
// one is asked to take a batch from its own channel and deliver it. When that member's delivery
// fails (rolled back: nothing is lost) the policy hears of it and the next member takes the same
// events at once from the channel; when every candidate failed, the group backs off exponentially
// (min_backoff doubling up to max_backoff), and when every member is penalised it waits for the
// first to revive. A member whose channel is empty passes the turn to the next member only if that
// one reads another channel. Members read any channels; each keeps its own sink metrics.
// Threading: Start/Stop from the control thread; everything else on the group's thread. The
// channels outlive the runner; the runner owns the members' sinks.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sidecar/core/agent_metrics.h"
#include "sidecar/core/sink_driver.h"
#include "sidecar/core/sink_group_policy.h"

namespace acequia::sidecar {

class SinkGroupRunner {
 public:
  struct Options {
    std::chrono::milliseconds min_backoff{100};
    std::chrono::milliseconds max_backoff{5000};
    std::chrono::milliseconds idle_wait{250};
  };

  SinkGroupRunner(std::string name, std::vector<std::unique_ptr<SinkDriver>> members,
                  std::unique_ptr<SinkGroupPolicy> policy, SinkGroupMetrics metrics,
                  Options options);
  ~SinkGroupRunner();

  // Starts every member's sink (none stays started when one fails), then the group's thread.
  Status Start();
  // Drain: keeps delivering until every member's channel is empty or `deadline` passes, then stops
  // the sinks. Without a drain (deadline in the past) it stops after the batch in flight.
  void Stop(std::chrono::steady_clock::time_point deadline);

 private:
  using Clock = std::chrono::steady_clock;

  void Run();
  // Waits `how_long`, or less when a stop's deadline comes first.
  void Pause(std::chrono::milliseconds how_long);
  bool PastDeadline();
  bool ChannelsEmpty() const;
  void MarkActive(size_t member);

  const std::string name_;
  const std::string scope_;
  std::vector<std::unique_ptr<SinkDriver>> members_;
  std::vector<Channel*> channels_;  // distinct channels of the members
  std::unique_ptr<SinkGroupPolicy> policy_;
  SinkGroupMetrics metrics_;
  Options options_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::atomic<bool> stopping_{false};
  Clock::time_point deadline_{};
};

}  // namespace acequia::sidecar
