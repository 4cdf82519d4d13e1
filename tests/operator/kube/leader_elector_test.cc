// Leader election on a Lease against the API test server: one leader at a time, hand-over when
// the leader dies (lease expiry) or steps down (release), and only the leader reconciles.
#include "operator/kube/leader_elector.h"

#include <gtest/gtest.h>

#include "operator/kube/controller.h"
#include "tests/operator/api_server_fixture.h"

namespace acequia::kube {
namespace {

using acequia::testing::ApiServerFixture;
using acequia::testing::WaitFor;
using namespace std::chrono_literals;

LeaderElectionConfig Fast(const std::string& identity, bool release) {
  LeaderElectionConfig c;
  c.lease_namespace = "default";
  c.lease_name = "acequia-operator";
  c.identity = identity;
  c.lease_duration = 2s;
  c.renew_deadline = 1500ms;
  c.retry_period = 200ms;
  c.release_on_stop = release;
  return c;
}

TEST(LeaderElectorTest, SecondCandidateTakesOverWhenTheLeaderDies) {
  ApiServerFixture fx;
  auto client_a = fx.Client();
  auto client_b = fx.Client();
  std::atomic<int> a_started{0}, b_started{0}, a_stopped{0};
  auto a = std::make_unique<LeaderElector>(
      *client_a, Fast("a", /*release=*/false),
      LeaderElector::Callbacks{[&] { ++a_started; }, [&] { ++a_stopped; }, nullptr});
  a->Start();
  ASSERT_TRUE(WaitFor([&] { return a->is_leader(); }, 5s));
  std::string seen_leader;
  std::mutex seen_mu;
  LeaderElector b(*client_b, Fast("b", false),
                  {[&] { ++b_started; }, nullptr,
                   [&](const std::string& id) {
                     std::lock_guard lock(seen_mu);
                     seen_leader = id;
                   }});
  b.Start();
  std::this_thread::sleep_for(1s);
  EXPECT_FALSE(b.is_leader());  // a keeps renewing
  {
    std::lock_guard lock(seen_mu);
    EXPECT_EQ(seen_leader, "a");
  }

  // "a" dies without releasing: b waits out the lease duration, then takes over.
  const auto died = std::chrono::steady_clock::now();
  a.reset();
  ASSERT_TRUE(WaitFor([&] { return b.is_leader(); }, 10s));
  EXPECT_GE(std::chrono::steady_clock::now() - died, 1500ms);
  EXPECT_EQ(b_started, 1);
  auto lease = fx.server().Get("coordination.k8s.io/v1", "leases", "default", "acequia-operator");
  ASSERT_TRUE(lease.has_value());
  EXPECT_EQ((*lease)["spec"]["holderIdentity"], "b");
  EXPECT_EQ((*lease)["spec"]["leaseTransitions"], 1);
  b.Stop();
}

TEST(LeaderElectorTest, ReleaseOnStopHandsOverAtOnce) {
  ApiServerFixture fx;
  auto client_a = fx.Client();
  auto client_b = fx.Client();
  LeaderElectionConfig slow = Fast("a", true);
  slow.lease_duration = 15s;  // without a release, b would wait 15 s
  slow.renew_deadline = 10s;
  LeaderElector a(*client_a, slow, {});
  a.Start();
  ASSERT_TRUE(WaitFor([&] { return a.is_leader(); }, 5s));
  LeaderElectionConfig b_config = slow;
  b_config.identity = "b";
  LeaderElector b(*client_b, b_config, {});
  b.Start();
  std::this_thread::sleep_for(500ms);
  EXPECT_FALSE(b.is_leader());
  const auto released = std::chrono::steady_clock::now();
  a.Stop();
  EXPECT_FALSE(a.is_leader());
  // The released lease has an empty holder; b's next retry (every 200 ms) takes it.
  ASSERT_TRUE(WaitFor([&] { return b.is_leader(); }, 5s));
  EXPECT_LT(std::chrono::steady_clock::now() - released, 3s);
  b.Stop();
}

TEST(LeaderElectorTest, OnlyTheLeaderReconciles) {
  ApiServerFixture fx;
  auto client_a = fx.Client();
  auto client_b = fx.Client();
  struct Candidate {
    std::string id;
    std::atomic<int> reconciled{0};
    std::unique_ptr<Controller> controller;
    std::unique_ptr<LeaderElector> elector;
  };
  Candidate ca, cb;
  auto make = [&](Candidate& c, const std::string& id, KubeClient& client) {
    c.id = id;
    c.controller = std::make_unique<Controller>(
        "flow",
        [&c](const std::string&) -> Result<ReconcileResult> {
          ++c.reconciled;
          return ReconcileResult{};
        },
        nullptr);
    c.elector = std::make_unique<LeaderElector>(
        client, Fast(id, true),
        LeaderElector::Callbacks{[&c] { c.controller->Start(); }, [&c] { c.controller->Stop(); },
                                 nullptr});
  };
  make(ca, "a", *client_a);
  make(cb, "b", *client_b);
  ca.elector->Start();
  ASSERT_TRUE(WaitFor([&] { return ca.elector->is_leader(); }, 5s));
  cb.elector->Start();
  for (int i = 0; i < 5; ++i) {
    ca.controller->queue().Add("default/f" + std::to_string(i));
    cb.controller->queue().Add("default/f" + std::to_string(i));
  }
  ASSERT_TRUE(WaitFor([&] { return ca.reconciled == 5; }));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(cb.reconciled, 0);
  cb.elector->Stop();
  ca.elector->Stop();
}

}  // namespace
}  // namespace acequia::kube
