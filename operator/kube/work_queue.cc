#include "operator/kube/work_queue.h"

#include <algorithm>
#include <cmath>

namespace acequia::kube {

ItemExponentialRateLimiter::ItemExponentialRateLimiter(std::chrono::nanoseconds base,
                                                       std::chrono::nanoseconds max)
    : base_(base), max_(max) {}

std::chrono::nanoseconds ItemExponentialRateLimiter::When(const std::string& item) {
  std::lock_guard lock(mu_);
  const int exp = failures_[item]++;
  const double delay = static_cast<double>(base_.count()) * std::pow(2.0, exp);
  if (delay > static_cast<double>(max_.count())) return max_;
  return std::chrono::nanoseconds(static_cast<int64_t>(delay));
}

void ItemExponentialRateLimiter::Forget(const std::string& item) {
  std::lock_guard lock(mu_);
  failures_.erase(item);
}

int ItemExponentialRateLimiter::NumRequeues(const std::string& item) {
  std::lock_guard lock(mu_);
  auto it = failures_.find(item);
  return it == failures_.end() ? 0 : it->second;
}

DefaultControllerRateLimiter::DefaultControllerRateLimiter()
    : per_item_(std::chrono::milliseconds(5), std::chrono::seconds(1000)), overall_(10, 100) {}

std::chrono::nanoseconds DefaultControllerRateLimiter::When(const std::string& item) {
  return std::max(per_item_.When(item), overall_.Reserve());
}

WorkQueue::WorkQueue(std::string name, std::shared_ptr<prometheus::Registry> registry,
                     std::unique_ptr<RateLimiter> limiter)
    : name_(std::move(name)), limiter_(std::move(limiter)), registry_(std::move(registry)) {
  if (registry_) {
    const prometheus::Labels labels = {{"name", name_}, {"controller", name_}};
    depth_ = &prometheus::BuildGauge()
                  .Name("workqueue_depth")
                  .Help("Current depth of workqueue")
                  .Register(*registry_)
                  .Add(labels);
    adds_ = &prometheus::BuildCounter()
                 .Name("workqueue_adds_total")
                 .Help("Total number of adds handled by workqueue")
                 .Register(*registry_)
                 .Add(labels);
    retries_ = &prometheus::BuildCounter()
                    .Name("workqueue_retries_total")
                    .Help("Total number of retries handled by workqueue")
                    .Register(*registry_)
                    .Add(labels);
  }
  delay_thread_ = std::thread([this] { DelayLoop(); });
}

WorkQueue::~WorkQueue() {
  ShutDown();
  if (delay_thread_.joinable()) delay_thread_.join();
}

void WorkQueue::AddLocked(const std::string& item) {
  if (shutting_down_ || dirty_.count(item)) return;
  dirty_.insert(item);
  if (adds_) adds_->Increment();
  if (processing_.count(item)) return;
  queue_.push_back(item);
  if (depth_) depth_->Set(static_cast<double>(queue_.size()));
  cv_.notify_one();
}

void WorkQueue::Add(const std::string& item) {
  std::lock_guard lock(mu_);
  AddLocked(item);
}

void WorkQueue::AddAfter(const std::string& item, std::chrono::nanoseconds delay) {
  std::lock_guard lock(mu_);
  if (shutting_down_) return;
  if (delay.count() <= 0) {
    AddLocked(item);
    return;
  }
  const auto ready = Clock::now() + delay;
  auto it = waiting_.find(item);
  if (it == waiting_.end() || ready < it->second) waiting_[item] = ready;  // the earliest wins
  delay_cv_.notify_one();
}

void WorkQueue::AddRateLimited(const std::string& item) {
  if (retries_) retries_->Increment();
  AddAfter(item, limiter_->When(item));
}

void WorkQueue::Forget(const std::string& item) { limiter_->Forget(item); }

int WorkQueue::NumRequeues(const std::string& item) { return limiter_->NumRequeues(item); }

std::optional<std::string> WorkQueue::Get() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return !queue_.empty() || shutting_down_; });
  if (queue_.empty()) return std::nullopt;
  std::string item = std::move(queue_.front());
  queue_.pop_front();
  if (depth_) depth_->Set(static_cast<double>(queue_.size()));
  processing_.insert(item);
  dirty_.erase(item);
  return item;
}

void WorkQueue::Done(const std::string& item) {
  std::lock_guard lock(mu_);
  processing_.erase(item);
  if (dirty_.count(item)) {
    queue_.push_back(item);
    if (depth_) depth_->Set(static_cast<double>(queue_.size()));
    cv_.notify_one();
  }
}

void WorkQueue::ShutDown() {
  std::lock_guard lock(mu_);
  shutting_down_ = true;
  cv_.notify_all();
  delay_cv_.notify_all();
}

bool WorkQueue::shutting_down() const {
  std::lock_guard lock(mu_);
  return shutting_down_;
}

size_t WorkQueue::Len() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void WorkQueue::DelayLoop() {
  std::unique_lock lock(mu_);
  while (!shutting_down_) {
    const auto now = Clock::now();
    auto next = Clock::time_point::max();
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      if (it->second <= now) {
        AddLocked(it->first);
        it = waiting_.erase(it);
      } else {
        next = std::min(next, it->second);
        ++it;
      }
    }
    if (next == Clock::time_point::max()) {
      delay_cv_.wait(lock);
    } else {
      delay_cv_.wait_until(lock, next);
    }
  }
}

}  // namespace acequia::kube
