#include "sidecar/channels/memory_channel.h"

#include <gtest/gtest.h>

#include <thread>

#include "api/flow.h"
#include "tests/support/component_configs.h"

namespace acequia::sidecar {
namespace {

api::ComponentConfig MemoryConfig(const std::string& extra) {
  return testing::ChannelConfig("type: memory, " + extra);
}

std::vector<Event> Events(int from, int to) {
  std::vector<Event> events;
  for (int i = from; i < to; ++i) events.push_back(Event{{}, "e" + std::to_string(i)});
  return events;
}

class MemoryChannelTest : public ::testing::Test {
 protected:
  AgentMetrics metrics_{"test"};
};

TEST_F(MemoryChannelTest, CommittedPutsAreTakenInOrder) {
  MemoryChannel channel(MemoryConfig("capacity: 10, transactionCapacity: 5"),
                        metrics_.ForChannel("c", "memory"));
  auto put = channel.Begin();
  auto batch = Events(0, 5);
  ASSERT_TRUE(put->Put(std::move(batch)).ok());
  EXPECT_EQ(channel.Size(), 0u) << "puts are invisible before commit";
  ASSERT_TRUE(put->Commit().ok());
  EXPECT_EQ(channel.Size(), 5u);

  auto take = channel.Begin();
  auto taken = take->Take(3);
  ASSERT_EQ(taken.size(), 3u);
  EXPECT_EQ(taken[0].body, "e0");
  EXPECT_EQ(taken[2].body, "e2");
  ASSERT_TRUE(take->Commit().ok());
  EXPECT_EQ(channel.Size(), 2u);
}

TEST_F(MemoryChannelTest, RolledBackTakesReturnToTheHeadInOrder) {
  MemoryChannel channel(MemoryConfig("capacity: 10, transactionCapacity: 5"),
                        metrics_.ForChannel("c", "memory"));
  auto put = channel.Begin();
  auto batch = Events(0, 4);
  ASSERT_TRUE(put->Put(std::move(batch)).ok());
  ASSERT_TRUE(put->Commit().ok());

  auto first = channel.Begin();
  ASSERT_EQ(first->Take(3).size(), 3u);
  first->Rollback(nullptr);

  auto second = channel.Begin();
  auto taken = second->Take(5);
  ASSERT_EQ(taken.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(taken[i].body, "e" + std::to_string(i));
}

TEST_F(MemoryChannelTest, PutBeyondTransactionCapacityFailsAndKeepsTheEvents) {
  MemoryChannel channel(MemoryConfig("capacity: 100, transactionCapacity: 3"),
                        metrics_.ForChannel("c", "memory"));
  auto tx = channel.Begin();
  auto batch = Events(0, 4);
  Status s = tx->Put(std::move(batch));
  EXPECT_EQ(s.code(), Status::Code::kResourceExhausted);
  EXPECT_NE(s.message().find("transactionCapacity 3"), std::string::npos) << s.message();
  EXPECT_EQ(batch.size(), 4u) << "a refused put leaves the caller's events untouched";
}

TEST_F(MemoryChannelTest, FullChannelRefusesACommitAfterKeepAliveAndGivesTheBatchBack) {
  MemoryChannel channel(MemoryConfig("capacity: 4, transactionCapacity: 4, keepAlive: 50ms"),
                        metrics_.ForChannel("c", "memory"));
  auto fill = channel.Begin();
  auto first = Events(0, 4);
  ASSERT_TRUE(fill->Put(std::move(first)).ok());
  ASSERT_TRUE(fill->Commit().ok());

  auto tx = channel.Begin();
  auto more = Events(4, 6);
  ASSERT_TRUE(tx->Put(std::move(more)).ok());
  const auto start = std::chrono::steady_clock::now();
  Status s = tx->Commit();
  EXPECT_EQ(s.code(), Status::Code::kResourceExhausted);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(50));
  std::vector<Event> back;
  tx->Rollback(&back);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].body, "e4");
  EXPECT_EQ(channel.Size(), 4u);
}

TEST_F(MemoryChannelTest, WaitingPutSucceedsOnceASinkFreesRoom) {
  MemoryChannel channel(MemoryConfig("capacity: 2, transactionCapacity: 2, keepAlive: 5s"),
                        metrics_.ForChannel("c", "memory"));
  auto fill = channel.Begin();
  auto first = Events(0, 2);
  ASSERT_TRUE(fill->Put(std::move(first)).ok());
  ASSERT_TRUE(fill->Commit().ok());

  std::thread sink([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto take = channel.Begin();
    EXPECT_EQ(take->Take(2).size(), 2u);
    EXPECT_TRUE(take->Commit().ok());
  });
  auto tx = channel.Begin();
  auto more = Events(2, 4);
  ASSERT_TRUE(tx->Put(std::move(more)).ok());
  EXPECT_TRUE(tx->Commit().ok());
  sink.join();
  EXPECT_EQ(channel.Size(), 2u);
}

TEST_F(MemoryChannelTest, TakenButUncommittedEventsStillOccupyCapacity) {
  MemoryChannel channel(MemoryConfig("capacity: 2, transactionCapacity: 2, keepAlive: 10ms"),
                        metrics_.ForChannel("c", "memory"));
  auto fill = channel.Begin();
  auto first = Events(0, 2);
  ASSERT_TRUE(fill->Put(std::move(first)).ok());
  ASSERT_TRUE(fill->Commit().ok());
  auto take = channel.Begin();
  ASSERT_EQ(take->Take(2).size(), 2u);

  auto put = channel.Begin();
  auto more = Events(2, 3);
  ASSERT_TRUE(put->Put(std::move(more)).ok());
  EXPECT_EQ(put->Commit().code(), Status::Code::kResourceExhausted)
      << "a rollback of the open take must always fit";
  put->Rollback(nullptr);
  take->Rollback(nullptr);
  EXPECT_EQ(channel.Size(), 2u);
}

TEST_F(MemoryChannelTest, ByteCapacityLimitsBodyBytes) {
  // 100 bytes with 20% kept for headers: 80 body bytes fit.
  MemoryChannel channel(
      MemoryConfig("capacity: 100, transactionCapacity: 10, byteCapacity: 100, keepAlive: 10ms"),
      metrics_.ForChannel("c", "memory"));
  auto tx = channel.Begin();
  std::vector<Event> batch{Event{{}, std::string(70, 'a')}};
  ASSERT_TRUE(tx->Put(std::move(batch)).ok());
  ASSERT_TRUE(tx->Commit().ok());
  auto tx2 = channel.Begin();
  std::vector<Event> more{Event{{}, std::string(20, 'b')}};
  ASSERT_TRUE(tx2->Put(std::move(more)).ok());
  EXPECT_EQ(tx2->Commit().code(), Status::Code::kResourceExhausted);
  tx2->Rollback(nullptr);

  auto tx3 = channel.Begin();
  std::vector<Event> huge{Event{{}, std::string(500, 'c')}};
  ASSERT_TRUE(tx3->Put(std::move(huge)).ok());
  EXPECT_EQ(tx3->Commit().code(), Status::Code::kInvalidArgument)
      << "a batch that can never fit is not worth waiting for";
}

TEST_F(MemoryChannelTest, ReconfigureKeepsEventsAndAppliesNewCapacity) {
  MemoryChannel channel(MemoryConfig("capacity: 3, transactionCapacity: 3, keepAlive: 10ms"),
                        metrics_.ForChannel("c", "memory"));
  auto tx = channel.Begin();
  auto batch = Events(0, 3);
  ASSERT_TRUE(tx->Put(std::move(batch)).ok());
  ASSERT_TRUE(tx->Commit().ok());
  ASSERT_TRUE(channel.Reconfigure(MemoryConfig("capacity: 6, transactionCapacity: 3")).ok());
  EXPECT_EQ(channel.Size(), 3u);
  EXPECT_EQ(channel.Capacity(), 6u);
  auto tx2 = channel.Begin();
  auto more = Events(3, 6);
  ASSERT_TRUE(tx2->Put(std::move(more)).ok());
  EXPECT_TRUE(tx2->Commit().ok());
}

}  // namespace
}  // namespace acequia::sidecar
