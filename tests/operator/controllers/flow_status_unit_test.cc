// The Flow controller's pure half: what it reads from a Deployment/StatefulSet status and the
// Flow status and conditions it derives — the answers `kubectl get flows` shows users.
#include <gtest/gtest.h>

#include "operator/controllers/conditions.h"
#include "operator/controllers/flow_controller.h"

namespace acequia::controllers {
namespace {

using std::chrono::system_clock;

Json FlowObject(int64_t generation, Json status = Json::object()) {
  return Json{{"apiVersion", "acequia.io/v1alpha1"},
              {"kind", "Flow"},
              {"metadata", {{"name", "web"}, {"namespace", "shop"}, {"generation", generation}}},
              {"spec", Json::object()},
              {"status", std::move(status)}};
}

Json Deployment(int64_t generation, int64_t observed, int64_t replicas, int64_t updated,
                int64_t ready) {
  return Json{{"kind", "Deployment"},
              {"metadata", {{"generation", generation}}},
              {"status",
               {{"observedGeneration", observed},
                {"replicas", replicas},
                {"updatedReplicas", updated},
                {"readyReplicas", ready},
                {"availableReplicas", ready}}}};
}

std::string ConditionOf(const Json& status, const std::string& type, const char* field) {
  const Json conditions = status.value("conditions", Json());
  const Json* c = FindCondition(conditions, type);
  if (c == nullptr) return "<none>";
  if (!c->contains(field)) return "";
  const Json& v = c->at(field);
  return v.is_string() ? v.get<std::string>() : v.dump();
}

TEST(FlowWorkloadTest, NotRolledOutUntilTheControllerSawTheNewTemplateEverywhere) {
  EXPECT_FALSE(ObserveWorkload(Json(), 2).exists);
  EXPECT_FALSE(ObserveWorkload(Deployment(3, 2, 2, 2, 2), 2).rolled_out)
      << "the Deployment controller has not observed generation 3 yet";
  EXPECT_FALSE(ObserveWorkload(Deployment(3, 3, 3, 2, 2), 2).rolled_out)
      << "an old pod still runs beside the two updated ones";
  EXPECT_FALSE(ObserveWorkload(Deployment(3, 3, 2, 1, 2), 2).rolled_out);
  WorkloadState done = ObserveWorkload(Deployment(3, 3, 2, 2, 1), 2);
  EXPECT_TRUE(done.rolled_out);
  EXPECT_EQ(done.ready_replicas, 1);
}

TEST(FlowWorkloadTest, StatefulSetRolloutFollowsItsRevisions) {
  Json sts = Deployment(2, 2, 1, 1, 1);
  sts["kind"] = "StatefulSet";
  sts["status"]["currentRevision"] = "web-agent-1";
  sts["status"]["updateRevision"] = "web-agent-2";
  EXPECT_FALSE(ObserveWorkload(sts, 1).rolled_out);
  sts["status"]["currentRevision"] = "web-agent-2";
  EXPECT_TRUE(ObserveWorkload(sts, 1).rolled_out);
}

TEST(FlowStatusTest, ReadyOnlyWhenEveryAgentRunsTheCurrentTemplate) {
  const auto t0 = system_clock::from_time_t(1'800'000'000);
  Json rolling = ComputeFlowStatus(FlowObject(4), "collector", "", "abc", Json(),
                                   ObserveWorkload(Deployment(1, 1, 2, 1, 1), 2), t0);
  EXPECT_EQ(rolling["observedGeneration"], 4);
  EXPECT_EQ(rolling["configHash"], "abc");
  EXPECT_EQ(ConditionOf(rolling, "Ready", "status"), "False");
  EXPECT_EQ(ConditionOf(rolling, "Ready", "reason"), "RolloutInProgress");
  EXPECT_EQ(ConditionOf(rolling, "Progressing", "status"), "True");
  EXPECT_EQ(ConditionOf(rolling, "Degraded", "status"), "False");

  const auto t1 = t0 + std::chrono::seconds(30);
  Json ready = ComputeFlowStatus(FlowObject(4, rolling), "collector", "", "abc", Json(),
                                 ObserveWorkload(Deployment(1, 1, 2, 2, 2), 2), t1);
  EXPECT_EQ(ConditionOf(ready, "Ready", "status"), "True");
  EXPECT_EQ(ConditionOf(ready, "Ready", "reason"), "AgentsReady");
  EXPECT_EQ(ConditionOf(ready, "Ready", "message"), "2/2 agents ready");
  EXPECT_EQ(ConditionOf(ready, "Ready", "lastTransitionTime"), FormatTime(t1));
  EXPECT_EQ(ready["readyReplicas"], 2);
  // Degraded stayed False: its transition time is the first one.
  EXPECT_EQ(ConditionOf(ready, "Degraded", "lastTransitionTime"), FormatTime(t0));
}

TEST(FlowStatusTest, AgentsThatStopPassingReadinessDegradeTheFlow) {
  const auto now = system_clock::from_time_t(1'800'000'000);
  Json status = ComputeFlowStatus(FlowObject(1), "collector", "", "abc", Json(),
                                  ObserveWorkload(Deployment(1, 1, 3, 3, 1), 3), now);
  EXPECT_EQ(ConditionOf(status, "Ready", "reason"), "AgentsUnavailable");
  EXPECT_EQ(ConditionOf(status, "Degraded", "status"), "True");
  EXPECT_EQ(ConditionOf(status, "Degraded", "message"), "1/3 agents ready");
}

TEST(FlowStatusTest, InvalidSpecKeepsWhatRunsAndSaysWhy) {
  const auto now = system_clock::from_time_t(1'800'000'000);
  Json previous = {{"configHash", "old"}, {"replicas", 2}, {"readyReplicas", 2}};
  Json status = ComputeFlowStatus(FlowObject(7, previous), "",
                                  "spec.sinks[0].channel: unknown "
                                  "channel \"nope\"",
                                  "", Json(), {}, now);
  EXPECT_EQ(status["observedGeneration"], 7);
  EXPECT_EQ(status["configHash"], "old") << "the last valid configuration still runs";
  EXPECT_EQ(ConditionOf(status, "Ready", "reason"), "InvalidSpec");
  EXPECT_EQ(ConditionOf(status, "Ready", "message"),
            "spec.sinks[0].channel: unknown channel \"nope\"");
  EXPECT_EQ(ConditionOf(status, "Degraded", "status"), "True");
  EXPECT_EQ(ConditionOf(status, "Ready", "observedGeneration"), "7");
}

TEST(FlowStatusTest, SidecarModePublishesTheSnippetAndNoReplicas) {
  const auto now = system_clock::from_time_t(1'800'000'000);
  Json snippet = {{"initContainers", Json::array({{{"name", "acequia-agent"}}})}};
  Json status = ComputeFlowStatus(FlowObject(2), "sidecar", "", "h", snippet, {}, now);
  EXPECT_EQ(status["sidecar"], snippet);
  EXPECT_EQ(status["replicas"], 0);
  EXPECT_EQ(ConditionOf(status, "Ready", "status"), "True");
  // Back to collector mode: the snippet goes away.
  Json collector = ComputeFlowStatus(FlowObject(3, status), "collector", "", "h", Json(),
                                     ObserveWorkload(Json(), 1), now);
  EXPECT_FALSE(collector.contains("sidecar"));
}

TEST(ConditionsTest, TimesRoundTrip) {
  const auto t = system_clock::from_time_t(1'800'000'123);
  system_clock::time_point parsed;
  ASSERT_TRUE(ParseTime(FormatTime(t), &parsed));
  EXPECT_EQ(parsed, t);
  ASSERT_TRUE(ParseTime("2026-11-21T06:50:56.123456Z", &parsed));
  EXPECT_EQ(FormatTime(parsed), "2026-11-21T06:50:56Z");
  EXPECT_FALSE(ParseTime("yesterday", &parsed));
  EXPECT_FALSE(ParseTime("2026-11-21T06:50:56+01:00", &parsed));
}

}  // namespace
}  // namespace acequia::controllers
