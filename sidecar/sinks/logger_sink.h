// The logger sink (Flume's LoggerSink): logs every event at INFO as
//   Event: { headers:{k=v, k2=v2} body: <text> }
// where <text> is the first maxBytesToLog body bytes with non-printable bytes escaped as \xNN,
// followed by " … (N bytes)" when the body was longer. Flume prints a hex dump; we print
// escaped text, which reads better for the line-oriented events most flows carry.
// Threading: called from its runner's thread only; FormatEvent is a pure function.
#pragma once

#include <string>

#include "api/flow.h"
#include "sidecar/core/sink.h"

namespace acequia::sidecar {

class LoggerSink final : public Sink {
 public:
  explicit LoggerSink(const api::SinkConfig& config);

  Status Start() override { return Status::Ok(); }
  Status Deliver(std::span<const Event> events) override;
  void Stop() override {}
  size_t BatchSize() const override { return batch_size_; }

  // The text logged for one event.
  static std::string FormatEvent(const Event& event, size_t max_body_bytes);

 private:
  const std::string scope_;
  const size_t max_bytes_to_log_;
  const size_t batch_size_;
};

}  // namespace acequia::sidecar
