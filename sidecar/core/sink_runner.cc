#include "sidecar/core/sink_runner.h"

#include "common/logging.h"

namespace acequia::sidecar {

using Clock = std::chrono::steady_clock;

SinkRunner::SinkRunner(std::string name, std::unique_ptr<Sink> sink, Channel& channel,
                       SinkMetrics metrics, Options options)
    : name_(std::move(name)),
      sink_(std::move(sink)),
      channel_(channel),
      metrics_(metrics),
      options_(options) {}

SinkRunner::~SinkRunner() {
  if (thread_.joinable()) Stop(Clock::now());
}

Status SinkRunner::Start() {
  if (Status s = sink_->Start(); !s.ok()) return s.Annotate("sink " + name_);
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void SinkRunner::Stop(Clock::time_point deadline) {
  {
    std::lock_guard lock(mu_);
    deadline_ = deadline;
    stopping_ = true;
  }
  wake_.notify_all();
  channel_.WakeWaiters();
  if (thread_.joinable()) thread_.join();
}

void SinkRunner::Pause(std::chrono::milliseconds how_long) {
  std::unique_lock lock(mu_);
  wake_.wait_for(lock, how_long, [&] { return stopping_.load(); });
}

void SinkRunner::Run() {
  const std::string scope = "sink/" + name_;
  auto backoff = options_.min_backoff;
  auto last_tick = Clock::now();
  uint64_t failures_logged = 0;
  while (true) {
    if (stopping_) {
      std::lock_guard lock(mu_);
      if (Clock::now() >= deadline_ || channel_.Size() == 0) break;
    }
    auto tx = channel_.Begin();
    auto events = tx->Take(sink_->BatchSize());
    const auto now = Clock::now();
    if (events.empty()) {
      (void)tx->Commit();
      metrics_.batches_empty->Increment();
      if (Status s = sink_->Tick(); !s.ok()) LogMessage(LogLevel::kWarn, scope) << s.message();
      last_tick = now;
      if (stopping_) break;
      channel_.WaitForEvents(options_.idle_wait);
      continue;
    }
    Status delivered = sink_->Deliver(events);
    if (delivered.ok()) delivered = tx->Commit();
    if (delivered.ok()) {
      const double seconds = std::chrono::duration<double>(Clock::now() - now).count();
      metrics_.batch_duration->Observe(seconds);
      metrics_.drained->Increment(static_cast<double>(events.size()));
      (events.size() >= sink_->BatchSize() ? metrics_.batches_complete : metrics_.batches_underflow)
          ->Increment();
      backoff = options_.min_backoff;
      failures_logged = 0;
      if (now - last_tick >= std::chrono::seconds(1)) {
        if (Status s = sink_->Tick(); !s.ok()) LogMessage(LogLevel::kWarn, scope) << s.message();
        last_tick = now;
      }
      continue;
    }
    const size_t count = events.size();
    tx->Rollback(nullptr);
    metrics_.rollbacks->Increment();
    if (delivered.code() == Status::Code::kUnavailable) metrics_.connection_failures->Increment();
    // Log the first failures and then every hundredth, so an outage does not flood the log.
    if (failures_logged++ % 100 == 0) {
      LogMessage(LogLevel::kWarn, scope)
          << "delivery of " << count << " events failed, rolled back"
          << " and retrying in " << backoff.count() << "ms: " << delivered.message();
    }
    if (stopping_ && Clock::now() >= deadline_) break;
    Pause(backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  sink_->Stop();
}

}  // namespace acequia::sidecar
