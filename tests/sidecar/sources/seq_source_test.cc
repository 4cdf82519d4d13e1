#include "sidecar/sources/seq_source.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "sidecar/core/registry.h"
#include "tests/support/source_harness.h"

namespace acequia::sidecar {
namespace {

using Clock = std::chrono::steady_clock;

class SeqSourceTest : public ::testing::Test {
 protected:
  // A seq source with `props` writing to one memory channel with `channel` properties.
  void StartSource(const std::string& props, const std::string& channel) {
    ASSERT_TRUE(harness_.Wire("name: seq, type: seq" + props, channel));
    source_ = harness_.Started(std::make_unique<SeqSource>(
        harness_.source_config(), harness_.context(), harness_.processor()));
  }

  static std::vector<std::string> Numbers(uint64_t n) {
    std::vector<std::string> numbers;
    for (uint64_t i = 0; i < n; ++i) numbers.push_back(std::to_string(i));
    return numbers;
  }

  testing::SourceHarness harness_;
  SeqSource* source_ = nullptr;  // owned by harness_
};

TEST_F(SeqSourceTest, GeneratesTotalEventsNumberedFromZeroThenStops) {
  StartSource(", totalEvents: 250, batchSize: 100", "capacity: 1000, transactionCapacity: 100");
  EXPECT_EQ(harness_.Collect(250), Numbers(250));
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (source_->committed() < 250 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(source_->committed(), 250u);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(harness_.TakeBodies(10).empty()) << "generated past totalEvents";
  EXPECT_EQ(harness_.metrics().received->Value(), 250);
  EXPECT_EQ(harness_.metrics().accepted->Value(), 250);
}

TEST_F(SeqSourceTest, AFullChannelDelaysTheSequenceWithoutGapsOrRepeats) {
  // Room for one batch and a bit: most batches meet a full channel at first.
  StartSource(", totalEvents: 300, batchSize: 7",
              "capacity: 10, transactionCapacity: 10, keepAlive: 0s");
  EXPECT_EQ(harness_.Collect(300), Numbers(300));
  EXPECT_EQ(source_->committed(), 300u);
}

TEST_F(SeqSourceTest, UnlimitedByDefaultAndStopJoinsWhileTheChannelIsFull) {
  StartSource("", "capacity: 100, transactionCapacity: 100, keepAlive: 0s");
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (source_->committed() < 100 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(source_->committed(), 100u);  // the channel is full; the source keeps retrying
  const auto before = Clock::now();
  source_->Stop();
  EXPECT_LT(Clock::now() - before, std::chrono::seconds(1));
  EXPECT_EQ(harness_.TakeBodies(100), Numbers(100));
}

TEST_F(SeqSourceTest, IsRegisteredAsSeq) { EXPECT_NE(SourceRegistry().Find("seq"), nullptr); }

}  // namespace
}  // namespace acequia::sidecar
