#include "sidecar/core/sink_group_runner.h"

#include <algorithm>

#include "common/logging.h"

namespace acequia::sidecar {

SinkGroupRunner::SinkGroupRunner(std::string name, std::vector<std::unique_ptr<SinkDriver>> members,
                                 std::unique_ptr<SinkGroupPolicy> policy, SinkGroupMetrics metrics,
                                 Options options)
    : name_(std::move(name)),
      scope_("sinkgroup/" + name_),
      members_(std::move(members)),
      policy_(std::move(policy)),
      metrics_(std::move(metrics)),
      options_(options) {
  for (const auto& member : members_) {
    Channel* channel = &member->channel();
    if (std::find(channels_.begin(), channels_.end(), channel) == channels_.end()) {
      channels_.push_back(channel);
    }
  }
}

SinkGroupRunner::~SinkGroupRunner() {
  if (thread_.joinable()) Stop(Clock::now());
}

Status SinkGroupRunner::Start() {
  for (size_t i = 0; i < members_.size(); ++i) {
    if (Status s = members_[i]->Start(); !s.ok()) {
      for (size_t j = 0; j < i; ++j) members_[j]->Stop();
      return s.Annotate("sink group " + name_);
    }
  }
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void SinkGroupRunner::Stop(Clock::time_point deadline) {
  {
    std::lock_guard lock(mu_);
    deadline_ = deadline;
    stopping_ = true;
  }
  wake_.notify_all();
  for (Channel* channel : channels_) channel->WakeWaiters();
  if (thread_.joinable()) thread_.join();
  for (auto& member : members_) member->Stop();  // when the thread never ran
}

bool SinkGroupRunner::PastDeadline() {
  std::lock_guard lock(mu_);
  return Clock::now() >= deadline_;
}

void SinkGroupRunner::Pause(std::chrono::milliseconds how_long) {
  std::unique_lock lock(mu_);
  const auto until = Clock::now() + how_long;
  while (true) {
    const auto end = stopping_ ? std::min(until, deadline_) : until;
    if (Clock::now() >= end) return;
    wake_.wait_until(lock, end);
  }
}

bool SinkGroupRunner::ChannelsEmpty() const {
  return std::all_of(channels_.begin(), channels_.end(),
                     [](const Channel* c) { return c->Size() == 0; });
}

void SinkGroupRunner::MarkActive(size_t member) {
  for (size_t i = 0; i < metrics_.active_sink.size(); ++i) {
    metrics_.active_sink[i]->Set(i == member ? 1 : 0);
  }
}

void SinkGroupRunner::Run() {
  auto backoff = options_.min_backoff;
  uint64_t exhausted_logged = 0;
  while (true) {
    if (stopping_ && (PastDeadline() || ChannelsEmpty())) break;
    const auto now = Clock::now();
    const std::vector<size_t> candidates = policy_->Candidates(now);
    bool delivered = false;
    bool failed = false;
    bool retry = false;
    std::vector<Channel*> empty;  // channels found empty during this turn
    for (size_t i : candidates) {
      SinkDriver& member = *members_[i];
      if (std::find(empty.begin(), empty.end(), &member.channel()) != empty.end()) continue;
      if (failed) metrics_.failovers->Increment();  // the batch goes on to another member
      const SinkDriver::Outcome outcome = member.Process();
      if (outcome == SinkDriver::Outcome::kDelivered) {
        policy_->Succeeded(i);
        MarkActive(i);
        delivered = true;
        break;
      }
      if (outcome == SinkDriver::Outcome::kEmpty) {
        empty.push_back(&member.channel());
        continue;
      }
      policy_->Failed(i, Clock::now());
      failed = true;
      retry = retry || outcome == SinkDriver::Outcome::kRetry;
    }
    for (auto& member : members_) member->Tick(!delivered && !failed);
    if (delivered) {
      backoff = options_.min_backoff;
      exhausted_logged = 0;
      continue;
    }
    if (stopping_ && PastDeadline()) break;
    if (failed) {
      if (exhausted_logged++ % 100 == 0) {
        LogMessage(LogLevel::kWarn, scope_) << "every sink of the group failed; backing off";
      }
      if (retry) continue;
      Pause(backoff);
      backoff = std::min(backoff * 2, options_.max_backoff);
      continue;
    }
    if (candidates.empty()) {
      // Every member is penalised: wait for the first to revive.
      const auto revival = policy_->NextRevival();
      auto wait = options_.max_backoff;
      if (revival != Clock::time_point::max()) {
        wait = std::clamp(std::chrono::ceil<std::chrono::milliseconds>(revival - Clock::now()),
                          std::chrono::milliseconds(1), options_.max_backoff);
      }
      Pause(wait);
      continue;
    }
    // Every channel a candidate reads is empty.
    if (stopping_) break;
    if (channels_.size() == 1) {
      channels_.front()->WaitForEvents(options_.idle_wait);
    } else {
      members_[candidates.front()]->channel().WaitForEvents(
          std::min(options_.idle_wait, std::chrono::milliseconds(50)));
    }
  }
  for (auto& member : members_) member->Stop();
}

}  // namespace acequia::sidecar
