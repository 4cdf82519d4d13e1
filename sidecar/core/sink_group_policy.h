// How a sink group (Flume's sink processor) chooses the member that takes the next batch:
// `failover` (the live member with the highest priority; a failed one is penalised and revived
// later) or `load_balance` (round_robin or random, optionally backing off failed members). Pure
// logic over member indices (the group's `sinks` order) and a clock, so it is tested without sinks.
// Threading: used by one thread, the group runner's.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "api/flow.h"
#include "common/status.h"

namespace acequia::sidecar {

class SinkGroupPolicy {
 public:
  using Clock = std::chrono::steady_clock;

  virtual ~SinkGroupPolicy() = default;
  // The members to offer the next batch to, in order: when one fails, the runner offers the batch
  // to the next. Empty when every member is penalised or backed off.
  virtual std::vector<size_t> Candidates(Clock::time_point now) = 0;
  virtual void Succeeded(size_t member) = 0;
  virtual void Failed(size_t member, Clock::time_point now) = 0;
  // When the first penalised member may take again (Clock::time_point::max() when none is).
  virtual Clock::time_point NextRevival() const = 0;
};

// A member's exponential penalty (failover's penalty, load_balance's backoff): after n failures in
// a row it sits out min(most, 2^n × base); a success clears the count.
struct MemberPenalty {
  using Clock = SinkGroupPolicy::Clock;
  int failures = 0;  // in a row, at most 30
  Clock::time_point until{};

  void Fail(Clock::time_point now, std::chrono::milliseconds base, std::chrono::milliseconds most) {
    failures = std::min(failures + 1, 30);
    until = now + std::min<std::chrono::milliseconds>(most, base * (int64_t{1} << failures));
  }
  void Clear() { failures = 0; }
  bool Active(Clock::time_point now) const { return until > now; }
};

// The earliest end of the penalties still running, or Clock::time_point::max() when none is.
SinkGroupPolicy::Clock::time_point EarliestRevival(const std::vector<MemberPenalty>& penalties);

// The policy of a group's processor (`failover` or `load_balance`); InvalidArgument with the
// field path for a type the agent does not run as a group (`default` runs its sink alone).
Result<std::unique_ptr<SinkGroupPolicy>> MakeSinkGroupPolicy(const api::SinkGroupConfig& group);

}  // namespace acequia::sidecar
