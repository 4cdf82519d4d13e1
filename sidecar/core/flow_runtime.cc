#include "sidecar/core/flow_runtime.h"

#include <algorithm>
#include <set>

#include "common/logging.h"
#include "sidecar/core/registry.h"

namespace acequia::sidecar {

using Clock = std::chrono::steady_clock;

namespace {

// A default group's single sink runs as if it had no group.
bool RunsAsGroup(const api::SinkGroupConfig& group) { return group.processor.type != "default"; }

// Equal fingerprints mean an identical group: reload leaves it running.
std::string GroupFingerprint(const api::SinkGroupConfig& group,
                             const std::vector<api::SinkConfig>& members) {
  std::string out = group.processor.Fingerprint() + "|members=";
  for (const auto& member : members) out += member.name + "=" + member.Fingerprint() + ";";
  return out;
}

}  // namespace

FlowRuntime::FlowRuntime(AgentMetrics& metrics, std::chrono::milliseconds drain_timeout)
    : metrics_(metrics), context_{metrics.flow(), &metrics}, drain_timeout_(drain_timeout) {}

FlowRuntime::~FlowRuntime() { Stop(); }

Result<std::unique_ptr<Channel>> FlowRuntime::BuildChannel(const api::ComponentConfig& config) {
  const auto* factory = ChannelRegistry().Find(config.type);
  if (factory == nullptr) {
    return Status::InvalidArgument(config.path + ".type: no channel \"" + config.type +
                                   "\" in this agent");
  }
  auto channel = (*factory)(config, context_);
  if (!channel.ok()) return channel.status().Annotate(config.path);
  return channel;
}

Result<std::unique_ptr<Sink>> FlowRuntime::MakeSink(const api::SinkConfig& config) {
  const auto* factory = SinkRegistry().Find(config.type);
  if (factory == nullptr) {
    return Status::InvalidArgument(config.path + ".type: no sink \"" + config.type +
                                   "\" in this agent");
  }
  auto sink = (*factory)(config, context_);
  if (!sink.ok()) return sink.status().Annotate(config.path);
  return sink;
}

Result<FlowRuntime::SinkSlot> FlowRuntime::BuildSink(const api::SinkConfig& config,
                                                     Channel& channel) {
  auto sink = MakeSink(config);
  if (!sink.ok()) return sink.status();
  SinkSlot slot{config, std::make_unique<SinkRunner>(config.name, std::move(sink).value(), channel,
                                                     metrics_.ForSink(config.name, config.type))};
  return slot;
}

Result<FlowRuntime::GroupSlot> FlowRuntime::BuildGroup(
    const api::SinkGroupConfig& config, std::vector<api::SinkConfig> members,
    std::string fingerprint, const std::map<std::string, Channel*>& channels) {
  auto policy = MakeSinkGroupPolicy(config);
  if (!policy.ok()) return policy.status();
  std::vector<std::unique_ptr<SinkDriver>> drivers;
  for (const auto& member : members) {
    auto sink = MakeSink(member);
    if (!sink.ok()) return sink.status();
    drivers.push_back(std::make_unique<SinkDriver>(member.name, std::move(sink).value(),
                                                   *channels.at(member.channel),
                                                   metrics_.ForSink(member.name, member.type)));
  }
  GroupSlot slot{config, std::move(members), std::move(fingerprint),
                 std::make_unique<SinkGroupRunner>(
                     config.name, std::move(drivers), std::move(policy).value(),
                     metrics_.ForSinkGroup(config.name, config.processor.type, config.sinks),
                     SinkGroupRunner::Options{})};
  return slot;
}

Result<FlowRuntime::SourceSlot> FlowRuntime::BuildSource(
    const api::SourceConfig& config, const std::map<std::string, Channel*>& channels) {
  const auto* factory = SourceRegistry().Find(config.type);
  if (factory == nullptr) {
    return Status::InvalidArgument(config.path + ".type: no source \"" + config.type +
                                   "\" in this agent");
  }
  std::vector<Channel*> targets;
  for (const auto& name : config.channels) targets.push_back(channels.at(name));
  auto processor = ChannelProcessor::Create(config, std::move(targets), context_);
  if (!processor.ok()) return processor.status();
  auto source = (*factory)(config, context_, **processor);
  if (!source.ok()) return source.status().Annotate(config.path);
  SourceSlot slot{config, std::move(processor).value(), std::move(source).value()};
  return slot;
}

Status FlowRuntime::Start(const api::Flow& flow) { return Apply(flow); }

Status FlowRuntime::Apply(const api::Flow& next) {
  const auto& spec = next.spec;

  // 1. Classify channels.
  std::set<std::string> channels_replaced;  // removed, or type changed: drain, then drop
  std::set<std::string> channels_reconfigured;
  for (const auto& [name, slot] : channels_) {
    const auto* wanted = spec.FindChannel(name);
    if (wanted == nullptr || wanted->type != slot.config.type) {
      channels_replaced.insert(name);
    } else if (wanted->Fingerprint() != slot.config.Fingerprint()) {
      channels_reconfigured.insert(name);
    }
  }

  // 2. Build every new component before touching the running ones, so a failure changes nothing.
  std::map<std::string, std::unique_ptr<Channel>> new_channels;
  for (const auto& config : spec.channels) {
    if (channels_.count(config.name) && !channels_replaced.count(config.name)) continue;
    auto channel = BuildChannel(config);
    if (!channel.ok()) return channel.status();
    new_channels[config.name] = std::move(channel).value();
  }
  std::map<std::string, Channel*> channel_of;  // the channel each name will resolve to
  for (const auto& config : spec.channels) {
    auto it = new_channels.find(config.name);
    channel_of[config.name] =
        it != new_channels.end() ? it->second.get() : channels_.at(config.name).channel.get();
  }
  auto touches_replaced = [&](const std::vector<std::string>& names) {
    for (const auto& n : names) {
      if (channels_replaced.count(n)) return true;
    }
    return false;
  };

  // Sinks of failover and load_balance groups run under their group; the others (and the one sink
  // of a default group) under runners of their own.
  std::map<std::string, std::string> group_of;  // sink → its group
  for (const auto& group : spec.sink_groups) {
    if (!RunsAsGroup(group)) continue;
    for (const auto& sink : group.sinks) group_of[sink] = group.name;
  }
  std::map<std::string, const api::SinkConfig*> sink_named;
  for (const auto& config : spec.sinks) sink_named[config.name] = &config;

  std::map<std::string, SinkSlot> new_sinks;
  for (const auto& config : spec.sinks) {
    if (group_of.count(config.name)) continue;
    auto it = sinks_.find(config.name);
    if (it != sinks_.end() && it->second.config.Fingerprint() == config.Fingerprint() &&
        !channels_replaced.count(config.channel)) {
      continue;
    }
    auto slot = BuildSink(config, *channel_of.at(config.channel));
    if (!slot.ok()) return slot.status();
    new_sinks.emplace(config.name, std::move(slot).value());
  }
  std::map<std::string, GroupSlot> new_groups;
  std::set<std::string> wanted_groups;
  for (const auto& group : spec.sink_groups) {
    if (!RunsAsGroup(group)) continue;
    wanted_groups.insert(group.name);
    std::vector<api::SinkConfig> members;
    bool drains_replaced = false;
    for (const auto& name : group.sinks) {
      auto found = sink_named.find(name);
      if (found == sink_named.end()) {
        return Status::InvalidArgument(group.path + ".sinks: unknown sink \"" + name + "\"");
      }
      members.push_back(*found->second);
      drains_replaced = drains_replaced || channels_replaced.count(found->second->channel) > 0;
    }
    const std::string fingerprint = GroupFingerprint(group, members);
    auto it = groups_.find(group.name);
    if (it != groups_.end() && it->second.fingerprint == fingerprint && !drains_replaced) continue;
    auto slot = BuildGroup(group, std::move(members), fingerprint, channel_of);
    if (!slot.ok()) return slot.status();
    new_groups.emplace(group.name, std::move(slot).value());
  }

  std::map<std::string, SourceSlot> new_sources;
  for (const auto& config : spec.sources) {
    auto it = sources_.find(config.name);
    if (it != sources_.end() && it->second.config.Fingerprint() == config.Fingerprint() &&
        !touches_replaced(config.channels)) {
      continue;
    }
    auto slot = BuildSource(config, channel_of);
    if (!slot.ok()) return slot.status();
    new_sources.emplace(config.name, std::move(slot).value());
  }

  std::set<std::string> wanted_sources;
  for (const auto& s : spec.sources) wanted_sources.insert(s.name);
  std::set<std::string> wanted_sinks;  // with a runner of their own
  for (const auto& s : spec.sinks) {
    if (!group_of.count(s.name)) wanted_sinks.insert(s.name);
  }
  // A sink's metrics go only when no sink of that name and type stays (in a group or not): a
  // successor of the same name and type already holds the same series.
  auto forget_sink = [&](const std::string& name, const std::string& type) {
    auto next = sink_named.find(name);
    if (next == sink_named.end() || next->second->type != type) metrics_.ForgetSink(name, type);
  };

  // 3. Stop sources that go away or change: nothing new enters their channels from them.
  size_t sources_stopped = 0;
  for (auto it = sources_.begin(); it != sources_.end();) {
    const std::string name = it->first;
    if (wanted_sources.count(name) && !new_sources.count(name)) {
      ++it;
      continue;
    }
    it->second.source->Stop();
    const api::SourceConfig old = it->second.config;
    it = sources_.erase(it);
    const api::SourceConfig* successor =
        new_sources.count(name) ? &new_sources.at(name).config : nullptr;
    if (successor == nullptr || successor->type != old.type) {
      metrics_.ForgetSource(name, old.type);
    }
    // Interceptors are named by position: forget the positions that left or changed type.
    for (size_t i = 0; i < old.interceptors.size(); ++i) {
      if (successor == nullptr || i >= successor->interceptors.size() ||
          successor->interceptors[i].type != old.interceptors[i].type) {
        metrics_.ForgetInterceptor(name + "." + std::to_string(i), old.interceptors[i].type);
      }
    }
    ++sources_stopped;
  }

  // 4. Sinks of channels that go away drain them first; other changed sinks stop at once and
  //    leave their events in the channel for their successor.
  const auto drain_deadline = Clock::now() + drain_timeout_;
  size_t sinks_stopped = 0;
  for (auto it = sinks_.begin(); it != sinks_.end();) {
    const std::string name = it->first;
    const bool replaced_channel = channels_replaced.count(it->second.config.channel) > 0;
    if (!replaced_channel && wanted_sinks.count(name) && !new_sinks.count(name)) {
      ++it;
      continue;
    }
    it->second.runner->Stop(replaced_channel ? drain_deadline : Clock::now());
    const std::string type = it->second.config.type;
    it = sinks_.erase(it);
    forget_sink(name, type);
    ++sinks_stopped;
  }
  size_t groups_stopped = 0;
  for (auto it = groups_.begin(); it != groups_.end();) {
    const std::string name = it->first;
    bool replaced_channel = false;
    for (const auto& member : it->second.members) {
      replaced_channel = replaced_channel || channels_replaced.count(member.channel) > 0;
    }
    if (!replaced_channel && wanted_groups.count(name) && !new_groups.count(name)) {
      ++it;
      continue;
    }
    it->second.runner->Stop(replaced_channel ? drain_deadline : Clock::now());
    const GroupSlot old = std::move(it->second);
    it = groups_.erase(it);
    for (const auto& member : old.members) forget_sink(member.name, member.type);
    // The successor of the same name and type keeps the failover counter and its members' gauges.
    auto next = new_groups.find(name);
    const bool same_type =
        next != new_groups.end() && next->second.config.processor.type == old.config.processor.type;
    std::vector<std::string> departed;
    for (const auto& member : old.config.sinks) {
      if (!same_type ||
          std::find(next->second.config.sinks.begin(), next->second.config.sinks.end(), member) ==
              next->second.config.sinks.end()) {
        departed.push_back(member);
      }
    }
    metrics_.ForgetSinkGroup(name, old.config.processor.type, departed, same_type);
    sinks_stopped += old.members.size();
    ++groups_stopped;
  }

  // 5. Channels: drop the replaced ones (reporting what a drain could not save), reconfigure the
  //    changed ones in place, add the new ones.
  for (const auto& name : channels_replaced) {
    auto& slot = channels_.at(name);
    if (size_t left = slot.channel->Size(); left > 0) {
      LogMessage(LogLevel::kError, "flow/" + context_.flow)
          << "channel " << name << " removed with " << left
          << " events its sinks could not deliver within the drain timeout";
    }
    slot.channel->Close();
    const std::string type = slot.config.type;
    channels_.erase(name);
    metrics_.ForgetChannel(name, type);
  }
  for (const auto& name : channels_reconfigured) {
    auto& slot = channels_.at(name);
    const auto* wanted = spec.FindChannel(name);
    if (Status s = slot.channel->Reconfigure(*wanted); !s.ok()) {
      LogMessage(LogLevel::kWarn, "flow/" + context_.flow)
          << "channel " << name << " keeps its old settings: " << s.message();
      continue;
    }
    slot.config = *wanted;
  }
  for (auto& [name, channel] : new_channels) {
    channels_[name] = ChannelSlot{*spec.FindChannel(name), std::move(channel)};
  }

  // 6. Start sinks, then sources.
  Status first_failure;
  const size_t sinks_started = new_sinks.size();
  for (auto& [name, slot] : new_sinks) {
    if (Status s = slot.runner->Start(); !s.ok()) {
      LogMessage(LogLevel::kError, "flow/" + context_.flow) << s.message();
      if (first_failure.ok()) first_failure = s;
      continue;
    }
    sinks_.emplace(name, std::move(slot));
  }
  const size_t groups_started = new_groups.size();
  size_t sinks_in_new_groups = 0;
  for (auto& [name, slot] : new_groups) {
    sinks_in_new_groups += slot.members.size();
    if (Status s = slot.runner->Start(); !s.ok()) {
      LogMessage(LogLevel::kError, "flow/" + context_.flow) << s.message();
      if (first_failure.ok()) first_failure = s;
      continue;
    }
    groups_.emplace(name, std::move(slot));
  }
  const size_t sources_started = new_sources.size();
  for (auto& [name, slot] : new_sources) {
    if (Status s = slot.source->Start(); !s.ok()) {
      s = s.Annotate("source " + name);
      LogMessage(LogLevel::kError, "flow/" + context_.flow) << s.message();
      if (first_failure.ok()) first_failure = s;
      continue;
    }
    sources_.emplace(name, std::move(slot));
  }
  last_change_ = "sources: " + std::to_string(sources_stopped) + " stopped, " +
                 std::to_string(sources_started) +
                 " started; sinks: " + std::to_string(sinks_stopped) + " stopped, " +
                 std::to_string(sinks_started + sinks_in_new_groups) +
                 " started; channels: " + std::to_string(channels_replaced.size()) + " removed, " +
                 std::to_string(channels_reconfigured.size()) + " reconfigured, " +
                 std::to_string(new_channels.size()) + " added";
  if (groups_stopped + groups_started > 0 || !groups_.empty()) {
    last_change_ += "; sink groups: " + std::to_string(groups_stopped) + " stopped, " +
                    std::to_string(groups_started) + " started";
  }
  return first_failure;
}

void FlowRuntime::Stop() {
  for (auto& [name, slot] : sources_) slot.source->Stop();
  sources_.clear();
  const auto deadline = Clock::now() + drain_timeout_;
  for (auto& [name, slot] : sinks_) slot.runner->Stop(deadline);
  sinks_.clear();
  for (auto& [name, slot] : groups_) slot.runner->Stop(deadline);
  groups_.clear();
  for (auto& [name, slot] : channels_) {
    if (size_t left = slot.channel->Size(); left > 0) {
      LogMessage(LogLevel::kWarn, "flow/" + context_.flow)
          << "channel " << name << " (" << slot.config.type << ") stopped holding " << left
          << " undelivered events";
    }
    slot.channel->Close();
  }
  channels_.clear();
}

size_t FlowRuntime::ChannelSize(const std::string& name) const {
  auto it = channels_.find(name);
  return it == channels_.end() ? 0 : it->second.channel->Size();
}

}  // namespace acequia::sidecar
