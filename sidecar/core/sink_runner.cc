#include "sidecar/core/sink_runner.h"

#include "common/logging.h"

namespace acequia::sidecar {

using Clock = std::chrono::steady_clock;

SinkRunner::SinkRunner(std::string name, std::unique_ptr<Sink> sink, Channel& channel,
                       SinkMetrics metrics, Options options)
    : driver_(std::move(name), std::move(sink), channel, metrics), options_(options) {}

SinkRunner::~SinkRunner() {
  if (thread_.joinable()) Stop(Clock::now());
}

Status SinkRunner::Start() {
  if (Status s = driver_.Start(); !s.ok()) return s;
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
  driver_.channel().WakeWaiters();
  if (thread_.joinable()) thread_.join();
}

void SinkRunner::Pause(std::chrono::milliseconds how_long) {
  std::unique_lock lock(mu_);
  wake_.wait_for(lock, how_long, [&] { return stopping_.load(); });
}

void SinkRunner::Run() {
  Channel& channel = driver_.channel();
  auto backoff = options_.min_backoff;
  auto past_deadline = [&] {
    std::lock_guard lock(mu_);
    return Clock::now() >= deadline_;
  };
  while (true) {
    if (stopping_ && (past_deadline() || channel.Size() == 0)) break;
    switch (driver_.Process()) {
      case SinkDriver::Outcome::kDelivered:
        backoff = options_.min_backoff;
        driver_.Tick(false);
        continue;
      case SinkDriver::Outcome::kEmpty:
        driver_.Tick(true);
        if (stopping_) break;
        channel.WaitForEvents(options_.idle_wait);
        continue;
      case SinkDriver::Outcome::kRetry:
        backoff = options_.min_backoff;
        if (stopping_ && past_deadline()) break;
        continue;
      case SinkDriver::Outcome::kFailed:
        if (stopping_ && past_deadline()) break;
        Pause(backoff);
        backoff = std::min(backoff * 2, options_.max_backoff);
        continue;
    }
    break;
  }
  driver_.Stop();
}

}  // namespace acequia::sidecar
