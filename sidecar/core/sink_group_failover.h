// The failover policy (Flume's FailoverSinkProcessor): the batch goes to the live member with the
// highest priority (ties: the one listed first; a member without a priority has 0). A member whose
// delivery fails is penalised — left out for min(maxpenalty, 2^failures × 1 s), failures counted
// since its last success — and the batch goes to the next live member at once. When its penalty
// ends the member is live again and, having the higher priority, takes over again.
// Threading: one thread (the group runner's).
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "sidecar/core/sink_group_policy.h"

namespace acequia::sidecar {

class FailoverPolicy final : public SinkGroupPolicy {
 public:
  static constexpr std::chrono::milliseconds kBasePenalty{1000};

  // `priorities` by member index.
  FailoverPolicy(std::vector<int64_t> priorities, std::chrono::milliseconds max_penalty);

  std::vector<size_t> Candidates(Clock::time_point now) override;
  void Succeeded(size_t member) override;
  void Failed(size_t member, Clock::time_point now) override;
  Clock::time_point NextRevival() const override;

 private:
  std::vector<size_t> order_;  // by priority, highest first
  std::vector<MemberPenalty> penalties_;
  std::chrono::milliseconds max_penalty_;
};

}  // namespace acequia::sidecar
