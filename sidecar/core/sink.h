// A sink delivers batches of events to their destination. Its SinkRunner owns the channel
// transaction: it takes a batch, calls Deliver, and commits only when Deliver succeeded, else
// rolls back so that the same events are delivered again (at-least-once) — unless the sink's
// OnFailure asks to drop a batch its destination refused for good.
// Threading: every call comes from the one thread that drives the sink: its SinkRunner's, or its
// sink group's.
#pragma once

#include <span>

#include "common/status.h"
#include "sidecar/core/event.h"

namespace acequia::sidecar {

class Sink {
 public:
  virtual ~Sink() = default;
  virtual Status Start() = 0;
  // Ok means the destination holds the events (written to the OS, acknowledged by the peer).
  // Unavailable means the destination could not be reached (counted as a connection failure).
  virtual Status Deliver(std::span<const Event> events) = 0;
  // Called at least once a second and whenever the channel is empty: time-based work such as
  // rolling files.
  virtual Status Tick() { return Status::Ok(); }
  // Flushes and closes; called after the last Deliver.
  virtual void Stop() = 0;
  // Most events the runner takes per transaction.
  virtual size_t BatchSize() const = 0;

  // What the runner does with a batch whose Deliver failed; asked right after that Deliver, on the
  // same thread. The default keeps every event: roll back, back off, deliver the same events again.
  struct FailureHandling {
    bool rollback = true;        // false: commit anyway, dropping the batch (counted as dropped)
    bool backoff = true;         // false: retry at once instead of backing off
    bool count_drained = false;  // a dropped batch counts as drained too (incrementMetrics)
  };
  virtual FailureHandling OnFailure() const { return {}; }
};

}  // namespace acequia::sidecar
