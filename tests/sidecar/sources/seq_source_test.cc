#include "sidecar/sources/seq_source.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "sidecar/channels/memory_channel.h"
#include "sidecar/core/registry.h"

namespace acequia::sidecar {
namespace {

using Clock = std::chrono::steady_clock;

class SeqSourceTest : public ::testing::Test {
 protected:
  // A seq source with `props` writing to one memory channel with `channel` properties.
  void StartSource(const std::string& props, const std::string& channel) {
    auto parsed =
        api::ParseFlow("sources: [{name: seq, type: seq, channels: [c]" + props +
                       "}]\nchannels: [{name: c, type: memory, " + channel +
                       "}]\nsinks: [{name: k, type: \"null\", channel: c, batchSize: 1}]\n");
    ASSERT_TRUE(parsed.flow) << api::JoinErrors(parsed.errors);
    flow_ = *parsed.flow;
    channel_ =
        std::make_unique<MemoryChannel>(flow_.spec.channels[0], metrics_.ForChannel("c", "memory"));
    auto processor = ChannelProcessor::Create(flow_.spec.sources[0], {channel_.get()}, context_);
    ASSERT_TRUE(processor.ok()) << processor.status().ToString();
    processor_ = std::move(processor).value();
    source_ = std::make_unique<SeqSource>(flow_.spec.sources[0], context_, *processor_);
    ASSERT_TRUE(source_->Start().ok());
  }

  // Takes up to `max` events from the channel.
  std::vector<std::string> Take(size_t max) {
    std::vector<std::string> bodies;
    auto tx = channel_->Begin();
    for (const auto& e : tx->Take(std::min(max, channel_->TransactionCapacity()))) {
      bodies.push_back(e.body);
    }
    EXPECT_TRUE(tx->Commit().ok());
    return bodies;
  }

  // Drains the channel until `want` events arrived or 10 s passed.
  std::vector<std::string> Collect(size_t want) {
    std::vector<std::string> bodies;
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (bodies.size() < want && Clock::now() < deadline) {
      auto some = Take(want - bodies.size());
      if (some.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      bodies.insert(bodies.end(), some.begin(), some.end());
    }
    return bodies;
  }

  static std::vector<std::string> Numbers(uint64_t n) {
    std::vector<std::string> numbers;
    for (uint64_t i = 0; i < n; ++i) numbers.push_back(std::to_string(i));
    return numbers;
  }

  void TearDown() override {
    if (source_) source_->Stop();
  }

  AgentMetrics metrics_{"test"};
  ComponentContext context_{"test", &metrics_};
  api::Flow flow_;
  std::unique_ptr<MemoryChannel> channel_;
  std::unique_ptr<ChannelProcessor> processor_;
  std::unique_ptr<SeqSource> source_;
};

TEST_F(SeqSourceTest, GeneratesTotalEventsNumberedFromZeroThenStops) {
  StartSource(", totalEvents: 250, batchSize: 100", "capacity: 1000, transactionCapacity: 100");
  EXPECT_EQ(Collect(250), Numbers(250));
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (source_->committed() < 250 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(source_->committed(), 250u);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(Take(10).empty()) << "generated past totalEvents";
  EXPECT_EQ(processor_->metrics().received->Value(), 250);
  EXPECT_EQ(processor_->metrics().accepted->Value(), 250);
}

TEST_F(SeqSourceTest, AFullChannelDelaysTheSequenceWithoutGapsOrRepeats) {
  // Room for one batch and a bit: most batches meet a full channel at first.
  StartSource(", totalEvents: 300, batchSize: 7",
              "capacity: 10, transactionCapacity: 10, keepAlive: 0s");
  EXPECT_EQ(Collect(300), Numbers(300));
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
  EXPECT_EQ(Take(100), Numbers(100));
}

TEST_F(SeqSourceTest, IsRegisteredAsSeq) { EXPECT_NE(SourceRegistry().Find("seq"), nullptr); }

}  // namespace
}  // namespace acequia::sidecar
