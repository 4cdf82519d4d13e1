// The load_balance policy (Flume's LoadBalancingSinkProcessor): each batch is offered to the
// members in a new order — round_robin starts at the member after the one that delivered the last
// batch (turns that found the channel empty do not count, unlike Flume), random shuffles — and,
// when one fails, to the next in that order. With backoff, a failed member is left out for
// min(maxTimeOut, 2^failures × 1 s) (failures in a row, reset by a success); without it, a failed
// member stays in the rotation.
// Threading: one thread (the group runner's).
#pragma once

#include <chrono>
#include <random>
#include <vector>

#include "sidecar/core/sink_group_policy.h"

namespace acequia::sidecar {

class LoadBalancePolicy final : public SinkGroupPolicy {
 public:
  enum class Selector { kRoundRobin, kRandom };
  static constexpr std::chrono::milliseconds kBaseBackoff{1000};

  LoadBalancePolicy(size_t members, Selector selector, bool backoff,
                    std::chrono::milliseconds max_timeout);

  std::vector<size_t> Candidates(Clock::time_point now) override;
  void Succeeded(size_t member) override;
  void Failed(size_t member, Clock::time_point now) override;
  Clock::time_point NextRevival() const override;

 private:
  std::vector<MemberPenalty> members_;
  Selector selector_;
  bool backoff_;
  std::chrono::milliseconds max_timeout_;
  size_t next_ = 0;
  std::mt19937 random_;
};

}  // namespace acequia::sidecar
