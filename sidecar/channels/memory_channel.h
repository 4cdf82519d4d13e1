// The memory channel: a bounded in-memory queue of events (Flume's MemoryChannel). Fast; its
// contents are lost when the agent dies. Capacity counts events queued, events taken but not yet
// committed (so a rollback always fits) and room reserved by prepared puts. Thread-safe: one mutex
// guards the queue; transactions touch it once per Put commit and once per Take.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>

#include "sidecar/core/agent_metrics.h"
#include "sidecar/core/channel.h"

namespace acequia::sidecar {

class MemoryChannel final : public Channel {
 public:
  MemoryChannel(const api::ComponentConfig& config, ChannelMetrics metrics);

  std::unique_ptr<Transaction> Begin() override;
  bool WaitForEvents(std::chrono::milliseconds timeout) override;
  size_t Size() const override;
  size_t Capacity() const override;
  size_t TransactionCapacity() const override;
  Status Reconfigure(const api::ComponentConfig& config) override;
  void WakeWaiters() override;
  void Close() override;

 private:
  friend class MemoryTransaction;

  struct Limits {
    size_t capacity = 0;
    size_t transaction_capacity = 0;
    int64_t byte_capacity = 0;  // usable body bytes; 0 means no byte limit
    std::chrono::milliseconds keep_alive{0};
  };
  static Limits LimitsOf(const api::ComponentConfig& config);

  // Called by transactions; each takes mu_.
  Status Reserve(size_t count, int64_t bytes);
  void Unreserve(size_t count, int64_t bytes);
  void CommitPuts(std::vector<Event>& puts, int64_t bytes);
  std::span<const Event> TakeInto(size_t max, std::vector<Event>& takes, int64_t* bytes);
  void CommitTakes(size_t count, int64_t bytes);
  void ReturnTakes(std::vector<Event>& takes);
  void PublishGaugesLocked();

  const std::string name_;
  ChannelMetrics metrics_;
  mutable std::mutex mu_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  Limits limits_;
  std::deque<Event> queue_;
  size_t taken_ = 0;     // events taken by open transactions
  size_t reserved_ = 0;  // room reserved by prepared puts
  int64_t bytes_ = 0;    // body bytes queued or taken by open transactions
  int64_t reserved_bytes_ = 0;
  uint64_t wake_generation_ = 0;  // bumped by WakeWaiters
  bool closed_ = false;
};

}  // namespace acequia::sidecar
