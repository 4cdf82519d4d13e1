// A token bucket (golang.org/x/time/rate semantics): `qps` tokens per second, at most `burst`
// stored. Reserve() takes a token now and says how long the caller must wait before using it;
// Acquire() waits that long. Used for the REST client's QPS/burst and the work queue's overall
// limit. Thread-safe.
#pragma once

#include <chrono>
#include <mutex>

namespace acequia::kube {

class TokenBucket {
 public:
  TokenBucket(double qps, int burst);
  std::chrono::nanoseconds Reserve();
  void Acquire();

 private:
  using Clock = std::chrono::steady_clock;
  const double qps_;
  const double burst_;
  std::mutex mu_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace acequia::kube
