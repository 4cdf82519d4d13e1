#include "sidecar/core/sink_group_load_balance.h"

#include <algorithm>

namespace acequia::sidecar {

LoadBalancePolicy::LoadBalancePolicy(size_t members, Selector selector, bool backoff,
                                     std::chrono::milliseconds max_timeout)
    : members_(members),
      selector_(selector),
      backoff_(backoff),
      max_timeout_(max_timeout),
      random_(std::random_device{}()) {}

std::vector<size_t> LoadBalancePolicy::Candidates(Clock::time_point now) {
  std::vector<size_t> active;
  for (size_t i = 0; i < members_.size(); ++i) {
    if (!backoff_ || !members_[i].Active(now)) active.push_back(i);
  }
  if (active.empty()) return active;
  if (selector_ == Selector::kRandom) {
    std::shuffle(active.begin(), active.end(), random_);
    return active;
  }
  // Start at the first active member at or after next_, so a member that comes back from its
  // backoff takes its turn again.
  size_t begin = 0;
  while (begin < active.size() && active[begin] < next_) ++begin;
  if (begin == active.size()) begin = 0;
  std::rotate(active.begin(), active.begin() + static_cast<std::ptrdiff_t>(begin), active.end());
  return active;
}

void LoadBalancePolicy::Succeeded(size_t member) {
  members_[member].Clear();
  next_ = (member + 1) % members_.size();  // a turn passes only with a batch delivered
}

void LoadBalancePolicy::Failed(size_t member, Clock::time_point now) {
  if (backoff_) members_[member].Fail(now, kBaseBackoff, max_timeout_);
}

SinkGroupPolicy::Clock::time_point LoadBalancePolicy::NextRevival() const {
  return EarliestRevival(members_);
}

}  // namespace acequia::sidecar
