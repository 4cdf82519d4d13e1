#include "tests/support/source_harness.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "tests/support/test_env.h"

namespace acequia::testing {

using sidecar::Event;

SourceHarness::~SourceHarness() { StopSource(); }

bool SourceHarness::Wire(const std::string& source_fields, const std::string& channel_fields) {
  StopSource();
  const std::string yaml = "sources: [{" + source_fields +
                           ", channels: [c]}]\nchannels: [{name: c, type: memory" +
                           (channel_fields.empty() ? "" : ", " + channel_fields) +
                           "}]\nsinks: [{name: k, type: \"null\", channel: c, batchSize: 1}]\n";
  auto parsed = api::ParseFlow(yaml);
  if (!parsed.flow) {
    ADD_FAILURE() << api::JoinErrors(parsed.errors) << "\nin:\n" << yaml;
    return false;
  }
  flow_ = *parsed.flow;
  if (channel_ == nullptr) {
    channel_ = std::make_unique<sidecar::MemoryChannel>(flow_.spec.channels[0],
                                                        metrics_.ForChannel("c", "memory"));
  }
  auto processor =
      sidecar::ChannelProcessor::Create(flow_.spec.sources[0], {channel_.get()}, context_);
  if (!processor.ok()) {
    ADD_FAILURE() << processor.status().ToString();
    return false;
  }
  processor_ = std::move(processor).value();
  return true;
}

Status SourceHarness::Start(std::unique_ptr<sidecar::Source> source) {
  StopSource();
  source_ = std::move(source);
  return source_->Start();
}

void SourceHarness::StopSource() {
  if (source_ == nullptr) return;
  source_->Stop();
  source_.reset();
}

std::vector<Event> SourceHarness::Take(size_t max) {
  auto tx = channel_->Begin();
  auto taken = tx->Take(std::min(max, channel_->TransactionCapacity()));
  std::vector<Event> events(taken.begin(), taken.end());  // the span ends with the commit
  EXPECT_TRUE(tx->Commit().ok());
  return events;
}

std::vector<std::string> SourceHarness::TakeBodies(size_t max) { return Bodies(Take(max)); }

std::vector<Event> SourceHarness::Drain() {
  std::vector<Event> events;
  for (;;) {
    std::vector<Event> some = Take(channel_->TransactionCapacity());
    if (some.empty()) return events;
    events.insert(events.end(), some.begin(), some.end());
  }
}

std::vector<std::string> SourceHarness::Collect(size_t want, std::chrono::milliseconds timeout) {
  std::vector<std::string> bodies;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (bodies.size() < want && std::chrono::steady_clock::now() < deadline) {
    std::vector<std::string> some = TakeBodies(want - bodies.size());
    if (some.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    bodies.insert(bodies.end(), some.begin(), some.end());
  }
  return bodies;
}

std::vector<Event> SourceHarness::TakeWhenThere(size_t n) {
  EXPECT_TRUE(WaitFor([&] { return channel_->Size() >= n; }))
      << "only " << channel_->Size() << " of " << n << " events arrived";
  return Take(n);
}

std::vector<std::string> SourceHarness::Bodies(const std::vector<Event>& events) {
  std::vector<std::string> bodies;
  bodies.reserve(events.size());
  for (const auto& e : events) bodies.push_back(e.body);
  return bodies;
}

std::string Lines(int from, int to) {
  std::string text;
  for (int i = from; i < to; ++i) text += "line-" + std::to_string(i) + "\n";
  return text;
}

std::vector<std::string> LineList(int from, int to) {
  std::vector<std::string> lines;
  for (int i = from; i < to; ++i) lines.push_back("line-" + std::to_string(i));
  return lines;
}

}  // namespace acequia::testing
