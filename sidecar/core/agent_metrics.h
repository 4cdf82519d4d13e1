// The agent's Prometheus metrics (names in ../shared/DESIGN.md), one instance per component,
// labelled flow/component/type. AgentMetrics owns the registry and the metric families;
// the per-component structs borrow counters from it, so AgentMetrics must outlive them.
// prometheus-cpp metrics are atomic: any thread may update them.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>
#include <vector>

namespace acequia::sidecar {

struct SourceMetrics {
  prometheus::Counter* received;
  prometheus::Counter* accepted;
  prometheus::Counter* rejected;
  prometheus::Gauge* open_connections;
};

struct ChannelMetrics {
  prometheus::Gauge* size;
  prometheus::Gauge* capacity;
  prometheus::Gauge* fill_ratio;
  prometheus::Counter* put_attempts;
  prometheus::Counter* put_successes;
  prometheus::Counter* take_attempts;
  prometheus::Counter* take_successes;
};

// Extra metrics of the file channel, beside its ChannelMetrics.
struct FileChannelMetrics {
  prometheus::Histogram* fsync_duration;
  prometheus::Histogram* checkpoint_duration;
  prometheus::Counter* corrupt_records;
};

struct SinkMetrics {
  prometheus::Counter* drained;
  prometheus::Counter* batches_complete;
  prometheus::Counter* batches_underflow;
  prometheus::Counter* batches_empty;
  prometheus::Counter* connection_failures;
  prometheus::Counter* rollbacks;
  prometheus::Histogram* batch_duration;
  prometheus::Counter* dropped;  // events committed without delivery, by the sink's own policy
};

// A sink group (failover, load_balance): its members keep their SinkMetrics.
struct SinkGroupMetrics {
  prometheus::Counter* failovers;               // batches handed on after a member failed
  std::vector<prometheus::Gauge*> active_sink;  // per member, in group order: 1 when it took last
};

struct InterceptorMetrics {
  prometheus::Counter* dropped;
};

class AgentMetrics {
 public:
  explicit AgentMetrics(std::string flow);

  SourceMetrics ForSource(const std::string& name, const std::string& type);
  ChannelMetrics ForChannel(const std::string& name, const std::string& type);
  FileChannelMetrics ForFileChannel(const std::string& name, const std::string& type);
  SinkMetrics ForSink(const std::string& name, const std::string& type);
  InterceptorMetrics ForInterceptor(const std::string& name, const std::string& type);
  SinkGroupMetrics ForSinkGroup(const std::string& name, const std::string& type,
                                const std::vector<std::string>& members);
  prometheus::Counter& ConfigReloads(const std::string& result);

  // Removes every metric of a component that left the flow on reload.
  void ForgetSource(const std::string& name, const std::string& type);
  void ForgetInterceptor(const std::string& name, const std::string& type);
  void ForgetChannel(const std::string& name, const std::string& type);
  void ForgetSink(const std::string& name, const std::string& type);
  // Removes the active-sink gauges of `members` and, unless `keep_failovers` (a successor of the
  // same name and type counts on), the group's failover counter.
  void ForgetSinkGroup(const std::string& name, const std::string& type,
                       const std::vector<std::string>& members, bool keep_failovers = false);

  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }
  const std::string& flow() const { return flow_; }

 private:
  prometheus::Labels LabelsOf(const std::string& name, const std::string& type) const;

  std::string flow_;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& source_received_;
  prometheus::Family<prometheus::Counter>& source_accepted_;
  prometheus::Family<prometheus::Counter>& source_rejected_;
  prometheus::Family<prometheus::Gauge>& source_connections_;
  prometheus::Family<prometheus::Gauge>& channel_size_;
  prometheus::Family<prometheus::Gauge>& channel_capacity_;
  prometheus::Family<prometheus::Gauge>& channel_fill_;
  prometheus::Family<prometheus::Counter>& channel_put_attempts_;
  prometheus::Family<prometheus::Counter>& channel_put_successes_;
  prometheus::Family<prometheus::Counter>& channel_take_attempts_;
  prometheus::Family<prometheus::Counter>& channel_take_successes_;
  prometheus::Family<prometheus::Histogram>& channel_fsync_duration_;
  prometheus::Family<prometheus::Histogram>& channel_checkpoint_duration_;
  prometheus::Family<prometheus::Counter>& channel_corrupt_records_;
  prometheus::Family<prometheus::Counter>& sink_drained_;
  prometheus::Family<prometheus::Counter>& sink_batches_;
  prometheus::Family<prometheus::Counter>& sink_connection_failures_;
  prometheus::Family<prometheus::Counter>& sink_rollbacks_;
  prometheus::Family<prometheus::Histogram>& sink_batch_duration_;
  prometheus::Family<prometheus::Counter>& sink_dropped_;
  prometheus::Family<prometheus::Counter>& sink_group_failovers_;
  prometheus::Family<prometheus::Gauge>& sink_group_active_;
  prometheus::Family<prometheus::Counter>& interceptor_dropped_;
  prometheus::Family<prometheus::Counter>& config_reloads_;
};

}  // namespace acequia::sidecar
