// Runs one sink on its own thread (Flume's SinkRunner): its SinkDriver takes a batch from the
// channel in a transaction, delivers it and commits or rolls back; the runner backs off
// exponentially (min_backoff doubling up to max_backoff) while deliveries fail. Sinks in a
// failover or load_balance group are run by a SinkGroupRunner instead.
// Threading: Start/Stop from the control thread; everything else on the runner's thread. The
// channel outlives the runner; the runner owns the sink.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "sidecar/core/agent_metrics.h"
#include "sidecar/core/channel.h"
#include "sidecar/core/sink.h"
#include "sidecar/core/sink_driver.h"

namespace acequia::sidecar {

class SinkRunner {
 public:
  struct Options {
    std::chrono::milliseconds min_backoff{100};
    std::chrono::milliseconds max_backoff{5000};  // Flume's maxBackoff
    std::chrono::milliseconds idle_wait{250};
  };

  SinkRunner(std::string name, std::unique_ptr<Sink> sink, Channel& channel, SinkMetrics metrics,
             Options options);
  SinkRunner(std::string name, std::unique_ptr<Sink> sink, Channel& channel, SinkMetrics metrics)
      : SinkRunner(std::move(name), std::move(sink), channel, metrics, Options{}) {}
  ~SinkRunner();

  Status Start();
  // Drain: keeps delivering until the channel is empty or `deadline` passes, then stops the sink.
  // Without a drain (deadline in the past) it stops after the batch in flight.
  void Stop(std::chrono::steady_clock::time_point deadline);
  Channel& channel() { return driver_.channel(); }

 private:
  void Run();
  void Pause(std::chrono::milliseconds how_long);

  SinkDriver driver_;
  Options options_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::atomic<bool> stopping_{false};
  std::chrono::steady_clock::time_point deadline_{};
};

}  // namespace acequia::sidecar
