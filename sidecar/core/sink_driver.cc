#include "sidecar/core/sink_driver.h"

#include "common/logging.h"

namespace acequia::sidecar {

SinkDriver::SinkDriver(std::string name, std::unique_ptr<Sink> sink, Channel& channel,
                       SinkMetrics metrics)
    : name_(std::move(name)),
      scope_("sink/" + name_),
      sink_(std::move(sink)),
      channel_(channel),
      metrics_(metrics),
      last_tick_(Clock::now()) {}

SinkDriver::~SinkDriver() { Stop(); }

Status SinkDriver::Start() {
  if (Status s = sink_->Start(); !s.ok()) return s.Annotate("sink " + name_);
  started_ = true;
  return Status::Ok();
}

void SinkDriver::Stop() {
  if (!started_) return;
  started_ = false;
  sink_->Stop();
}

void SinkDriver::Tick(bool force) {
  const auto now = Clock::now();
  if (!force && now - last_tick_ < std::chrono::seconds(1)) return;
  last_tick_ = now;
  if (Status s = sink_->Tick(); !s.ok()) LogMessage(LogLevel::kWarn, scope_) << s.message();
}

SinkDriver::Outcome SinkDriver::Process() {
  auto tx = channel_.Begin();
  auto events = tx->Take(sink_->BatchSize());
  if (events.empty()) {
    (void)tx->Commit();
    metrics_.batches_empty->Increment();
    return Outcome::kEmpty;
  }
  const auto start = Clock::now();
  const size_t count = events.size();
  Status delivered = sink_->Deliver(events);
  Sink::FailureHandling handling;
  if (!delivered.ok()) handling = sink_->OnFailure();
  if (delivered.ok() || !handling.rollback) {
    // Delivered, or refused for good and dropped by the sink's policy: commit either way.
    if (Status committed = tx->Commit(); !committed.ok()) {
      delivered = committed;
      handling = Sink::FailureHandling{};
    } else {
      if (delivered.ok()) {
        const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
        metrics_.batch_duration->Observe(seconds);
        metrics_.drained->Increment(static_cast<double>(count));
        failures_logged_ = 0;
      } else {
        metrics_.dropped->Increment(static_cast<double>(count));
        if (handling.count_drained) metrics_.drained->Increment(static_cast<double>(count));
        if (drops_logged_++ % 100 == 0) {
          LogMessage(LogLevel::kWarn, scope_)
              << "dropped " << count << " events the destination refused: " << delivered.message();
        }
      }
      (count >= sink_->BatchSize() ? metrics_.batches_complete : metrics_.batches_underflow)
          ->Increment();
      return Outcome::kDelivered;
    }
  }
  tx->Rollback(nullptr);
  metrics_.rollbacks->Increment();
  if (delivered.code() == Status::Code::kUnavailable) metrics_.connection_failures->Increment();
  // Log the first failures and then every hundredth, so an outage does not flood the log.
  if (failures_logged_++ % 100 == 0) {
    LogMessage(LogLevel::kWarn, scope_)
        << "delivery of " << count << " events failed and was rolled back: " << delivered.message();
  }
  last_failure_ = std::move(delivered);
  return handling.backoff ? Outcome::kFailed : Outcome::kRetry;
}

}  // namespace acequia::sidecar
