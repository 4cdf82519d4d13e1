#include "sidecar/core/sink_group_policy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "sidecar/core/sink_group_failover.h"
#include "sidecar/core/sink_group_load_balance.h"
#include "tests/support/component_configs.h"

namespace acequia::sidecar {
namespace {

using Clock = SinkGroupPolicy::Clock;
using std::chrono::milliseconds;
using std::chrono::seconds;
using V = std::vector<size_t>;

std::string GroupFlow(const std::string& group) {
  return "sources: [{name: s, type: netcat, port: 7000, channels: [c]}]\n"
         "channels: [{name: c, type: memory}, {name: d, type: memory}]\n"
         "sinks: [{name: a, type: \"null\", channel: c}, {name: b, type: \"null\", channel: c},\n"
         "        {name: z, type: \"null\", channel: d}]\n"
         "sinkGroups: [" +
         group + "]\n";
}

TEST(FailoverPolicyTest, HighestPriorityFirstAndAFailedSinkSitsOutItsPenalty) {
  FailoverPolicy policy({5, 10, 10}, seconds(30));
  const auto t0 = Clock::now();
  EXPECT_EQ(policy.Candidates(t0), (V{1, 2, 0})) << "ties go to the sink listed first";
  policy.Failed(1, t0);  // penalty 2 s
  EXPECT_EQ(policy.Candidates(t0 + seconds(1)), (V{2, 0}));
  EXPECT_EQ(policy.Candidates(t0 + seconds(2)), (V{1, 2, 0})) << "revived: takes over again";
  policy.Failed(1, t0 + seconds(2));  // second failure in a row: 4 s
  EXPECT_EQ(policy.Candidates(t0 + seconds(5)), (V{2, 0}));
  EXPECT_EQ(policy.Candidates(t0 + seconds(6)), (V{1, 2, 0}));
  policy.Succeeded(1);
  policy.Failed(1, t0 + seconds(6));  // the count restarted: 2 s
  EXPECT_EQ(policy.Candidates(t0 + seconds(8)), (V{1, 2, 0}));
}

TEST(FailoverPolicyTest, MaxPenaltyCapsThePenaltyAndEveryoneDownMeansNoCandidate) {
  FailoverPolicy policy({1, 0}, milliseconds(300));
  const auto t0 = Clock::now();
  for (int i = 0; i < 10; ++i) policy.Failed(0, t0);
  policy.Failed(1, t0);
  EXPECT_TRUE(policy.Candidates(t0 + milliseconds(100)).empty());
  EXPECT_LE(policy.NextRevival(), t0 + milliseconds(300));
  EXPECT_EQ(policy.Candidates(t0 + milliseconds(300)), (V{0, 1}));
}

TEST(LoadBalancePolicyTest, RoundRobinStartsOneFurtherEachTime) {
  LoadBalancePolicy policy(3, LoadBalancePolicy::Selector::kRoundRobin, false, seconds(30));
  const auto now = Clock::now();
  auto turn = [&] {
    V order = policy.Candidates(now);
    policy.Succeeded(order.front());
    return order;
  };
  EXPECT_EQ(turn(), (V{0, 1, 2}));
  EXPECT_EQ(turn(), (V{1, 2, 0}));
  EXPECT_EQ(turn(), (V{2, 0, 1}));
  EXPECT_EQ(policy.Candidates(now), (V{0, 1, 2})) << "a turn that delivered nothing";
  EXPECT_EQ(turn(), (V{0, 1, 2}));
  V order = policy.Candidates(now);
  EXPECT_EQ(order, (V{1, 2, 0}));
  policy.Failed(1, now);  // without backoff a failed sink stays in the rotation...
  policy.Succeeded(2);    // ...and the next one took the batch
  EXPECT_EQ(policy.Candidates(now), (V{0, 1, 2}));
  policy.Succeeded(0);
  EXPECT_EQ(policy.Candidates(now), (V{1, 2, 0}));
}

TEST(LoadBalancePolicyTest, WithBackoffAFailedSinkIsSkippedUntilItsTimeOut) {
  LoadBalancePolicy policy(3, LoadBalancePolicy::Selector::kRoundRobin, true, milliseconds(500));
  const auto t0 = Clock::now();
  policy.Failed(1, t0);
  std::map<size_t, int> first;
  for (int i = 0; i < 6; ++i) {
    const size_t member = policy.Candidates(t0 + milliseconds(100)).front();
    policy.Succeeded(member);
    ++first[member];
  }
  EXPECT_EQ(first, (std::map<size_t, int>{{0, 3}, {2, 3}}));
  EXPECT_EQ(policy.Candidates(t0 + milliseconds(500)).size(), 3u);
}

TEST(LoadBalancePolicyTest, RandomOffersEveryActiveSinkOnce) {
  LoadBalancePolicy policy(4, LoadBalancePolicy::Selector::kRandom, false, seconds(1));
  std::map<size_t, int> first;
  for (int i = 0; i < 400; ++i) {
    V order = policy.Candidates(Clock::now());
    V sorted = order;
    std::sort(sorted.begin(), sorted.end());
    ASSERT_EQ(sorted, (V{0, 1, 2, 3}));
    ++first[order.front()];
  }
  for (size_t i = 0; i < 4; ++i) EXPECT_GT(first[i], 40) << i;
}

TEST(SinkGroupConfigTest, ProcessorsAreBuiltFromTheirCatalogueProperties) {
  auto flow = testing::ParseValidFlow(
      GroupFlow("{name: g, sinks: [a, b], processor: {type: failover, priority: {a: 1, b: 7}, "
                "maxpenalty: 2s}}"));
  ASSERT_EQ(flow.spec.sink_groups.size(), 1u);
  auto policy = MakeSinkGroupPolicy(flow.spec.sink_groups[0]);
  ASSERT_TRUE(policy.ok()) << policy.status().message();
  EXPECT_EQ((*policy)->Candidates(Clock::now()), (V{1, 0}));

  flow = testing::ParseValidFlow(
      GroupFlow("{name: g, sinks: [a, b, z], processor: {type: load_balance, selector: random, "
                "backoff: true, maxTimeOut: 10s}}"));
  EXPECT_TRUE(MakeSinkGroupPolicy(flow.spec.sink_groups[0]).ok());
}

TEST(SinkGroupConfigTest, ValidationNamesTheField) {
  auto errors = [](const std::string& group) {
    return api::JoinErrors(api::ParseFlow(GroupFlow(group)).errors);
  };
  EXPECT_EQ(errors("{name: g, sinks: [a, b], processor: {type: failover, priority: {a: 1, q: 2}}}"),
            "spec.sinkGroups[0].processor.priority.q: sink \"q\" is not one of the group's sinks");
  EXPECT_EQ(errors("{name: g, sinks: [a, b], processor: {type: failover, priority: {a: high}}}"),
            "spec.sinkGroups[0].processor.priority: value of \"a\": expected an integer, got "
            "\"high\"");
  EXPECT_EQ(errors("{name: g, sinks: [a, b], processor: {type: load_balance, selector: first}}"),
            "spec.sinkGroups[0].processor.selector: must be one of round_robin, random, got "
            "\"first\"");
  EXPECT_NE(errors("{name: g, sinks: [a, nope], processor: {type: load_balance}}")
                .find("spec.sinkGroups[0].sinks[1]: unknown sink \"nope\""),
            std::string::npos);
}

}  // namespace
}  // namespace acequia::sidecar
