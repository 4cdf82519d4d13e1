#include "sidecar/core/agent_metrics.h"

namespace acequia::sidecar {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

template <typename Builder>
auto& Register(Builder builder, const char* name, const char* help,
               prometheus::Registry& registry) {
  return builder.Name(name).Help(help).Register(registry);
}

const prometheus::Histogram::BucketBoundaries& BatchBuckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
  return kBuckets;
}

const prometheus::Histogram::BucketBoundaries& FsyncBuckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1};
  return kBuckets;
}

const prometheus::Histogram::BucketBoundaries& CheckpointBuckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  return kBuckets;
}

template <typename Family, typename... Args>
void RemoveLabelled(Family& family, const prometheus::Labels& labels, const Args&... args) {
  // Family::Add returns the existing metric for known labels; removing it by pointer is the API.
  if (family.Has(labels)) family.Remove(&family.Add(labels, args...));
}

}  // namespace

AgentMetrics::AgentMetrics(std::string flow)
    : flow_(std::move(flow)),
      registry_(std::make_shared<prometheus::Registry>()),
      source_received_(Register(BuildCounter(), "acequia_source_events_received_total",
                                "Events a source received from its clients (Flume "
                                "EventReceivedCount).",
                                *registry_)),
      source_accepted_(Register(BuildCounter(), "acequia_source_events_accepted_total",
                                "Events a source committed to its channels (EventAcceptedCount).",
                                *registry_)),
      source_rejected_(Register(BuildCounter(), "acequia_source_events_rejected_total",
                                "Events a source refused: malformed, oversized, or not "
                                "committed because a channel was full.",
                                *registry_)),
      source_connections_(Register(BuildGauge(), "acequia_source_open_connections",
                                   "Client connections a source holds open (OpenConnectionCount).",
                                   *registry_)),
      channel_size_(Register(BuildGauge(), "acequia_channel_size",
                             "Events held by a channel (ChannelSize).", *registry_)),
      channel_capacity_(Register(BuildGauge(), "acequia_channel_capacity",
                                 "Most events a channel holds (ChannelCapacity).", *registry_)),
      channel_fill_(Register(BuildGauge(), "acequia_channel_fill_ratio",
                             "Size over capacity, 0 to 1 (ChannelFillPercentage / 100).",
                             *registry_)),
      channel_put_attempts_(Register(BuildCounter(), "acequia_channel_put_attempts_total",
                                     "Events offered to a channel (EventPutAttemptCount).",
                                     *registry_)),
      channel_put_successes_(Register(BuildCounter(), "acequia_channel_put_successes_total",
                                      "Events committed into a channel (EventPutSuccessCount).",
                                      *registry_)),
      channel_take_attempts_(Register(BuildCounter(), "acequia_channel_take_attempts_total",
                                      "Event takes tried on a channel, as Flume counts them "
                                      "(EventTakeAttemptCount).",
                                      *registry_)),
      channel_take_successes_(Register(BuildCounter(), "acequia_channel_take_successes_total",
                                       "Events taken from a channel (EventTakeSuccessCount).",
                                       *registry_)),
      channel_fsync_duration_(Register(BuildHistogram(), "acequia_channel_fsync_duration_seconds",
                                       "Time of one fsync of a file channel's log (one per group "
                                       "of concurrent commits).",
                                       *registry_)),
      channel_checkpoint_duration_(Register(BuildHistogram(),
                                            "acequia_channel_checkpoint_duration_seconds",
                                            "Time to write one checkpoint of a file channel's "
                                            "queue.",
                                            *registry_)),
      channel_corrupt_records_(Register(BuildCounter(), "acequia_channel_corrupt_records_total",
                                        "Records of a file channel's log found torn or corrupt "
                                        "(bad checksum or length) and skipped.",
                                        *registry_)),
      sink_drained_(Register(BuildCounter(), "acequia_sink_events_drained_total",
                             "Events a sink delivered and committed (EventDrainSuccessCount).",
                             *registry_)),
      sink_batches_(Register(BuildCounter(), "acequia_sink_batches_total",
                             "Sink batches by fill: complete, underflow (partly full) or empty "
                             "(BatchCompleteCount, BatchUnderflowCount, BatchEmptyCount).",
                             *registry_)),
      sink_connection_failures_(Register(BuildCounter(), "acequia_sink_connection_failures_total",
                                         "Failures to reach a sink's destination "
                                         "(ConnectionFailedCount).",
                                         *registry_)),
      sink_rollbacks_(Register(BuildCounter(), "acequia_sink_rollbacks_total",
                               "Sink transactions rolled back after a failed delivery "
                               "(RollbackCount).",
                               *registry_)),
      sink_batch_duration_(Register(BuildHistogram(), "acequia_sink_batch_duration_seconds",
                                    "Time to deliver and commit one non-empty sink batch.",
                                    *registry_)),
      sink_dropped_(Register(BuildCounter(), "acequia_sink_events_dropped_total",
                             "Events a sink committed without delivering them, because its "
                             "policy drops what the destination refused for good (http: "
                             "rollback: {\"400\": false}).",
                             *registry_)),
      sink_group_failovers_(Register(BuildCounter(), "acequia_sink_group_failovers_total",
                                     "Batches a sink group handed to another member after the "
                                     "chosen one failed.",
                                     *registry_)),
      sink_group_active_(Register(BuildGauge(), "acequia_sink_group_active_sink",
                                  "1 for the member of a sink group that took the last batch, 0 "
                                  "for the others (label sink).",
                                  *registry_)),
      interceptor_dropped_(Register(BuildCounter(), "acequia_interceptor_events_dropped_total",
                                    "Events an interceptor removed from the stream.", *registry_)),
      config_reloads_(Register(BuildCounter(), "acequia_config_reloads_total",
                               "Configuration reloads by result: applied, unchanged or rejected.",
                               *registry_)) {}

prometheus::Labels AgentMetrics::LabelsOf(const std::string& name, const std::string& type) const {
  return {{"flow", flow_}, {"component", name}, {"type", type}};
}

SourceMetrics AgentMetrics::ForSource(const std::string& name, const std::string& type) {
  auto labels = LabelsOf(name, type);
  return {&source_received_.Add(labels), &source_accepted_.Add(labels),
          &source_rejected_.Add(labels), &source_connections_.Add(labels)};
}

ChannelMetrics AgentMetrics::ForChannel(const std::string& name, const std::string& type) {
  auto labels = LabelsOf(name, type);
  return {&channel_size_.Add(labels),          &channel_capacity_.Add(labels),
          &channel_fill_.Add(labels),          &channel_put_attempts_.Add(labels),
          &channel_put_successes_.Add(labels), &channel_take_attempts_.Add(labels),
          &channel_take_successes_.Add(labels)};
}

FileChannelMetrics AgentMetrics::ForFileChannel(const std::string& name, const std::string& type) {
  auto labels = LabelsOf(name, type);
  return {&channel_fsync_duration_.Add(labels, FsyncBuckets()),
          &channel_checkpoint_duration_.Add(labels, CheckpointBuckets()),
          &channel_corrupt_records_.Add(labels)};
}

SinkMetrics AgentMetrics::ForSink(const std::string& name, const std::string& type) {
  auto labels = LabelsOf(name, type);
  auto with_result = [&](const char* result) {
    auto l = labels;
    l["result"] = result;
    return &sink_batches_.Add(l);
  };
  return {&sink_drained_.Add(labels),
          with_result("complete"),
          with_result("underflow"),
          with_result("empty"),
          &sink_connection_failures_.Add(labels),
          &sink_rollbacks_.Add(labels),
          &sink_batch_duration_.Add(labels, BatchBuckets()),
          &sink_dropped_.Add(labels)};
}

SinkGroupMetrics AgentMetrics::ForSinkGroup(const std::string& name, const std::string& type,
                                            const std::vector<std::string>& members) {
  auto labels = LabelsOf(name, type);
  SinkGroupMetrics metrics{&sink_group_failovers_.Add(labels), {}};
  for (const auto& member : members) {
    auto l = labels;
    l["sink"] = member;
    metrics.active_sink.push_back(&sink_group_active_.Add(l));
  }
  return metrics;
}

InterceptorMetrics AgentMetrics::ForInterceptor(const std::string& name, const std::string& type) {
  return {&interceptor_dropped_.Add(LabelsOf(name, type))};
}

prometheus::Counter& AgentMetrics::ConfigReloads(const std::string& result) {
  return config_reloads_.Add({{"flow", flow_}, {"result", result}});
}

void AgentMetrics::ForgetSource(const std::string& name, const std::string& type) {
  auto labels = LabelsOf(name, type);
  RemoveLabelled(source_received_, labels);
  RemoveLabelled(source_accepted_, labels);
  RemoveLabelled(source_rejected_, labels);
  RemoveLabelled(source_connections_, labels);
}

void AgentMetrics::ForgetInterceptor(const std::string& name, const std::string& type) {
  RemoveLabelled(interceptor_dropped_, LabelsOf(name, type));
}

void AgentMetrics::ForgetChannel(const std::string& name, const std::string& type) {
  auto labels = LabelsOf(name, type);
  RemoveLabelled(channel_size_, labels);
  RemoveLabelled(channel_capacity_, labels);
  RemoveLabelled(channel_fill_, labels);
  RemoveLabelled(channel_put_attempts_, labels);
  RemoveLabelled(channel_put_successes_, labels);
  RemoveLabelled(channel_take_attempts_, labels);
  RemoveLabelled(channel_take_successes_, labels);
  RemoveLabelled(channel_fsync_duration_, labels, FsyncBuckets());
  RemoveLabelled(channel_checkpoint_duration_, labels, CheckpointBuckets());
  RemoveLabelled(channel_corrupt_records_, labels);
}

void AgentMetrics::ForgetSink(const std::string& name, const std::string& type) {
  auto labels = LabelsOf(name, type);
  RemoveLabelled(sink_drained_, labels);
  RemoveLabelled(sink_connection_failures_, labels);
  RemoveLabelled(sink_rollbacks_, labels);
  RemoveLabelled(sink_batch_duration_, labels, BatchBuckets());
  RemoveLabelled(sink_dropped_, labels);
  for (const char* result : {"complete", "underflow", "empty"}) {
    auto l = labels;
    l["result"] = result;
    RemoveLabelled(sink_batches_, l);
  }
}

void AgentMetrics::ForgetSinkGroup(const std::string& name, const std::string& type,
                                   const std::vector<std::string>& members, bool keep_failovers) {
  auto labels = LabelsOf(name, type);
  if (!keep_failovers) RemoveLabelled(sink_group_failovers_, labels);
  for (const auto& member : members) {
    auto l = labels;
    l["sink"] = member;
    RemoveLabelled(sink_group_active_, l);
  }
}

}  // namespace acequia::sidecar
