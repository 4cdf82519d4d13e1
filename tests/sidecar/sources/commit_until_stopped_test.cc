#include "sidecar/sources/commit_until_stopped.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "tests/support/source_harness.h"
#include "tests/support/test_env.h"

namespace acequia::sidecar {
namespace {

// A one-event channel: a second batch finds it full until the first is taken.
class CommitUntilStoppedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(harness_.Wire("name: s, type: seq, batchSize: 1",
                              "capacity: 1, transactionCapacity: 1, keepAlive: 0s"));
  }

  // Starts offering one event named `body` on the runner; `committed` tells how it ended.
  void Offer(const std::string& body) {
    runner_.Start([this, body] {
      std::vector<Event> batch{Event{{}, body}};
      committed_ = CommitUntilStopped(harness_.processor(), batch, runner_, "s");
      left_ = batch.size();
      done_ = true;
    });
  }

  // Commits "first" (the channel is then full), offers "second", and waits for its first refusal.
  void OfferToAFullChannel() {
    std::vector<Event> first{Event{{}, "first"}};
    ASSERT_TRUE(harness_.processor().Process(first).ok());
    Offer("second");
    ASSERT_TRUE(testing::WaitFor([&] { return harness_.metrics().rejected->Value() >= 1; }));
  }

  testing::SourceHarness harness_;
  RunnerThread runner_;
  std::atomic<bool> done_{false};
  std::atomic<bool> committed_{false};
  std::atomic<size_t> left_{0};
};

TEST_F(CommitUntilStoppedTest, ABatchWithRoomIsCommittedAtOnce) {
  Offer("a");
  ASSERT_TRUE(testing::WaitFor([&] { return done_.load(); }));
  EXPECT_TRUE(committed_);
  EXPECT_EQ(left_, 0u);
  EXPECT_EQ(harness_.TakeBodies(1), std::vector<std::string>{"a"});
  runner_.Stop();
}

TEST_F(CommitUntilStoppedTest, AFullChannelIsRetriedUntilItHasRoom) {
  OfferToAFullChannel();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(done_) << "still offering while the channel is full";
  EXPECT_EQ(harness_.TakeBodies(1), std::vector<std::string>{"first"});
  ASSERT_TRUE(testing::WaitFor([&] { return done_.load(); }));
  EXPECT_TRUE(committed_);
  EXPECT_EQ(harness_.TakeBodies(1), std::vector<std::string>{"second"});
  EXPECT_GE(harness_.metrics().rejected->Value(), 1) << "a refused attempt counts as rejected";
  runner_.Stop();
}

TEST_F(CommitUntilStoppedTest, StopEndsTheOfferAndLeavesTheBatchUncommitted) {
  OfferToAFullChannel();
  const auto before = std::chrono::steady_clock::now();
  runner_.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(2));
  ASSERT_TRUE(done_);
  EXPECT_FALSE(committed_);
  EXPECT_EQ(left_, 1u) << "the batch is handed back for the next start";
  EXPECT_EQ(harness_.TakeBodies(1), std::vector<std::string>{"first"});
  EXPECT_TRUE(harness_.TakeBodies(1).empty());
}

}  // namespace
}  // namespace acequia::sidecar
