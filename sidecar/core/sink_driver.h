// Drives one sink through one channel transaction at a time — Flume's Sink.process() with the
// transaction handling every Flume sink repeats: take a batch, deliver it, commit when the
// destination has it, else roll back (or, when the sink's FailureHandling says so, commit and count
// the batch as dropped), and count the sink metrics of DESIGN.md. A SinkRunner calls Process in a
// loop on its own thread; a sink group's runner calls the driver of the member its policy chose.
// Threading: one thread at a time (the owner's). The channel outlives the driver; the driver owns
// the sink.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "sidecar/core/agent_metrics.h"
#include "sidecar/core/channel.h"
#include "sidecar/core/sink.h"

namespace acequia::sidecar {

class SinkDriver {
 public:
  enum class Outcome {
    kDelivered,  // a batch was committed: delivered, or dropped by the sink's own policy
    kEmpty,      // the channel held no event
    kRetry,      // delivery failed and was rolled back; the sink asked to retry without backoff
    kFailed,     // delivery failed and was rolled back; back off before retrying
  };

  SinkDriver(std::string name, std::unique_ptr<Sink> sink, Channel& channel, SinkMetrics metrics);
  ~SinkDriver();
  SinkDriver(const SinkDriver&) = delete;
  SinkDriver& operator=(const SinkDriver&) = delete;

  // Starts the sink; errors name it.
  Status Start();
  // One transaction: take up to BatchSize events, deliver, settle.
  Outcome Process();
  // Calls the sink's Tick when a second has passed since the last one, or now when `force`.
  void Tick(bool force);
  // Stops the sink (once; later calls do nothing).
  void Stop();

  const std::string& name() const { return name_; }
  Channel& channel() { return channel_; }
  // Why the last failed Process failed.
  const Status& last_failure() const { return last_failure_; }

 private:
  using Clock = std::chrono::steady_clock;

  const std::string name_;
  const std::string scope_;  // "sink/<name>", for the log
  std::unique_ptr<Sink> sink_;
  Channel& channel_;
  SinkMetrics metrics_;
  bool started_ = false;
  Clock::time_point last_tick_;
  uint64_t failures_logged_ = 0;
  uint64_t drops_logged_ = 0;
  Status last_failure_;
};

}  // namespace acequia::sidecar
