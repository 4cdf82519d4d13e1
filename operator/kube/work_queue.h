// WorkQueue: client-go's rate-limited work queue. A key is queued at most once however often it
// is added (de-duplication); a key being processed is not handed to a second worker, and if it
// is added meanwhile it comes back after Done(). AddAfter() delays, AddRateLimited() delays by
// the rate limiter (default: per key 5 ms doubling to 1000 s, overall 10 qps with a burst of
// 100, whichever is longer), Forget() resets a key's failures. Exports controller-runtime's
// workqueue_depth, workqueue_adds_total and workqueue_retries_total{name,controller}.
// Threading: every method is thread-safe; Get() blocks until a key is ready or ShutDown().
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "operator/kube/token_bucket.h"

namespace acequia::kube {

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  virtual std::chrono::nanoseconds When(const std::string& item) = 0;
  virtual void Forget(const std::string& item) = 0;
  virtual int NumRequeues(const std::string& item) = 0;
};

// base * 2^failures, capped at max.
class ItemExponentialRateLimiter : public RateLimiter {
 public:
  ItemExponentialRateLimiter(std::chrono::nanoseconds base, std::chrono::nanoseconds max);
  std::chrono::nanoseconds When(const std::string& item) override;
  void Forget(const std::string& item) override;
  int NumRequeues(const std::string& item) override;

 private:
  const std::chrono::nanoseconds base_, max_;
  std::mutex mu_;
  std::map<std::string, int> failures_;
};

// client-go's DefaultControllerRateLimiter.
class DefaultControllerRateLimiter : public RateLimiter {
 public:
  DefaultControllerRateLimiter();
  std::chrono::nanoseconds When(const std::string& item) override;
  void Forget(const std::string& item) override { per_item_.Forget(item); }
  int NumRequeues(const std::string& item) override { return per_item_.NumRequeues(item); }

 private:
  ItemExponentialRateLimiter per_item_;
  TokenBucket overall_;
};

class WorkQueue {
 public:
  // `registry` may be null (no metrics).
  WorkQueue(
      std::string name, std::shared_ptr<prometheus::Registry> registry,
      std::unique_ptr<RateLimiter> limiter = std::make_unique<DefaultControllerRateLimiter>());
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void Add(const std::string& item);
  void AddAfter(const std::string& item, std::chrono::nanoseconds delay);
  void AddRateLimited(const std::string& item);
  void Forget(const std::string& item);
  int NumRequeues(const std::string& item);
  // The next key, marked as processing; nullopt once shut down and drained.
  std::optional<std::string> Get();
  void Done(const std::string& item);
  void ShutDown();
  bool shutting_down() const;
  size_t Len() const;

 private:
  using Clock = std::chrono::steady_clock;
  void AddLocked(const std::string& item);
  void DelayLoop();

  const std::string name_;
  std::unique_ptr<RateLimiter> limiter_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable delay_cv_;
  std::deque<std::string> queue_;
  std::set<std::string> dirty_;
  std::set<std::string> processing_;
  std::map<std::string, Clock::time_point> waiting_;  // AddAfter: key → ready time
  bool shutting_down_ = false;
  std::thread delay_thread_;
  std::shared_ptr<prometheus::Registry> registry_;  // keeps the metrics below alive
  prometheus::Gauge* depth_ = nullptr;
  prometheus::Counter* adds_ = nullptr;
  prometheus::Counter* retries_ = nullptr;
};

}  // namespace acequia::kube
