// A sink delivers batches of events to their destination. Its SinkRunner owns the channel
// transaction: it takes a batch, calls Deliver, and commits only when Deliver succeeded, else
// rolls back so that the same events are delivered again (at-least-once).
// Threading: every call comes from the one runner thread of the sink.
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
};

}  // namespace acequia::sidecar
