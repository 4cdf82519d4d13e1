#include "sidecar/channels/memory_channel.h"

#include "sidecar/core/registry.h"

namespace acequia::sidecar {

class MemoryTransaction final : public Transaction {
 public:
  explicit MemoryTransaction(MemoryChannel& channel) : channel_(channel) {}
  ~MemoryTransaction() override {
    if (prepared_) channel_.Unreserve(puts_.size(), put_bytes_);
    if (!takes_.empty()) channel_.ReturnTakes(takes_);
  }

  Status Put(std::vector<Event>&& events) override {
    channel_.metrics_.put_attempts->Increment(static_cast<double>(events.size()));
    const size_t limit = channel_.TransactionCapacity();
    if (puts_.size() + events.size() > limit) {
      return Status::ResourceExhausted("transaction of " +
                                       std::to_string(puts_.size() + events.size()) +
                                       " events exceeds transactionCapacity " +
                                       std::to_string(limit) + " of channel " + channel_.name_);
    }
    for (const auto& e : events) put_bytes_ += static_cast<int64_t>(e.body.size());
    if (puts_.empty()) {
      puts_ = std::move(events);
    } else {
      puts_.insert(puts_.end(), std::make_move_iterator(events.begin()),
                   std::make_move_iterator(events.end()));
    }
    return Status::Ok();
  }

  std::span<const Event> Take(size_t max) override {
    const size_t room = channel_.TransactionCapacity() > takes_.size()
                            ? channel_.TransactionCapacity() - takes_.size()
                            : 0;
    return channel_.TakeInto(std::min(max, room), takes_, &take_bytes_);
  }

  Status Prepare() override {
    if (prepared_ || puts_.empty()) return Status::Ok();
    if (Status s = channel_.Reserve(puts_.size(), put_bytes_); !s.ok()) return s;
    prepared_ = true;
    return Status::Ok();
  }

  Status Commit() override {
    if (!puts_.empty()) {
      if (Status s = Prepare(); !s.ok()) return s;
      channel_.CommitPuts(puts_, put_bytes_);
      prepared_ = false;
      puts_.clear();
      put_bytes_ = 0;
    }
    if (!takes_.empty()) {
      channel_.CommitTakes(takes_.size(), take_bytes_);
      takes_.clear();
      take_bytes_ = 0;
    }
    return Status::Ok();
  }

  void Rollback(std::vector<Event>* unput) override {
    if (prepared_) channel_.Unreserve(puts_.size(), put_bytes_);
    prepared_ = false;
    if (unput != nullptr) *unput = std::move(puts_);
    puts_.clear();
    put_bytes_ = 0;
    if (!takes_.empty()) {
      channel_.ReturnTakes(takes_);
      takes_.clear();
      take_bytes_ = 0;
    }
  }

 private:
  MemoryChannel& channel_;
  std::vector<Event> puts_;
  std::vector<Event> takes_;
  int64_t put_bytes_ = 0;
  int64_t take_bytes_ = 0;
  bool prepared_ = false;  // room for puts_ is reserved in the channel
};

MemoryChannel::Limits MemoryChannel::LimitsOf(const api::ComponentConfig& config) {
  Limits limits;
  const auto& p = config.properties;
  limits.capacity = static_cast<size_t>(p.GetInt("capacity"));
  limits.transaction_capacity = static_cast<size_t>(p.GetInt("transactionCapacity"));
  const int64_t bytes = p.GetSize("byteCapacity");
  limits.byte_capacity = bytes * (100 - p.GetInt("byteCapacityBufferPercentage")) / 100;
  if (bytes > 0 && limits.byte_capacity == 0) limits.byte_capacity = 1;
  limits.keep_alive = p.GetDuration("keepAlive");
  return limits;
}

MemoryChannel::MemoryChannel(const api::ComponentConfig& config, ChannelMetrics metrics)
    : name_(config.name), metrics_(metrics), limits_(LimitsOf(config)) {
  std::lock_guard lock(mu_);
  PublishGaugesLocked();
}

std::unique_ptr<Transaction> MemoryChannel::Begin() {
  return std::make_unique<MemoryTransaction>(*this);
}

bool MemoryChannel::WaitForEvents(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  const uint64_t generation = wake_generation_;
  not_empty_.wait_for(lock, timeout,
                      [&] { return !queue_.empty() || closed_ || wake_generation_ != generation; });
  return !queue_.empty();
}

void MemoryChannel::WakeWaiters() {
  {
    std::lock_guard lock(mu_);
    ++wake_generation_;
  }
  not_empty_.notify_all();
}

size_t MemoryChannel::Size() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

size_t MemoryChannel::Capacity() const {
  std::lock_guard lock(mu_);
  return limits_.capacity;
}

size_t MemoryChannel::TransactionCapacity() const {
  std::lock_guard lock(mu_);
  return limits_.transaction_capacity;
}

Status MemoryChannel::Reconfigure(const api::ComponentConfig& config) {
  if (config.type != "memory") return Status::InvalidArgument("channel type changed");
  std::lock_guard lock(mu_);
  limits_ = LimitsOf(config);
  PublishGaugesLocked();
  not_full_.notify_all();
  return Status::Ok();
}

void MemoryChannel::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  not_empty_.notify_all();
  not_full_.notify_all();
}

Status MemoryChannel::Reserve(size_t count, int64_t bytes) {
  std::unique_lock lock(mu_);
  if (limits_.byte_capacity > 0 && bytes > limits_.byte_capacity) {
    return Status::InvalidArgument("batch of " + std::to_string(bytes) +
                                   " body bytes can never fit byteCapacity of channel " + name_);
  }
  auto fits = [&] {
    return queue_.size() + taken_ + reserved_ + count <= limits_.capacity &&
           (limits_.byte_capacity == 0 ||
            bytes_ + reserved_bytes_ + bytes <= limits_.byte_capacity);
  };
  if (!fits()) {
    not_full_.wait_for(lock, limits_.keep_alive, [&] { return fits() || closed_; });
    if (!fits()) {
      return Status::ResourceExhausted("channel " + name_ + " is full (" +
                                       std::to_string(queue_.size() + taken_ + reserved_) + " of " +
                                       std::to_string(limits_.capacity) + " events)");
    }
  }
  reserved_ += count;
  reserved_bytes_ += bytes;
  return Status::Ok();
}

void MemoryChannel::Unreserve(size_t count, int64_t bytes) {
  {
    std::lock_guard lock(mu_);
    reserved_ -= count;
    reserved_bytes_ -= bytes;
  }
  not_full_.notify_all();
}

void MemoryChannel::CommitPuts(std::vector<Event>& puts, int64_t bytes) {
  const size_t count = puts.size();
  {
    std::lock_guard lock(mu_);
    for (auto& e : puts) queue_.push_back(std::move(e));
    reserved_ -= count;
    reserved_bytes_ -= bytes;
    bytes_ += bytes;
    PublishGaugesLocked();
  }
  not_empty_.notify_all();
  metrics_.put_successes->Increment(static_cast<double>(count));
}

std::span<const Event> MemoryChannel::TakeInto(size_t max, std::vector<Event>& takes,
                                               int64_t* bytes) {
  const size_t first = takes.size();
  {
    std::lock_guard lock(mu_);
    const size_t n = std::min(max, queue_.size());
    for (size_t i = 0; i < n; ++i) {
      *bytes += static_cast<int64_t>(queue_.front().body.size());
      takes.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    taken_ += n;
    if (n > 0) PublishGaugesLocked();
  }
  const size_t got = takes.size() - first;
  // Flume counts one attempt per take() call, and a batch stops at the first empty take.
  metrics_.take_attempts->Increment(static_cast<double>(got < max ? got + 1 : got));
  metrics_.take_successes->Increment(static_cast<double>(got));
  return std::span<const Event>(takes).subspan(first);
}

void MemoryChannel::CommitTakes(size_t count, int64_t bytes) {
  {
    std::lock_guard lock(mu_);
    taken_ -= count;
    bytes_ -= bytes;
  }
  not_full_.notify_all();
}

void MemoryChannel::ReturnTakes(std::vector<Event>& takes) {
  {  // their bytes stay accounted: the events are back in the queue
    std::lock_guard lock(mu_);
    for (auto it = takes.rbegin(); it != takes.rend(); ++it) queue_.push_front(std::move(*it));
    taken_ -= takes.size();
    PublishGaugesLocked();
  }
  not_empty_.notify_all();
}

void MemoryChannel::PublishGaugesLocked() {
  const double size = static_cast<double>(queue_.size());
  metrics_.size->Set(size);
  metrics_.capacity->Set(static_cast<double>(limits_.capacity));
  metrics_.fill_ratio->Set(limits_.capacity ? size / static_cast<double>(limits_.capacity) : 0);
}

ACEQUIA_REGISTER_CHANNEL("memory",
                         [](const api::ComponentConfig& config,
                            const ComponentContext& context) -> Result<std::unique_ptr<Channel>> {
                           return std::unique_ptr<Channel>(std::make_unique<MemoryChannel>(
                               config, context.metrics->ForChannel(config.name, config.type)));
                         });

}  // namespace acequia::sidecar
