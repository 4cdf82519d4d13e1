// The running form of one Flow: its channels, sink runners and sources, built from the plugin
// registries. Start brings a flow up (channels, then sinks, then sources); Apply moves a running
// flow to a new config touching only what changed; Stop drains it.
//
// Apply keeps every event: an unchanged component keeps running; a channel whose properties
// changed is reconfigured in place; a channel that is removed or changes type is first cut off
// from its sources and drained by its sinks (up to the drain timeout) before it goes.
//
// Sinks in a failover or load_balance sink group are driven by their group's runner (one thread
// for the group, as in Flume), not by runners of their own; a group whose processor or members
// (or a member's config) changed is stopped and rebuilt as a whole, and a sink moving into or out
// of a group is handed over the same way, while unchanged sinks and groups keep running.
//
// Threading: all public methods are called from one control thread. The AgentMetrics outlives
// the runtime.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "api/flow.h"
#include "sidecar/core/agent_metrics.h"
#include "sidecar/core/channel.h"
#include "sidecar/core/channel_processor.h"
#include "sidecar/core/sink_group_runner.h"
#include "sidecar/core/sink_runner.h"
#include "sidecar/core/source.h"

namespace acequia::sidecar {

class FlowRuntime {
 public:
  FlowRuntime(AgentMetrics& metrics, std::chrono::milliseconds drain_timeout);
  ~FlowRuntime();

  Status Start(const api::Flow& flow);
  // Ok: the new config runs. InvalidArgument: a component could not be built; nothing changed.
  // Other errors: a component could not start (a port in use); the rest of the change applied.
  Status Apply(const api::Flow& next);
  // Stops the sources, lets the sinks empty the channels until the drain timeout, stops the sinks.
  void Stop();

  // Summary of what the last Apply did, for the log: "sources +1 ~0 -0, …".
  const std::string& last_change() const { return last_change_; }
  size_t ChannelSize(const std::string& name) const;

 private:
  struct ChannelSlot {
    api::ComponentConfig config;
    std::unique_ptr<Channel> channel;
  };
  struct SinkSlot {
    api::SinkConfig config;
    std::unique_ptr<SinkRunner> runner;
  };
  struct GroupSlot {
    api::SinkGroupConfig config;
    std::vector<api::SinkConfig> members;  // in the group's order
    std::string fingerprint;
    std::unique_ptr<SinkGroupRunner> runner;
  };
  struct SourceSlot {
    api::SourceConfig config;
    std::unique_ptr<ChannelProcessor> processor;
    std::unique_ptr<Source> source;
  };

  Result<std::unique_ptr<Channel>> BuildChannel(const api::ComponentConfig& config);
  Result<std::unique_ptr<Sink>> MakeSink(const api::SinkConfig& config);
  Result<SinkSlot> BuildSink(const api::SinkConfig& config, Channel& channel);
  Result<GroupSlot> BuildGroup(const api::SinkGroupConfig& config,
                               std::vector<api::SinkConfig> members, std::string fingerprint,
                               const std::map<std::string, Channel*>& channels);
  Result<SourceSlot> BuildSource(const api::SourceConfig& config,
                                 const std::map<std::string, Channel*>& channels);

  AgentMetrics& metrics_;
  ComponentContext context_;
  std::chrono::milliseconds drain_timeout_;
  std::map<std::string, ChannelSlot> channels_;
  std::map<std::string, SinkSlot> sinks_;  // sinks with a runner of their own
  std::map<std::string, GroupSlot> groups_;
  std::map<std::string, SourceSlot> sources_;
  std::string last_change_;
};

}  // namespace acequia::sidecar
