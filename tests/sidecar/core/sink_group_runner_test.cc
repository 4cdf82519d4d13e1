#include "sidecar/core/sink_group_runner.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>

#include "sidecar/channels/memory_channel.h"
#include "sidecar/core/sink_group_failover.h"
#include "sidecar/core/sink_group_load_balance.h"
#include "tests/support/component_configs.h"
#include "tests/support/test_env.h"

namespace acequia::sidecar {
namespace {

using std::chrono::milliseconds;
using testing::WaitFor;

// What every fake sink of a test delivered, by sink name.
class Ledger {
 public:
  void Record(const std::string& sink, std::span<const Event> events) {
    std::lock_guard lock(mu_);
    for (const auto& e : events) {
      by_sink_[sink].push_back(e.body);
      all_.push_back(e.body);
    }
  }
  size_t CountOf(const std::string& sink) {
    std::lock_guard lock(mu_);
    return by_sink_[sink].size();
  }
  std::vector<std::string> all() {
    std::lock_guard lock(mu_);
    return all_;
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::vector<std::string>> by_sink_;
  std::vector<std::string> all_;
};

// A sink whose destination the test takes down and brings back.
class SwitchableSink final : public Sink {
 public:
  SwitchableSink(std::string name, Ledger& ledger, std::atomic<bool>& up)
      : name_(std::move(name)), ledger_(ledger), up_(up) {}
  Status Start() override { return Status::Ok(); }
  Status Deliver(std::span<const Event> events) override {
    if (!up_) return Status::Unavailable(name_ + " is down");
    ledger_.Record(name_, events);
    return Status::Ok();
  }
  void Stop() override {}
  size_t BatchSize() const override { return 2; }

 private:
  std::string name_;
  Ledger& ledger_;
  std::atomic<bool>& up_;
};

class SinkGroupRunnerTest : public ::testing::Test {
 protected:
  std::unique_ptr<SinkDriver> Member(const std::string& name, Channel& channel) {
    up_[name] = std::make_unique<std::atomic<bool>>(true);
    return std::make_unique<SinkDriver>(name,
                                        std::make_unique<SwitchableSink>(name, ledger_, *up_[name]),
                                        channel, metrics_.ForSink(name, "switchable"));
  }
  void Put(Channel& channel, int from, int n) {
    auto tx = channel.Begin();
    std::vector<Event> events;
    for (int i = from; i < from + n; ++i) events.push_back(Event{{}, std::to_string(i)});
    ASSERT_TRUE(tx->Put(std::move(events)).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  static std::vector<std::string> Range(int n) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) out.push_back(std::to_string(i));
    return out;
  }
  double Active(const SinkGroupMetrics& m, size_t i) { return m.active_sink[i]->Value(); }

  AgentMetrics metrics_{"test"};
  MemoryChannel channel_{
      testing::ChannelConfig("type: memory, capacity: 10000, transactionCapacity: 100"),
      metrics_.ForChannel("c", "memory")};
  Ledger ledger_;
  std::map<std::string, std::unique_ptr<std::atomic<bool>>> up_;
  SinkGroupRunner::Options fast_{milliseconds(5), milliseconds(20), milliseconds(20)};
};

TEST_F(SinkGroupRunnerTest, FailoverUsesTheSpareWhileThePrimaryIsDownAndReturnsAfterThePenalty) {
  std::vector<std::unique_ptr<SinkDriver>> members;
  members.push_back(Member("primary", channel_));
  members.push_back(Member("spare", channel_));
  auto group_metrics = metrics_.ForSinkGroup("g", "failover", {"primary", "spare"});
  SinkGroupRunner runner(
      "g", std::move(members),
      std::make_unique<FailoverPolicy>(std::vector<int64_t>{10, 5}, milliseconds(400)),
      group_metrics, fast_);
  ASSERT_TRUE(runner.Start().ok());
  Put(channel_, 0, 10);
  ASSERT_TRUE(WaitFor([&] { return ledger_.CountOf("primary") == 10; }));
  EXPECT_EQ(ledger_.CountOf("spare"), 0u);
  EXPECT_EQ(Active(group_metrics, 0), 1);

  *up_["primary"] = false;
  Put(channel_, 10, 10);
  ASSERT_TRUE(WaitFor([&] { return ledger_.CountOf("spare") == 10; }));
  EXPECT_EQ(ledger_.CountOf("primary"), 10u);
  EXPECT_EQ(Active(group_metrics, 1), 1);
  EXPECT_EQ(Active(group_metrics, 0), 0);
  EXPECT_GE(group_metrics.failovers->Value(), 1);

  *up_["primary"] = true;
  // Within maxpenalty the primary is tried again and takes over.
  std::this_thread::sleep_for(milliseconds(450));
  Put(channel_, 20, 10);
  ASSERT_TRUE(WaitFor([&] { return ledger_.all().size() == 30; }));
  runner.Stop(std::chrono::steady_clock::now());
  EXPECT_EQ(ledger_.CountOf("primary"), 20u);
  EXPECT_EQ(ledger_.CountOf("spare"), 10u);
  EXPECT_EQ(ledger_.all(), Range(30)) << "in order, none lost, none twice";
  EXPECT_EQ(Active(group_metrics, 0), 1);
}

TEST_F(SinkGroupRunnerTest, FailoverWithEveryMemberDownLosesNothing) {
  std::vector<std::unique_ptr<SinkDriver>> members;
  members.push_back(Member("a", channel_));
  members.push_back(Member("b", channel_));
  *up_["a"] = false;
  *up_["b"] = false;
  SinkGroupRunner runner(
      "g", std::move(members),
      std::make_unique<FailoverPolicy>(std::vector<int64_t>{1, 0}, milliseconds(100)),
      metrics_.ForSinkGroup("g", "failover", {"a", "b"}), fast_);
  ASSERT_TRUE(runner.Start().ok());
  Put(channel_, 0, 6);
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(channel_.Size(), 6u);
  *up_["b"] = true;
  ASSERT_TRUE(WaitFor([&] { return ledger_.all().size() == 6; }));
  runner.Stop(std::chrono::steady_clock::now());
  EXPECT_EQ(ledger_.all(), Range(6));
}

TEST_F(SinkGroupRunnerTest, RoundRobinSpreadsBatchesAndSkipsADeadSinkWithBackoff) {
  std::vector<std::unique_ptr<SinkDriver>> members;
  for (const char* name : {"a", "b", "c"}) members.push_back(Member(name, channel_));
  auto group_metrics = metrics_.ForSinkGroup("g", "load_balance", {"a", "b", "c"});
  SinkGroupRunner runner(
      "g", std::move(members),
      std::make_unique<LoadBalancePolicy>(3, LoadBalancePolicy::Selector::kRoundRobin, true,
                                          milliseconds(30'000)),
      group_metrics, fast_);
  Put(channel_, 0, 60);  // 30 batches of 2
  ASSERT_TRUE(runner.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return ledger_.all().size() == 60; }));
  EXPECT_EQ(ledger_.CountOf("a"), 20u);
  EXPECT_EQ(ledger_.CountOf("b"), 20u);
  EXPECT_EQ(ledger_.CountOf("c"), 20u);

  *up_["b"] = false;
  Put(channel_, 60, 60);
  ASSERT_TRUE(WaitFor([&] { return ledger_.all().size() == 120; }));
  runner.Stop(std::chrono::steady_clock::now());
  EXPECT_EQ(ledger_.CountOf("b"), 20u) << "the dead sink took nothing";
  EXPECT_EQ(ledger_.CountOf("a") + ledger_.CountOf("c"), 100u);
  EXPECT_GE(ledger_.CountOf("a"), 40u);
  EXPECT_GE(ledger_.CountOf("c"), 40u);
  EXPECT_EQ(group_metrics.failovers->Value(), 1) << "backed off after its first failure";
  auto all = ledger_.all();
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 120u);
}

TEST_F(SinkGroupRunnerTest, MembersMayReadDifferentChannels) {
  MemoryChannel other{
      testing::ChannelConfig("type: memory, capacity: 100, transactionCapacity: 10"),
      metrics_.ForChannel("d", "memory")};
  std::vector<std::unique_ptr<SinkDriver>> members;
  members.push_back(Member("a", channel_));
  members.push_back(Member("b", other));
  SinkGroupRunner runner(
      "g", std::move(members),
      std::make_unique<LoadBalancePolicy>(2, LoadBalancePolicy::Selector::kRoundRobin, false,
                                          milliseconds(1000)),
      metrics_.ForSinkGroup("g", "load_balance", {"a", "b"}), fast_);
  ASSERT_TRUE(runner.Start().ok());
  Put(other, 0, 7);  // only b's channel holds events
  ASSERT_TRUE(WaitFor([&] { return ledger_.CountOf("b") == 7; }));
  Put(channel_, 100, 3);
  ASSERT_TRUE(WaitFor([&] { return ledger_.CountOf("a") == 3; }));
  runner.Stop(std::chrono::steady_clock::now());
}

TEST_F(SinkGroupRunnerTest, StopWithADeadlineDrainsEveryChannel) {
  std::vector<std::unique_ptr<SinkDriver>> members;
  members.push_back(Member("a", channel_));
  members.push_back(Member("b", channel_));
  SinkGroupRunner runner(
      "g", std::move(members),
      std::make_unique<FailoverPolicy>(std::vector<int64_t>{0, 0}, milliseconds(1000)),
      metrics_.ForSinkGroup("g", "failover", {"a", "b"}), fast_);
  ASSERT_TRUE(runner.Start().ok());
  Put(channel_, 0, 50);
  runner.Stop(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  EXPECT_EQ(ledger_.all().size(), 50u);
  EXPECT_EQ(channel_.Size(), 0u);
}

}  // namespace
}  // namespace acequia::sidecar
