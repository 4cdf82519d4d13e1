#include "sidecar/core/sink_group_failover.h"

#include <algorithm>

namespace acequia::sidecar {

FailoverPolicy::FailoverPolicy(std::vector<int64_t> priorities,
                               std::chrono::milliseconds max_penalty)
    : max_penalty_(max_penalty) {
  for (size_t i = 0; i < priorities.size(); ++i) {
    members_.push_back(Member{priorities[i], 0, {}});
    order_.push_back(i);
  }
  std::stable_sort(order_.begin(), order_.end(),
                   [&](size_t a, size_t b) { return members_[a].priority > members_[b].priority; });
}

std::vector<size_t> FailoverPolicy::Candidates(Clock::time_point now) {
  std::vector<size_t> live;
  for (size_t i : order_) {
    if (members_[i].penalised_until <= now) live.push_back(i);
  }
  return live;
}

void FailoverPolicy::Succeeded(size_t member) { members_[member].failures = 0; }

void FailoverPolicy::Failed(size_t member, Clock::time_point now) {
  Member& m = members_[member];
  m.failures = std::min(m.failures + 1, 30);
  const auto penalty =
      std::min<std::chrono::milliseconds>(max_penalty_, kBasePenalty * (int64_t{1} << m.failures));
  m.penalised_until = now + penalty;
}

SinkGroupPolicy::Clock::time_point FailoverPolicy::NextRevival() const {
  auto next = Clock::time_point::max();
  const auto now = Clock::now();
  for (const auto& m : members_) {
    if (m.penalised_until > now) next = std::min(next, m.penalised_until);
  }
  return next;
}

}  // namespace acequia::sidecar
