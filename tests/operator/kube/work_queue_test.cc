#include "operator/kube/work_queue.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <thread>

#include "operator/kube/token_bucket.h"

namespace acequia::kube {
namespace {

using namespace std::chrono_literals;

TEST(WorkQueueTest, DeduplicatesKeysUntilTheyAreTaken) {
  WorkQueue q("test", nullptr);
  q.Add("a");
  q.Add("b");
  q.Add("a");
  EXPECT_EQ(q.Len(), 2u);
  EXPECT_EQ(q.Get(), "a");
  EXPECT_EQ(q.Get(), "b");
}

TEST(WorkQueueTest, AKeyAddedWhileProcessingComesBackAfterDone) {
  WorkQueue q("test", nullptr);
  q.Add("a");
  auto item = q.Get();
  ASSERT_EQ(item, "a");
  q.Add("a");
  EXPECT_EQ(q.Len(), 0u);  // not handed to a second worker
  q.Done("a");
  EXPECT_EQ(q.Len(), 1u);
  EXPECT_EQ(q.Get(), "a");
}

TEST(WorkQueueTest, AddAfterDelaysAndKeepsTheEarliestTime) {
  WorkQueue q("test", nullptr);
  const auto start = std::chrono::steady_clock::now();
  q.AddAfter("x", 2s);
  q.AddAfter("x", 100ms);
  auto item = q.Get();
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(item, "x");
  EXPECT_GE(waited, 90ms);
  EXPECT_LT(waited, 1500ms);
}

TEST(WorkQueueTest, ShutDownReleasesBlockedWorkers) {
  WorkQueue q("test", nullptr);
  std::optional<std::string> got = "unset";
  std::thread worker([&] { got = q.Get(); });
  std::this_thread::sleep_for(50ms);
  q.ShutDown();
  worker.join();
  EXPECT_FALSE(got.has_value());
}

TEST(RateLimiterTest, PerItemExponentialFrom5msTo1000s) {
  ItemExponentialRateLimiter limiter(5ms, 1000s);
  EXPECT_EQ(limiter.When("a"), 5ms);
  EXPECT_EQ(limiter.When("a"), 10ms);
  EXPECT_EQ(limiter.When("a"), 20ms);
  EXPECT_EQ(limiter.When("b"), 5ms);
  EXPECT_EQ(limiter.NumRequeues("a"), 3);
  for (int i = 0; i < 40; ++i) (void)limiter.When("a");
  EXPECT_EQ(limiter.When("a"), std::chrono::nanoseconds(1000s));
  limiter.Forget("a");
  EXPECT_EQ(limiter.When("a"), 5ms);
}

TEST(RateLimiterTest, DefaultControllerLimiterAddsTheOverallBucketAfterBurst100) {
  DefaultControllerRateLimiter limiter;
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(limiter.When("k" + std::to_string(i)), 5ms);  // within the burst: per-item only
  }
  // The 101st distinct key waits for the 10 qps bucket: ~100 ms, more than its own 5 ms.
  auto wait = limiter.When("late");
  EXPECT_GT(wait, 50ms);
  EXPECT_LE(wait, 110ms);
}

TEST(TokenBucketTest, BurstThenQps) {
  TokenBucket bucket(10, 3);
  EXPECT_EQ(bucket.Reserve().count(), 0);
  EXPECT_EQ(bucket.Reserve().count(), 0);
  EXPECT_EQ(bucket.Reserve().count(), 0);
  auto fourth = bucket.Reserve();
  EXPECT_GT(fourth, 80ms);
  EXPECT_LE(fourth, 100ms);
}

TEST(WorkQueueTest, ExportsControllerRuntimeMetricNames) {
  auto registry = std::make_shared<prometheus::Registry>();
  WorkQueue q("flow", registry);
  q.Add("a");
  q.Add("b");
  q.AddRateLimited("c");
  const std::string text = prometheus::TextSerializer().Serialize(registry->Collect());
  EXPECT_NE(text.find("workqueue_depth{controller=\"flow\",name=\"flow\"} 2"), std::string::npos)
      << text;
  EXPECT_NE(text.find("workqueue_adds_total{controller=\"flow\",name=\"flow\"} 2"),
            std::string::npos);
  EXPECT_NE(text.find("workqueue_retries_total{controller=\"flow\",name=\"flow\"} 1"),
            std::string::npos);
}

}  // namespace
}  // namespace acequia::kube
