// The null sink (Flume's NullSink): takes batches and discards them. For tests and benchmarks.
// Threading: called from its runner's thread only.
#pragma once

#include "api/flow.h"
#include "sidecar/core/sink.h"

namespace acequia::sidecar {

class NullSink final : public Sink {
 public:
  explicit NullSink(const api::SinkConfig& config);

  Status Start() override { return Status::Ok(); }
  Status Deliver(std::span<const Event> events) override;
  void Stop() override {}
  size_t BatchSize() const override { return batch_size_; }

 private:
  const size_t batch_size_;
};

}  // namespace acequia::sidecar
