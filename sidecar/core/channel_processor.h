// The path from a source to its channels (Flume's ChannelProcessor): the interceptor chain, then
// the selector, then one transaction per channel. Process() opens a transaction on every channel
// the batch needs, puts, and commits them only when every required put succeeded; otherwise it
// rolls all of them back, so the source can report failure and its client can retry.
// Threading: Process may be called from several source threads at once. The channels outlive
// the processor; the processor outlives its source.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "api/flow.h"
#include "sidecar/core/agent_metrics.h"
#include "sidecar/core/channel.h"
#include "sidecar/core/channel_selector.h"
#include "sidecar/core/component_context.h"
#include "sidecar/core/interceptor.h"

namespace acequia::sidecar {

class ChannelProcessor {
 public:
  struct NamedInterceptor {
    std::unique_ptr<Interceptor> interceptor;
    InterceptorMetrics metrics;
  };

  ChannelProcessor(std::vector<Channel*> channels, std::unique_ptr<ChannelSelector> selector,
                   std::vector<NamedInterceptor> interceptors, SourceMetrics metrics);

  // Builds the interceptors and selector of `config` from the registries; `channels` are the
  // source's channels in config order.
  static Result<std::unique_ptr<ChannelProcessor>> Create(const api::SourceConfig& config,
                                                          std::vector<Channel*> channels,
                                                          const ComponentContext& context);

  // Commits `events` to their channels, after the interceptors ran on them. Ok: every event is
  // in every required channel (or was dropped by an interceptor) and `events` is emptied.
  // ResourceExhausted: a required channel is full; nothing was committed and `events` holds the
  // intercepted batch, ready to be offered again. The source counts events as received; this
  // counts them accepted or rejected.
  Status Process(std::vector<Event>& events);

  // The smallest transactionCapacity of the source's channels: the largest batch Process takes.
  size_t MaxBatch() const;
  const SourceMetrics& metrics() const { return metrics_; }

 private:
  std::vector<Channel*> channels_;
  std::unique_ptr<ChannelSelector> selector_;
  std::vector<NamedInterceptor> interceptors_;
  SourceMetrics metrics_;
};

}  // namespace acequia::sidecar
