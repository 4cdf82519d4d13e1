#include "sidecar/core/sink_runner.h"

#include <gtest/gtest.h>

#include <mutex>

#include "sidecar/channels/memory_channel.h"
#include "tests/support/component_configs.h"
#include "tests/support/test_env.h"

namespace acequia::sidecar {
namespace {

// A sink that records what it was given and fails its first `failures` deliveries.
class RecordingSink final : public Sink {
 public:
  RecordingSink(int failures, Status::Code code) : failures_(failures), code_(code) {}
  Status Start() override { return Status::Ok(); }
  Status Deliver(std::span<const Event> events) override {
    std::lock_guard lock(mu_);
    ++attempts_;
    if (failures_ > 0) {
      --failures_;
      return Status(code_, "destination down");
    }
    for (const auto& e : events) delivered_.push_back(e.body);
    return Status::Ok();
  }
  void Stop() override { stopped_ = true; }
  size_t BatchSize() const override { return 3; }

  std::vector<std::string> delivered() {
    std::lock_guard lock(mu_);
    return delivered_;
  }
  int attempts() {
    std::lock_guard lock(mu_);
    return attempts_;
  }
  std::atomic<bool> stopped_{false};

 private:
  std::mutex mu_;
  int failures_;
  Status::Code code_;
  int attempts_ = 0;
  std::vector<std::string> delivered_;
};

void PutBodies(Channel& channel, int n) {
  auto tx = channel.Begin();
  std::vector<Event> events;
  for (int i = 0; i < n; ++i) events.push_back(Event{{}, "e" + std::to_string(i)});
  ASSERT_TRUE(tx->Put(std::move(events)).ok());
  ASSERT_TRUE(tx->Commit().ok());
}

class SinkRunnerTest : public ::testing::Test {
 protected:
  AgentMetrics metrics_{"test"};
  MemoryChannel channel_{
      testing::ChannelConfig("type: memory, capacity: 100, transactionCapacity: 10"),
      metrics_.ForChannel("c", "memory")};
  SinkRunner::Options fast_{std::chrono::milliseconds(5), std::chrono::milliseconds(20),
                            std::chrono::milliseconds(20)};
};

TEST_F(SinkRunnerTest, DeliversInBatchesAndCountsThem) {
  auto sink = std::make_unique<RecordingSink>(0, Status::Code::kOk);
  auto* recorder = sink.get();
  auto sink_metrics = metrics_.ForSink("k", "recording");
  SinkRunner runner("k", std::move(sink), channel_, sink_metrics, fast_);
  PutBodies(channel_, 7);
  ASSERT_TRUE(runner.Start().ok());
  ASSERT_TRUE(testing::WaitFor([&] { return recorder->delivered().size() == 7; }));
  runner.Stop(std::chrono::steady_clock::now());
  EXPECT_EQ(recorder->delivered(),
            (std::vector<std::string>{"e0", "e1", "e2", "e3", "e4", "e5", "e6"}));
  EXPECT_EQ(sink_metrics.drained->Value(), 7);
  EXPECT_EQ(sink_metrics.batches_complete->Value(), 2);   // 3 + 3
  EXPECT_EQ(sink_metrics.batches_underflow->Value(), 1);  // 1
  EXPECT_GT(sink_metrics.batches_empty->Value(), 0);
  EXPECT_TRUE(recorder->stopped_);
}

TEST_F(SinkRunnerTest, FailedDeliveriesRollBackAndTheSameEventsComeAgain) {
  auto sink = std::make_unique<RecordingSink>(3, Status::Code::kUnavailable);
  auto* recorder = sink.get();
  auto sink_metrics = metrics_.ForSink("k", "recording");
  SinkRunner runner("k", std::move(sink), channel_, sink_metrics, fast_);
  PutBodies(channel_, 3);
  ASSERT_TRUE(runner.Start().ok());
  ASSERT_TRUE(testing::WaitFor([&] { return recorder->delivered().size() == 3; }));
  runner.Stop(std::chrono::steady_clock::now());
  EXPECT_EQ(recorder->delivered(), (std::vector<std::string>{"e0", "e1", "e2"}))
      << "in order, once: nothing lost, nothing duplicated";
  EXPECT_EQ(recorder->attempts(), 4);
  EXPECT_EQ(sink_metrics.rollbacks->Value(), 3);
  EXPECT_EQ(sink_metrics.connection_failures->Value(), 3);
  EXPECT_EQ(channel_.Size(), 0u);
}

TEST_F(SinkRunnerTest, StopWithADeadlineDrainsTheChannel) {
  auto sink = std::make_unique<RecordingSink>(0, Status::Code::kOk);
  auto* recorder = sink.get();
  SinkRunner runner("k", std::move(sink), channel_, metrics_.ForSink("k", "recording"), fast_);
  ASSERT_TRUE(runner.Start().ok());
  PutBodies(channel_, 10);
  runner.Stop(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  EXPECT_EQ(recorder->delivered().size(), 10u);
  EXPECT_EQ(channel_.Size(), 0u);
}

TEST_F(SinkRunnerTest, StopGivesUpAtTheDeadlineAndKeepsTheRestInTheChannel) {
  auto sink = std::make_unique<RecordingSink>(1'000'000, Status::Code::kUnavailable);
  SinkRunner runner("k", std::move(sink), channel_, metrics_.ForSink("k", "recording"), fast_);
  PutBodies(channel_, 5);
  ASSERT_TRUE(runner.Start().ok());
  const auto start = std::chrono::steady_clock::now();
  runner.Stop(start + std::chrono::milliseconds(100));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(channel_.Size(), 5u) << "undelivered events stay in the channel";
}

}  // namespace
}  // namespace acequia::sidecar
