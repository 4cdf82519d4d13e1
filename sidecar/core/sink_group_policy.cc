#include "sidecar/core/sink_group_policy.h"

#include "sidecar/core/sink_group_failover.h"
#include "sidecar/core/sink_group_load_balance.h"

namespace acequia::sidecar {

SinkGroupPolicy::Clock::time_point EarliestRevival(const std::vector<MemberPenalty>& penalties) {
  auto next = SinkGroupPolicy::Clock::time_point::max();
  const auto now = SinkGroupPolicy::Clock::now();
  for (const auto& penalty : penalties) {
    if (penalty.Active(now)) next = std::min(next, penalty.until);
  }
  return next;
}

Result<std::unique_ptr<SinkGroupPolicy>> MakeSinkGroupPolicy(const api::SinkGroupConfig& group) {
  const auto& processor = group.processor;
  const auto& props = processor.properties;
  if (processor.type == "failover") {
    const auto& given = props.GetIntMap("priority");
    std::vector<int64_t> priorities;
    for (const auto& sink : group.sinks) {
      auto it = given.find(sink);
      priorities.push_back(it == given.end() ? 0 : it->second);
    }
    return std::unique_ptr<SinkGroupPolicy>(
        std::make_unique<FailoverPolicy>(std::move(priorities), props.GetDuration("maxpenalty")));
  }
  if (processor.type == "load_balance") {
    const auto selector = props.GetString("selector") == "random"
                              ? LoadBalancePolicy::Selector::kRandom
                              : LoadBalancePolicy::Selector::kRoundRobin;
    return std::unique_ptr<SinkGroupPolicy>(std::make_unique<LoadBalancePolicy>(
        group.sinks.size(), selector, props.GetBool("backoff"), props.GetDuration("maxTimeOut")));
  }
  return Status::InvalidArgument(processor.path + ".type: no sink processor \"" + processor.type +
                                 "\" runs a group in this agent");
}

}  // namespace acequia::sidecar
