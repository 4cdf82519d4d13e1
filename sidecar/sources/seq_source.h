// The seq source (Flume's SequenceGeneratorSource), for tests and benchmarks: generates events
// whose bodies are the numbers 0, 1, 2, … as decimal text, in batches of batchSize, until
// totalEvents were committed (0: until stopped). A full channel makes it retry the same batch
// after a short pause, so no number is ever skipped or repeated in the channel.
// Threading: one generator thread per source, started by Start and joined by Stop; Start/Stop
// from the control thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "api/flow.h"
#include "sidecar/core/channel_processor.h"
#include "sidecar/core/component_context.h"
#include "sidecar/core/runner_thread.h"
#include "sidecar/core/source.h"

namespace acequia::sidecar {

class SeqSource final : public Source {
 public:
  SeqSource(const api::SourceConfig& config, const ComponentContext& context,
            ChannelProcessor& processor);
  ~SeqSource() override;

  Status Start() override;
  void Stop() override;

  // How many numbers were committed so far (the next number to generate).
  uint64_t committed() const;

 private:
  void Run();

  const std::string name_;
  const uint64_t total_;  // 0: unlimited
  const size_t batch_size_;
  ChannelProcessor& processor_;
  std::atomic<uint64_t> committed_{0};
  RunnerThread runner_;  // last: stopped (in ~SeqSource) before the members above go
};

}  // namespace acequia::sidecar
