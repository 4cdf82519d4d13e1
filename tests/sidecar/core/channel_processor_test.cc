#include "sidecar/core/channel_processor.h"

#include <gtest/gtest.h>

#include "sidecar/channels/memory_channel.h"
#include "sidecar/core/registry.h"

namespace acequia::sidecar {
namespace {

// A flow with three channels read by sinks; the source's selector is given by each test.
api::Flow FlowWith(const std::string& source_extra,
                   const std::string& b_limits = "capacity: 100, transactionCapacity: 10") {
  auto parsed = api::ParseFlow(R"(
sources: [{name: in, type: netcat, port: 7000, batchSize: 1, channels: [a, b, c], )" +
                               source_extra + R"(}]
channels:
  - {name: a, type: memory, capacity: 100, transactionCapacity: 10, keepAlive: 10ms}
  - {name: b, type: memory, keepAlive: 10ms, )" +
                               b_limits + R"(}
  - {name: c, type: memory, capacity: 100, transactionCapacity: 10, keepAlive: 10ms}
sinks:
  - {name: ka, type: "null", channel: a, batchSize: 10}
  - {name: kb, type: "null", channel: b, batchSize: 1}
  - {name: kc, type: "null", channel: c, batchSize: 10}
)");
  EXPECT_TRUE(parsed.flow) << api::JoinErrors(parsed.errors);
  return *parsed.flow;
}

std::vector<Event> Levels(std::initializer_list<const char*> levels) {
  std::vector<Event> events;
  int i = 0;
  for (const char* level : levels) {
    Event e;
    e.headers.Set("level", level);
    e.body = "event" + std::to_string(i++);
    events.push_back(std::move(e));
  }
  return events;
}

std::vector<std::string> Drain(Channel& channel) {
  std::vector<std::string> bodies;
  auto tx = channel.Begin();
  for (const auto& e : tx->Take(100)) bodies.push_back(e.body);
  EXPECT_TRUE(tx->Commit().ok());
  return bodies;
}

// Drops events whose body is "drop".
class DropInterceptor final : public Interceptor {
 public:
  void Intercept(std::vector<Event>& events) override {
    std::erase_if(events, [](const Event& e) { return e.body == "drop"; });
  }
};

class ChannelProcessorTest : public ::testing::Test {
 protected:
  void Build(const api::Flow& flow, std::vector<ChannelProcessor::NamedInterceptor> extra = {}) {
    for (const auto& c : flow.spec.channels) {
      channels_.push_back(std::make_unique<MemoryChannel>(c, metrics_.ForChannel(c.name, c.type)));
    }
    const auto& source = flow.spec.sources[0];
    auto selector =
        (*SelectorRegistry().Find(source.selector.type))(source.selector, source.channels);
    ASSERT_TRUE(selector.ok());
    processor_ = std::make_unique<ChannelProcessor>(
        std::vector<Channel*>{channels_[0].get(), channels_[1].get(), channels_[2].get()},
        std::move(selector).value(), std::move(extra), metrics_.ForSource("in", "netcat"));
  }

  AgentMetrics metrics_{"test"};
  std::vector<std::unique_ptr<Channel>> channels_;
  std::unique_ptr<ChannelProcessor> processor_;
};

TEST_F(ChannelProcessorTest, ReplicatingPutsEveryEventIntoEveryChannel) {
  Build(FlowWith(""));
  auto events = Levels({"info", "error"});
  ASSERT_TRUE(processor_->Process(events).ok());
  EXPECT_TRUE(events.empty());
  for (auto& c : channels_) EXPECT_EQ(Drain(*c), (std::vector<std::string>{"event0", "event1"}));
  EXPECT_EQ(processor_->metrics().accepted->Value(), 2);
}

TEST_F(ChannelProcessorTest, MultiplexingRoutesByHeaderWithDefault) {
  Build(FlowWith(
      "selector: {type: multiplexing, header: level, mapping: {error: [b], audit: [b, c]}, "
      "default: [a]}"));
  auto events = Levels({"info", "error", "audit", "debug"});
  ASSERT_TRUE(processor_->Process(events).ok());
  EXPECT_EQ(Drain(*channels_[0]), (std::vector<std::string>{"event0", "event3"}));
  EXPECT_EQ(Drain(*channels_[1]), (std::vector<std::string>{"event1", "event2"}));
  EXPECT_EQ(Drain(*channels_[2]), (std::vector<std::string>{"event2"}));
}

TEST_F(ChannelProcessorTest, AFullRequiredChannelCommitsNothingAndReturnsTheBatch) {
  Build(FlowWith("", "capacity: 2, transactionCapacity: 2"));
  auto first = Levels({"x", "y"});
  ASSERT_TRUE(processor_->Process(first).ok());  // b is now full
  auto second = Levels({"p", "q"});
  Status s = processor_->Process(second);
  EXPECT_EQ(s.code(), Status::Code::kResourceExhausted) << s.ToString();
  ASSERT_EQ(second.size(), 2u) << "the caller gets its batch back to retry";
  EXPECT_EQ(second[0].headers.Find("level") ? *second[0].headers.Find("level") : "", "p");
  EXPECT_EQ(channels_[0]->Size(), 2u) << "nothing of the failed batch reached channel a";
  EXPECT_EQ(channels_[2]->Size(), 2u);
  EXPECT_EQ(processor_->metrics().rejected->Value(), 2);
}

TEST_F(ChannelProcessorTest, AFullOptionalChannelIsIgnored) {
  Build(FlowWith("selector: {type: replicating, optional: [b]}",
                 "capacity: 1, transactionCapacity: 1"));
  auto events = Levels({"x", "y"});  // two events can never fit b's transaction
  ASSERT_TRUE(processor_->Process(events).ok());
  EXPECT_EQ(channels_[0]->Size(), 2u);
  EXPECT_EQ(channels_[1]->Size(), 0u);
  EXPECT_EQ(channels_[2]->Size(), 2u);
}

TEST_F(ChannelProcessorTest, InterceptorDropsAreCountedNotCommitted) {
  std::vector<ChannelProcessor::NamedInterceptor> chain;
  chain.push_back({std::make_unique<DropInterceptor>(), metrics_.ForInterceptor("in.0", "drop")});
  auto* dropped = chain[0].metrics.dropped;
  Build(FlowWith(""), std::move(chain));
  std::vector<Event> events{Event{{}, "keep"}, Event{{}, "drop"}, Event{{}, "keep2"}};
  ASSERT_TRUE(processor_->Process(events).ok());
  EXPECT_EQ(Drain(*channels_[0]), (std::vector<std::string>{"keep", "keep2"}));
  EXPECT_EQ(dropped->Value(), 1);
  EXPECT_EQ(processor_->metrics().accepted->Value(), 2);
}

TEST_F(ChannelProcessorTest, MaxBatchIsTheSmallestTransactionCapacity) {
  Build(FlowWith("", "capacity: 50, transactionCapacity: 4"));
  EXPECT_EQ(processor_->MaxBatch(), 4u);
}

}  // namespace
}  // namespace acequia::sidecar
