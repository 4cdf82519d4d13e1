// A source under test, wired as the agent wires it: a flow whose only source writes to one memory
// channel "c", that source's ChannelProcessor (its interceptors and selector from the config), the
// metrics and context it is built with, and ways to read back what the source committed. The
// test builds the source from source_config(), context() and processor() and hands it to Start;
// the harness owns it from then on and stops it before the processor and channel go.
// Test-only. One test thread; the source's own threads only go through the processor.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "api/flow.h"
#include "sidecar/channels/memory_channel.h"
#include "sidecar/core/agent_metrics.h"
#include "sidecar/core/channel_processor.h"
#include "sidecar/core/component_context.h"
#include "sidecar/core/source.h"

namespace acequia::testing {

class SourceHarness {
 public:
  SourceHarness() = default;
  ~SourceHarness();  // stops the source
  SourceHarness(const SourceHarness&) = delete;
  SourceHarness& operator=(const SourceHarness&) = delete;

  // Parses the flow {source_fields, channels: [c]} → memory channel c {channel_fields} → a null
  // sink, and builds the source's ChannelProcessor. `source_fields` are YAML fields without
  // `channels` ("name: nc, type: netcat, port: 7000"), `channel_fields` the channel's besides name
  // and type ("capacity: 5, transactionCapacity: 5"). The channel is made at the first call and
  // kept (a restarted source finds what it committed before); the processor is made anew, so the
  // previous source, built on the old one, is stopped and dropped first. False, with the test
  // failed, when the flow is invalid.
  [[nodiscard]] bool Wire(const std::string& source_fields, const std::string& channel_fields);

  // Starts `source`, built on processor(), and keeps it until StopSource, the next Wire or the
  // harness's end, whether Start succeeded or not. Start's status.
  Status Start(std::unique_ptr<sidecar::Source> source);
  // Start, for a source the test goes on using: fails the test when Start fails, and returns the
  // source (the harness owns it).
  template <typename S>
  S* Started(std::unique_ptr<S> source) {
    S* typed = source.get();
    Status s = Start(std::move(source));
    EXPECT_TRUE(s.ok()) << s.ToString();
    return typed;
  }
  // Stops the source (it then holds no batch in flight) and drops it.
  void StopSource();

  const api::SourceConfig& source_config() const { return flow_.spec.sources.at(0); }
  const sidecar::ComponentContext& context() const { return context_; }
  sidecar::AgentMetrics& agent_metrics() { return metrics_; }
  sidecar::MemoryChannel& channel() { return *channel_; }
  sidecar::ChannelProcessor& processor() { return *processor_; }
  // What the processor counted for the source: received, accepted, rejected, open connections.
  const sidecar::SourceMetrics& metrics() const { return processor_->metrics(); }

  // In one transaction: takes up to `max` events (at most the transactionCapacity) and commits.
  std::vector<sidecar::Event> Take(size_t max);
  // Take, as bodies.
  std::vector<std::string> TakeBodies(size_t max);
  // Takes and commits, one transaction after the other, until a take finds the channel empty.
  std::vector<sidecar::Event> Drain();
  // Takes until `want` events arrived or `timeout` passed; their bodies in order (fewer on
  // timeout, which the caller's assertion then shows).
  std::vector<std::string> Collect(size_t want,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Waits until the channel holds `n` events (failing the test after 10 s), then takes up to `n`.
  std::vector<sidecar::Event> TakeWhenThere(size_t n);

  static std::vector<std::string> Bodies(const std::vector<sidecar::Event>& events);

 private:
  sidecar::AgentMetrics metrics_{"test"};
  sidecar::ComponentContext context_{"test", &metrics_};
  api::Flow flow_;
  std::unique_ptr<sidecar::MemoryChannel> channel_;
  std::unique_ptr<sidecar::ChannelProcessor> processor_;
  std::unique_ptr<sidecar::Source> source_;  // uses processor_: declared after it, gone before it
};

// What the file sources' tests write: "line-<from>\n" up to "line-<to - 1>\n",
std::string Lines(int from, int to);
// and the bodies of the events those lines become.
std::vector<std::string> LineList(int from, int to);

}  // namespace acequia::testing
