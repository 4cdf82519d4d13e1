// Informer against the API test server: sync, events, resume after a dropped connection,
// relist on 410 Gone, label-selector lookups in the cache.
#include "operator/kube/informer.h"

#include <gtest/gtest.h>

#include "tests/operator/api_server_fixture.h"

namespace acequia::kube {
namespace {

using acequia::testing::ApiServerFixture;
using acequia::testing::WaitFor;
using namespace std::chrono_literals;

Json Cm(const std::string& name, const std::string& app) {
  return {{"metadata", {{"name", name}, {"namespace", "default"}, {"labels", {{"app", app}}}}},
          {"data", {{"k", "v"}}}};
}

struct Recorder {
  std::mutex mu;
  std::vector<std::string> events;
  Informer::Handlers Handlers() {
    return {[this](const Json& o) { Add("add " + ObjectKey(o)); },
            [this](const Json&, const Json& o) { Add("update " + ObjectKey(o)); },
            [this](const Json& o) { Add("delete " + ObjectKey(o)); }};
  }
  void Add(std::string e) {
    std::lock_guard lock(mu);
    events.push_back(std::move(e));
  }
  bool Saw(const std::string& e) {
    std::lock_guard lock(mu);
    return std::find(events.begin(), events.end(), e) != events.end();
  }
};

InformerOptions Fast() {
  InformerOptions o;
  o.initial_backoff = 50ms;
  o.max_backoff = 500ms;
  return o;
}

TEST(InformerTest, SyncsThenFollowsChangesAndServesSelectorLookups) {
  ApiServerFixture fx;
  auto client = fx.Client();
  ASSERT_TRUE(client->Create(resources::kConfigMaps, Cm("a", "web")).ok());
  Informer informer(*client, resources::kConfigMaps, Fast());
  Recorder rec;
  informer.AddHandlers(rec.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(5s));
  EXPECT_TRUE(rec.Saw("add default/a"));

  ASSERT_TRUE(client->Create(resources::kConfigMaps, Cm("b", "db")).ok());
  ASSERT_TRUE(
      client->MergePatch(resources::kConfigMaps, "default", "a", {{"data", {{"k", "v2"}}}}, false)
          .ok());
  ASSERT_TRUE(client->Delete(resources::kConfigMaps, "default", "b").ok());
  EXPECT_TRUE(WaitFor([&] { return rec.Saw("delete default/b"); }));
  EXPECT_TRUE(rec.Saw("add default/b"));
  EXPECT_TRUE(rec.Saw("update default/a"));
  EXPECT_EQ(informer.cache().Get("default/a")->at("data")["k"], "v2");

  ASSERT_TRUE(client->Create(resources::kConfigMaps, Cm("c", "db")).ok());
  ASSERT_TRUE(WaitFor([&] { return informer.cache().size() == 2; }));
  auto selector = LabelSelector::Parse("app=db");
  ASSERT_TRUE(selector.ok());
  auto dbs = informer.cache().List(*selector);
  ASSERT_EQ(dbs.size(), 1u);
  EXPECT_EQ(dbs[0]["metadata"]["name"], "c");
  EXPECT_EQ(informer.lists(), 1);
  informer.Stop();
}

TEST(InformerTest, ResumesTheWatchFromTheLastVersionWhenTheServerDropsIt) {
  ApiServerFixture fx;
  auto client = fx.Client();
  Informer informer(*client, resources::kConfigMaps, Fast());
  Recorder rec;
  informer.AddHandlers(rec.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(5s));
  ASSERT_TRUE(WaitFor([&] { return fx.server().open_watches() == 1; }));
  ASSERT_TRUE(client->Create(resources::kConfigMaps, Cm("before", "x")).ok());
  ASSERT_TRUE(WaitFor([&] { return rec.Saw("add default/before"); }));

  fx.server().DropWatches();
  // Written while no watch is open: the resumed watch replays it from history.
  ASSERT_TRUE(client->Create(resources::kConfigMaps, Cm("during", "x")).ok());
  ASSERT_TRUE(WaitFor([&] { return rec.Saw("add default/during"); }));
  ASSERT_TRUE(client->Create(resources::kConfigMaps, Cm("after", "x")).ok());
  ASSERT_TRUE(WaitFor([&] { return rec.Saw("add default/after"); }));
  EXPECT_EQ(informer.lists(), 1);  // resumed, not relisted
  EXPECT_GE(informer.watches(), 2);
  // The resumed watch started from a resourceVersion, not from scratch.
  bool resumed_from_version = false;
  for (const auto& r : fx.server().Requests()) {
    if (r.target.find("watch=true") != std::string::npos &&
        r.target.find("resourceVersion=") != std::string::npos &&
        r.target.find("allowWatchBookmarks=true") != std::string::npos) {
      resumed_from_version = true;
    }
  }
  EXPECT_TRUE(resumed_from_version);
  informer.Stop();
}

TEST(InformerTest, RelistsOn410GoneAndReportsWhatChangedMeanwhile) {
  acequia::testing::kube::KubeApiServer::Options options;
  options.watch_history = 2;  // a tiny window
  ApiServerFixture fx(options);
  auto client = fx.Client();
  ASSERT_TRUE(client->Create(resources::kConfigMaps, Cm("keep", "x")).ok());
  ASSERT_TRUE(client->Create(resources::kConfigMaps, Cm("doomed", "x")).ok());
  Informer informer(*client, resources::kConfigMaps, Fast());
  Recorder rec;
  informer.AddHandlers(rec.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(5s));
  ASSERT_TRUE(WaitFor([&] { return fx.server().open_watches() == 1; }));

  // Drop the watch and keep the informer from watching again for a moment (503s), while the
  // changes it misses fall out of the server's history.
  fx.server().InjectError("GET", "/api/v1/configmaps", 503, 3);
  fx.server().DropWatches();
  ASSERT_TRUE(client->Delete(resources::kConfigMaps, "default", "doomed").ok());
  ASSERT_TRUE(client->Create(resources::kConfigMaps, Cm("new", "x")).ok());
  fx.server().Compact();

  ASSERT_TRUE(WaitFor([&] { return informer.lists() >= 2; }));
  ASSERT_TRUE(
      WaitFor([&] { return rec.Saw("delete default/doomed") && rec.Saw("add default/new"); }));
  EXPECT_FALSE(informer.cache().Get("default/doomed").has_value());
  EXPECT_TRUE(informer.cache().Get("default/keep").has_value());
  informer.Stop();
}

TEST(InformerTest, BacksOffWhileTheServerFailsAndRecovers) {
  ApiServerFixture fx;
  auto client = fx.Client();
  fx.server().InjectError("GET", "/api/v1/configmaps", 503, 3);
  Informer informer(*client, resources::kConfigMaps, [] {
    InformerOptions o;
    o.initial_backoff = 50ms;
    return o;
  }());
  const auto start = std::chrono::steady_clock::now();
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(5s));
  // Three failures backed off 50 + 100 + 200 ms.
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
  informer.Stop();
}

}  // namespace
}  // namespace acequia::kube
