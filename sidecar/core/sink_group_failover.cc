#include "sidecar/core/sink_group_failover.h"

#include <algorithm>

namespace acequia::sidecar {

FailoverPolicy::FailoverPolicy(std::vector<int64_t> priorities,
                               std::chrono::milliseconds max_penalty)
    : penalties_(priorities.size()), max_penalty_(max_penalty) {
  for (size_t i = 0; i < priorities.size(); ++i) order_.push_back(i);
  std::stable_sort(order_.begin(), order_.end(),
                   [&](size_t a, size_t b) { return priorities[a] > priorities[b]; });
}

std::vector<size_t> FailoverPolicy::Candidates(Clock::time_point now) {
  std::vector<size_t> live;
  for (size_t i : order_) {
    if (!penalties_[i].Active(now)) live.push_back(i);
  }
  return live;
}

void FailoverPolicy::Succeeded(size_t member) { penalties_[member].Clear(); }

void FailoverPolicy::Failed(size_t member, Clock::time_point now) {
  penalties_[member].Fail(now, kBasePenalty, max_penalty_);
}

SinkGroupPolicy::Clock::time_point FailoverPolicy::NextRevival() const {
  return EarliestRevival(penalties_);
}

}  // namespace acequia::sidecar
