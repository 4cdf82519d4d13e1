#include "operator/kube/event_recorder.h"

#include <gtest/gtest.h>

#include "tests/operator/api_server_fixture.h"

namespace acequia::kube {
namespace {

TEST(EventRecorderTest, RepeatsBecomeASeriesOnOneEvent) {
  acequia::testing::ApiServerFixture fx;
  auto client = fx.Client();
  auto flow = client->Create(
      resources::kFlows,
      {{"metadata", {{"name", "web"}, {"namespace", "default"}}}, {"spec", {{"replicas", 1}}}});
  ASSERT_TRUE(flow.ok());
  EventRecorder recorder(*client, "acequia-operator", "acequia-operator-0");
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(recorder
                    .Record(*flow, "Warning", "InvalidSpec", "Reconcile",
                            "spec.sinks[0].channel: unknown channel \"x\"")
                    .ok());
  }
  ASSERT_TRUE(recorder.Record(*flow, "Normal", "Applied", "Reconcile", "children applied").ok());

  auto events = client->List(resources::kEvents, "default", {});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ((*events)["items"].size(), 2u);
  for (const auto& e : (*events)["items"]) {
    EXPECT_EQ(e["regarding"]["kind"], "Flow");
    EXPECT_EQ(e["regarding"]["uid"], (*flow)["metadata"]["uid"]);
    EXPECT_EQ(e["reportingController"], "acequia-operator");
    if (e["reason"] == "InvalidSpec") {
      EXPECT_EQ(e["type"], "Warning");
      EXPECT_EQ(e["series"]["count"], 3);
      EXPECT_TRUE(e["series"].contains("lastObservedTime"));
    } else {
      EXPECT_FALSE(e.contains("series"));
    }
  }
}

}  // namespace
}  // namespace acequia::kube
