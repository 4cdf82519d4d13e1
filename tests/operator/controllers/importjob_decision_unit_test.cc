// The ImportJob controller's decisions (importjob_decision.h) phase by phase, without a server:
// an ImportJob, its Jobs and Pods as JSON and a clock in, the status and actions out.
#include <gtest/gtest.h>

#include "operator/controllers/conditions.h"
#include "operator/controllers/importjob_decision.h"

namespace acequia::controllers {
namespace {

using render::ImportPhase;

TimePoint At(const std::string& text) {
  TimePoint t;
  EXPECT_TRUE(ParseTime(text, &t)) << text;
  return t;
}

const TimePoint kNow = At("2026-11-21T07:00:30Z");

Json ImportJob(const std::string& extra_spec = "", Json status = Json::object()) {
  Json spec = {
      {"source",
       {{"driver", "postgresql"},
        {"database", "shop"},
        {"table", "orders"},
        {"credentialsSecret", "pg"}}},
      {"split", {{"by", "id"}, {"count", 3}}},
      {"target",
       {{"path", "/warehouse/orders"}, {"volume", {{"persistentVolumeClaim", "warehouse"}}}}}};
  if (!extra_spec.empty()) spec.update(Json::parse(extra_spec));
  Json ij = {{"apiVersion", "acequia.io/v1alpha1"},
             {"kind", "ImportJob"},
             {"metadata",
              {{"name", "orders"},
               {"namespace", "shop"},
               {"uid", "uid-1"},
               {"generation", 1},
               {"creationTimestamp", "2026-11-21T06:00:00Z"},
               {"finalizers", {"acequia.io/cleanup"}}}},
             {"spec", spec}};
  if (!status.empty()) ij["status"] = status;
  return ij;
}

Json Job(const std::string& run, const std::string& phase, const std::string& outcome = "") {
  Json job = {{"metadata",
               {{"name", "orders-" + run + "-" + phase},
                {"labels",
                 {{"acequia.io/importjob", "orders"},
                  {"acequia.io/run", run},
                  {"acequia.io/phase", phase}}}}},
              {"status", Json::object()}};
  if (!outcome.empty()) {
    job["status"]["conditions"] = {{{"type", outcome}, {"status", "True"}}};
  }
  return job;
}

Json Pod(const std::string& run, const std::string& phase, int exit_code,
         const std::string& message, int index = -1) {
  Json pod = {
      {"metadata",
       {{"name", "orders-" + run + "-" + phase + "-" + std::to_string(index) + "-" +
                     std::to_string(exit_code)},
        {"labels",
         {{"acequia.io/importjob", "orders"},
          {"acequia.io/run", run},
          {"acequia.io/phase", phase}}}}},
      {"status",
       {{"phase", exit_code == 0 ? "Succeeded" : "Failed"},
        {"containerStatuses",
         {{{"name", "acequia-import"},
           {"state", {{"terminated", {{"exitCode", exit_code}, {"message", message}}}}}}}}}}};
  if (index >= 0) {
    pod["metadata"]["labels"]["batch.kubernetes.io/job-completion-index"] = std::to_string(index);
  }
  return pod;
}

Json ActiveStatus(const std::string& phase, int splits = 0) {
  Json status = {{"observedGeneration", 1},
                 {"run", "r1"},
                 {"phase", phase},
                 {"startTime", "2026-11-21T07:00:00Z"}};
  if (splits > 0) {
    status["splits"] = Json::array();
    for (int i = 0; i < splits; ++i)
      status["splits"].push_back({{"index", i}, {"state", "Pending"}});
  }
  return status;
}

std::string ConditionStatus(const Json& status, const std::string& type) {
  if (!status.contains("conditions")) return "";
  const Json* c = FindCondition(status["conditions"], type);
  return c ? (*c)["status"].get<std::string>() + "/" + (*c)["reason"].get<std::string>() : "";
}

ImportJobView View(const Json& ij, std::vector<Json> jobs = {}, std::vector<Json> pods = {},
                   TimePoint now = kNow) {
  ImportJobView view;
  view.import_job = ij;
  view.jobs = std::move(jobs);
  view.pods = std::move(pods);
  view.now = now;
  return view;
}

ImportJobActions Decide(const Json& ij, std::vector<Json> jobs = {}, std::vector<Json> pods = {},
                        TimePoint now = kNow) {
  return DecideImportJob(View(ij, std::move(jobs), std::move(pods), now));
}

TEST(ImportJobDecisionTest, AddsTheFinalizerFirst) {
  Json ij = ImportJob();
  ij["metadata"].erase("finalizers");
  const auto actions = Decide(ij);
  EXPECT_TRUE(actions.add_finalizer);
  EXPECT_FALSE(actions.status);
  EXPECT_TRUE(actions.create.empty());
}

TEST(ImportJobDecisionTest, NewJobStartsARunWithStatusFirst) {
  const auto actions = Decide(ImportJob());
  ASSERT_TRUE(actions.status);
  const Json& status = *actions.status;
  EXPECT_EQ(status["phase"], "Planning");
  EXPECT_EQ(status["observedGeneration"], 1);
  EXPECT_EQ(status["startTime"], "2026-11-21T07:00:30Z");
  EXPECT_EQ(status["run"], actions.run);
  EXPECT_EQ(actions.run.substr(0, 16), "20261121-070030-");
  EXPECT_EQ(actions.create, std::vector<ImportPhase>{ImportPhase::kPlan});
  EXPECT_EQ(ConditionStatus(status, "Planned"), "False/Planning");
  EXPECT_EQ(ConditionStatus(status, "Failed"), "False/NotFailed");
  ASSERT_EQ(actions.events.size(), 1u);
  EXPECT_EQ(actions.events[0].reason, "RunStarted");
}

TEST(ImportJobDecisionTest, PlanningResumesByCreatingTheMissingPlanJob) {
  const auto actions = Decide(ImportJob("", ActiveStatus("Planning")));
  EXPECT_FALSE(actions.status) << "nothing changed";
  EXPECT_EQ(actions.run, "r1");
  EXPECT_EQ(actions.create, std::vector<ImportPhase>{ImportPhase::kPlan});
}

TEST(ImportJobDecisionTest, PlanningWaitsForThePlanJob) {
  const auto actions = Decide(ImportJob("", ActiveStatus("Planning")), {Job("r1", "plan")});
  EXPECT_FALSE(actions.status);
  EXPECT_TRUE(actions.create.empty());
  EXPECT_GT(actions.requeue_after.count(), 0);
}

TEST(ImportJobDecisionTest, PlanCompleteStartsTheRunJobWithTheSplitCount) {
  const auto actions = Decide(
      ImportJob("", ActiveStatus("Planning")), {Job("r1", "plan", "Complete")},
      {Pod("r1", "plan", 0, R"({"phase":"plan","runId":"r1","splitCount":3,"truncated":true})")});
  ASSERT_TRUE(actions.status);
  EXPECT_EQ((*actions.status)["phase"], "Running");
  EXPECT_EQ((*actions.status)["splits"].size(), 3u);
  EXPECT_EQ((*actions.status)["splits"][2], (Json{{"index", 2}, {"state", "Pending"}}));
  EXPECT_EQ(ConditionStatus(*actions.status, "Planned"), "True/PlanReady");
  EXPECT_EQ(ConditionStatus(*actions.status, "Running"), "True/Running");
  EXPECT_EQ(actions.create, std::vector<ImportPhase>{ImportPhase::kRun});
  EXPECT_EQ(actions.split_count, 3);
}

TEST(ImportJobDecisionTest, PlanFailureFailsTheRunWithThePodsError) {
  const auto actions = Decide(
      ImportJob("", ActiveStatus("Planning")), {Job("r1", "plan", "Failed")},
      {Pod("r1", "plan", 1, R"({"phase":"plan","error":"relation \"orders\" does not exist"})")});
  ASSERT_TRUE(actions.status);
  EXPECT_EQ((*actions.status)["phase"], "Failed");
  EXPECT_TRUE(actions.status->contains("completionTime"));
  const Json* failed = FindCondition((*actions.status)["conditions"], "Failed");
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ((*failed)["reason"], "PlanFailed");
  EXPECT_EQ((*failed)["message"], "relation \"orders\" does not exist");
  ASSERT_EQ(actions.events.size(), 1u);
  EXPECT_EQ(actions.events[0].type, "Warning");
}

TEST(ImportJobDecisionTest, RunningReportsEachSplitFromItsPod) {
  const auto actions = Decide(
      ImportJob("", ActiveStatus("Running", 3)), {Job("r1", "plan", "Complete"), Job("r1", "run")},
      {Pod("r1", "run", 0, R"({"phase":"run","split":0,"rows":10,"bytes":100})", 0),
       Pod("r1", "run", 1, R"({"phase":"run","error":"connection refused"})", 1)});
  ASSERT_TRUE(actions.status);
  const Json& splits = (*actions.status)["splits"];
  EXPECT_EQ(splits[0], (Json{{"index", 0}, {"state", "Succeeded"}, {"rows", 10}, {"bytes", 100}}));
  EXPECT_EQ(splits[1]["state"], "Running") << "the Job retries the index";
  EXPECT_EQ(splits[1]["message"], "connection refused");
  EXPECT_EQ(splits[2]["state"], "Pending");
  EXPECT_TRUE(actions.create.empty());
}

TEST(ImportJobDecisionTest, RunJobFailedNamesTheFailingSplit) {
  const auto actions = Decide(ImportJob("", ActiveStatus("Running", 2)),
                              {Job("r1", "plan", "Complete"), Job("r1", "run", "Failed")},
                              {Pod("r1", "run", 0, R"({"rows":10,"bytes":100})", 0),
                               Pod("r1", "run", 1, R"({"phase":"run","error":"disk full"})", 1)});
  ASSERT_TRUE(actions.status);
  EXPECT_EQ((*actions.status)["phase"], "Failed");
  EXPECT_EQ((*actions.status)["splits"][1]["state"], "Failed");
  const Json* failed = FindCondition((*actions.status)["conditions"], "Failed");
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ((*failed)["reason"], "SplitFailed");
  EXPECT_EQ((*failed)["message"], "split 1: disk full");
  EXPECT_TRUE(actions.create.empty());
}

TEST(ImportJobDecisionTest, RunCompleteCommits) {
  const auto actions = Decide(ImportJob("", ActiveStatus("Running", 1)),
                              {Job("r1", "plan", "Complete"), Job("r1", "run", "Complete")},
                              {Pod("r1", "run", 0, R"({"rows":10,"bytes":100})", 0)});
  ASSERT_TRUE(actions.status);
  EXPECT_EQ((*actions.status)["phase"], "Committing");
  EXPECT_EQ(actions.create, std::vector<ImportPhase>{ImportPhase::kCommit});
}

TEST(ImportJobDecisionTest, CommitCompleteSucceedsWithTotalsAndLastValue) {
  Json status = ActiveStatus("Committing", 1);
  status["lastValue"] = "5";
  const auto actions = Decide(
      ImportJob(R"({"incremental": {"mode": "append", "checkColumn": "id"}})", status),
      {Job("r1", "plan", "Complete"), Job("r1", "run", "Complete"),
       Job("r1", "commit", "Complete")},
      {Pod("r1", "commit", 0, R"({"phase":"commit","rows":42,"bytes":4200,"lastValue":"47"})")});
  ASSERT_TRUE(actions.status);
  const Json& s = *actions.status;
  EXPECT_EQ(s["phase"], "Succeeded");
  EXPECT_EQ(s["rowsImported"], 42);
  EXPECT_EQ(s["bytesWritten"], 4200);
  EXPECT_EQ(s["lastValue"], "47");
  EXPECT_EQ(s["completionTime"], "2026-11-21T07:00:30Z");
  EXPECT_EQ(ConditionStatus(s, "Succeeded"), "True/RunSucceeded");
  EXPECT_EQ(ConditionStatus(s, "Running"), "False/RunSucceeded");
  EXPECT_EQ(actions.requeue_after.count(), 0) << "nothing to wait for";
}

TEST(ImportJobDecisionTest, CommitWithNothingNewKeepsTheLastValue) {
  Json status = ActiveStatus("Committing", 1);
  status["lastValue"] = "47";
  const auto actions =
      Decide(ImportJob(R"({"incremental": {"mode": "append", "checkColumn": "id"}})", status),
             {Job("r1", "commit", "Complete")},
             {Pod("r1", "commit", 0, R"({"phase":"commit","rows":0,"bytes":0,"lastValue":null})")});
  ASSERT_TRUE(actions.status);
  EXPECT_EQ((*actions.status)["lastValue"], "47");
}

TEST(ImportJobDecisionTest, OneRunPerGeneration) {
  Json status = ActiveStatus("Succeeded");
  Json ij = ImportJob("", status);
  auto actions = Decide(ij, {Job("r1", "commit", "Complete")});
  EXPECT_TRUE(actions.create.empty()) << "the generation already ran";
  EXPECT_FALSE(actions.status);

  ij["metadata"]["generation"] = 2;
  actions = Decide(ij, {Job("r1", "commit", "Complete")});
  ASSERT_TRUE(actions.status);
  EXPECT_EQ((*actions.status)["observedGeneration"], 2);
  EXPECT_NE((*actions.status)["run"], "r1");
  EXPECT_EQ(actions.create, std::vector<ImportPhase>{ImportPhase::kPlan});
}

TEST(ImportJobDecisionTest, SpecChangeDuringARunWaitsForItsEnd) {
  Json ij = ImportJob("", ActiveStatus("Running", 1));
  ij["metadata"]["generation"] = 2;
  const auto actions = Decide(ij, {Job("r1", "run")});
  EXPECT_FALSE(actions.status);
  EXPECT_TRUE(actions.create.empty());
}

TEST(ImportJobDecisionTest, InvalidSpecFailsWithTheValidatorsMessageAndCreatesNothing) {
  Json ij = ImportJob(R"({"split": {"count": 4}})");
  auto actions = Decide(ij);
  ASSERT_TRUE(actions.status);
  EXPECT_EQ((*actions.status)["phase"], "Failed");
  const Json* failed = FindCondition((*actions.status)["conditions"], "Failed");
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ((*failed)["reason"], "InvalidSpec");
  EXPECT_EQ((*failed)["message"],
            "spec.split.by: required when split.count is greater than 1: the column whose range "
            "is divided among the splits");
  EXPECT_TRUE(actions.create.empty());
  ASSERT_EQ(actions.events.size(), 1u);
  EXPECT_EQ(actions.events[0].type, "Warning");

  ij["status"] = *actions.status;
  actions = Decide(ij);
  EXPECT_FALSE(actions.status) << "reported once";
  EXPECT_TRUE(actions.events.empty());
}

TEST(ImportJobDecisionTest, TheClusterNeedsAVolumeClaim) {
  Json ij = ImportJob();
  ij["spec"]["target"].erase("volume");
  const auto actions = Decide(ij);
  ASSERT_TRUE(actions.status);
  const Json* failed = FindCondition((*actions.status)["conditions"], "Failed");
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ((*failed)["reason"], "InvalidSpec");
  EXPECT_EQ((*failed)["message"].get<std::string>().rfind(
                "spec.target.volume.persistentVolumeClaim: required in the cluster", 0),
            0u);
  EXPECT_TRUE(actions.create.empty());
}

TEST(ImportJobDecisionTest, SuspendStartsNothing) {
  const auto actions = Decide(ImportJob(R"({"suspend": true})"));
  ASSERT_TRUE(actions.status);
  EXPECT_EQ((*actions.status)["phase"], "Pending");
  EXPECT_TRUE(actions.create.empty());
}

TEST(ImportJobDecisionTest, ScheduleRunsOnTheLatestMissedTickOnly) {
  // Created at 06:00, hourly at :00, now 07:00:30 with no run yet: one run, for 07:00.
  const auto actions = Decide(ImportJob(R"({"schedule": "0 * * * *"})"));
  ASSERT_TRUE(actions.status);
  EXPECT_EQ((*actions.status)["lastScheduleTime"], "2026-11-21T07:00:00Z");
  EXPECT_EQ(actions.create, std::vector<ImportPhase>{ImportPhase::kPlan});
  EXPECT_EQ(actions.requeue_after, std::chrono::milliseconds(30000))
      << "a run is active: a resync well before the 08:00 tick";
}

TEST(ImportJobDecisionTest, ScheduleWaitsForTheNextTick) {
  Json status = ActiveStatus("Succeeded");
  status["lastScheduleTime"] = "2026-11-21T07:00:00Z";
  status["completionTime"] = "2026-11-21T07:00:20Z";
  const auto actions =
      Decide(ImportJob(R"({"schedule": "0 * * * *"})", status), {Job("r1", "commit", "Complete")});
  EXPECT_TRUE(actions.create.empty());
  EXPECT_EQ(actions.requeue_after, std::chrono::milliseconds((59 * 60 + 30 + 1) * 1000));
  const auto later = Decide(ImportJob(R"({"schedule": "0 * * * *"})", status),
                            {Job("r1", "commit", "Complete")}, {}, At("2026-11-21T08:00:05Z"));
  ASSERT_TRUE(later.status);
  EXPECT_EQ((*later.status)["lastScheduleTime"], "2026-11-21T08:00:00Z");
  EXPECT_EQ(later.create, std::vector<ImportPhase>{ImportPhase::kPlan});
}

TEST(ImportJobDecisionTest, TickDuringARunIsSkippedNotQueued) {
  Json status = ActiveStatus("Running", 1);
  status["lastScheduleTime"] = "2026-11-21T07:00:00Z";
  Json ij = ImportJob(R"({"schedule": "*/5 * * * *"})", status);
  auto actions = Decide(ij, {Job("r1", "run")}, {}, At("2026-11-21T07:06:00Z"));
  ASSERT_TRUE(actions.skipped_tick);
  EXPECT_EQ(FormatTime(*actions.skipped_tick), "2026-11-21T07:05:00Z");
  EXPECT_TRUE(actions.create.empty());

  // The run ends at 07:07; at 07:08 the 07:05 tick is not run late.
  status = ActiveStatus("Succeeded");
  status["lastScheduleTime"] = "2026-11-21T07:00:00Z";
  status["completionTime"] = "2026-11-21T07:07:00Z";
  ij = ImportJob(R"({"schedule": "*/5 * * * *"})", status);
  actions = Decide(ij, {Job("r1", "commit", "Complete")}, {}, At("2026-11-21T07:08:00Z"));
  EXPECT_TRUE(actions.create.empty());
}

TEST(ImportJobDecisionTest, DeletionRemovesTheActiveRunsJobsThenTheFinalizer) {
  Json ij = ImportJob("", ActiveStatus("Running", 1));
  ij["metadata"]["deletionTimestamp"] = "2026-11-21T07:00:00Z";
  auto actions = Decide(ij, {Job("r1", "plan", "Complete"), Job("r1", "run"), Job("r0", "commit")});
  EXPECT_EQ(actions.delete_jobs, (std::vector<std::string>{"orders-r1-plan", "orders-r1-run"}));
  EXPECT_FALSE(actions.remove_finalizer);
  EXPECT_FALSE(actions.status);
  actions = Decide(ij, {Job("r0", "commit")});
  EXPECT_TRUE(actions.delete_jobs.empty());
  EXPECT_TRUE(actions.remove_finalizer);
}

TEST(ImportJobDecisionTest, RunsToPruneKeepTheNewestOfEachOutcome) {
  const std::vector<RunRecord> runs = {
      {"r6", RunOutcome::kUnfinished}, {"r5", RunOutcome::kSucceeded},
      {"r4", RunOutcome::kFailed},     {"r3", RunOutcome::kSucceeded},
      {"r2", RunOutcome::kFailed},     {"r1", RunOutcome::kSucceeded}};
  EXPECT_EQ(RunsToPrune(runs, 2, 1), (std::vector<std::string>{"r2", "r1"}));
  EXPECT_EQ(RunsToPrune(runs, 0, 0), (std::vector<std::string>{"r5", "r4", "r3", "r2", "r1"}));
  EXPECT_TRUE(RunsToPrune(runs, 3, 2).empty());
}

TEST(ImportJobDecisionTest, RunsOfReadsOutcomesNewestFirst) {
  const auto runs = RunsOf({Job("20261121-070000-aaaa", "commit", "Complete"),
                            Job("20261121-080000-bbbb", "run", "Failed"),
                            Job("20261121-080000-bbbb", "plan", "Complete"),
                            Job("20261121-090000-cccc", "plan")});
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].run, "20261121-090000-cccc");
  EXPECT_EQ(runs[0].outcome, RunOutcome::kUnfinished);
  EXPECT_EQ(runs[1].outcome, RunOutcome::kFailed);
  EXPECT_EQ(runs[2].outcome, RunOutcome::kSucceeded);
}

TEST(ImportJobDecisionTest, HistoryPruningSparesTheActiveRun) {
  Json ij = ImportJob(R"({"successfulRunsHistoryLimit": 1, "failedRunsHistoryLimit": 0})",
                      ActiveStatus("Running", 1));
  ij["status"]["run"] = "20261121-090000-cccc";
  const auto actions = Decide(
      ij, {Job("20261121-070000-aaaa", "commit", "Complete"),
           Job("20261121-073000-dddd", "commit", "Complete"),
           Job("20261121-080000-bbbb", "run", "Failed"), Job("20261121-090000-cccc", "run")});
  EXPECT_EQ(actions.prune_runs,
            (std::vector<std::string>{"20261121-080000-bbbb", "20261121-070000-aaaa"}));
}

// ---- pods that do not get going (Stalled) ----------------------------------------------------

constexpr std::chrono::milliseconds kGrace{20000};  // shorter than the 30 s resync

// A pod of `run` that has not started: Pending, created at `created`, its container waiting
// with `reason` (none: no container statuses yet).
Json PendingPod(const std::string& name, const std::string& created,
                const std::string& reason = "ContainerCreating", const std::string& message = "",
                const std::string& run = "r1", const std::string& phase = "plan") {
  Json pod = {{"metadata",
               {{"name", name},
                {"uid", "uid-" + name},
                {"creationTimestamp", created},
                {"labels",
                 {{"acequia.io/importjob", "orders"},
                  {"acequia.io/run", run},
                  {"acequia.io/phase", phase}}}}},
              {"status", {{"phase", "Pending"}}}};
  if (!reason.empty()) {
    Json waiting = {{"reason", reason}};
    if (!message.empty()) waiting["message"] = message;
    pod["status"]["containerStatuses"] = {
        {{"name", "acequia-import"}, {"state", {{"waiting", waiting}}}}};
  }
  return pod;
}

Json PodEvent(const std::string& pod, const std::string& type, const std::string& reason,
              const std::string& note, const std::string& at,
              const std::string& uid_prefix = "uid-") {
  return {{"metadata", {{"name", pod + "." + reason}, {"namespace", "shop"}}},
          {"type", type},
          {"reason", reason},
          {"note", note},
          {"eventTime", at},
          {"reportingController", "kubelet"},
          {"regarding", {{"kind", "Pod"}, {"name", pod}, {"uid", uid_prefix + pod}}}};
}

ImportJobActions DecidePods(const Json& ij, std::vector<Json> pods,
                            std::map<std::string, std::vector<Json>> events = {},
                            std::vector<Json> jobs = {}) {
  ImportJobView view = View(ij, std::move(jobs), std::move(pods));
  view.pod_stuck_after = kGrace;
  view.pod_events = std::move(events);
  return DecideImportJob(view);
}

std::string StalledMessage(const Json& status) {
  const Json conditions = status.value("conditions", Json::array());
  const Json* c = FindCondition(conditions, "Stalled");
  return c ? (*c)["message"].get<std::string>() : "";
}

const char* kMountNote =
    R"(MountVolume.SetUp failed for volume "db-credentials" : secret "pg-creds" not found)";

TEST(ImportJobDecisionTest, ImageAndContainerErrorsStallAtOnceWithoutChangingThePhase) {
  for (const char* reason : {"ErrImagePull", "ImagePullBackOff", "InvalidImageName",
                             "CreateContainerConfigError", "CreateContainerError"}) {
    SCOPED_TRACE(reason);
    const Json pod =
        PendingPod("orders-r1-plan-x7k2p", "2026-11-21T07:00:25Z", reason, "the kubelet's words");
    const Json ij = ImportJob("", ActiveStatus("Planning"));
    EXPECT_TRUE(PodsAwaitingEvents(View(ij, {Job("r1", "plan")}, {pod})).empty())
        << "the pod says it all: no Events needed";
    const auto actions = DecidePods(ij, {pod}, {}, {Job("r1", "plan")});
    ASSERT_TRUE(actions.status);
    EXPECT_EQ((*actions.status)["phase"], "Planning");
    EXPECT_EQ(ConditionStatus(*actions.status, "Stalled"), "True/PodStuck");
    EXPECT_EQ(StalledMessage(*actions.status),
              std::string("pod orders-r1-plan-x7k2p: ") + reason + ": the kubelet's words");
    ASSERT_EQ(actions.events.size(), 1u);
    EXPECT_EQ(actions.events[0], (ImportJobEvent{"Warning", "PodStuck",
                                                 "run r1: " + StalledMessage(*actions.status)}));
  }
}

TEST(ImportJobDecisionTest, AnUnschedulablePodStallsAtOnce) {
  Json pod = PendingPod("orders-r1-plan-x7k2p", "2026-11-21T07:00:25Z", "");
  pod["status"]["conditions"] = {{{"type", "PodScheduled"},
                                  {"status", "False"},
                                  {"reason", "Unschedulable"},
                                  {"message", "0/3 nodes are available: 3 Insufficient cpu."}}};
  const auto actions = DecidePods(ImportJob("", ActiveStatus("Planning")), {pod});
  ASSERT_TRUE(actions.status);
  EXPECT_EQ(StalledMessage(*actions.status),
            "pod orders-r1-plan-x7k2p: Unschedulable: 0/3 nodes are available: 3 Insufficient "
            "cpu.");
}

TEST(ImportJobDecisionTest, APodBeingCreatedIsGivenTheGracePeriodThenLookedAtAgain) {
  const Json ij = ImportJob("", ActiveStatus("Planning"));
  for (const char* reason : {"ContainerCreating", ""}) {
    SCOPED_TRACE(reason);
    const Json pod = PendingPod("orders-r1-plan-x7k2p", "2026-11-21T07:00:20Z", reason);
    ImportJobView view = View(ij, {}, {pod});
    view.pod_stuck_after = kGrace;
    EXPECT_TRUE(PodsAwaitingEvents(view).empty());
    const auto actions = DecidePods(ij, {pod}, {}, {Job("r1", "plan")});
    EXPECT_FALSE(actions.status) << "10 s old: not stuck, and no Stalled condition";
    EXPECT_EQ(actions.requeue_after, std::chrono::milliseconds(10100))
        << "woken when the grace period ends";
  }
}

TEST(ImportJobDecisionTest, APodPendingPastTheGraceIsStuckByItsNewestWarningEvent) {
  const Json ij = ImportJob("", ActiveStatus("Planning"));
  const std::string name = "orders-r1-plan-x7k2p";
  const Json pod = PendingPod(name, "2026-11-21T06:59:00Z");
  ImportJobView view = View(ij, {Job("r1", "plan")}, {pod});
  view.pod_stuck_after = kGrace;
  EXPECT_EQ(PodsAwaitingEvents(view), std::vector<std::string>{name});

  const std::vector<Json> events = {
      PodEvent(name, "Warning", "FailedAttachVolume", "attach timed out", "2026-11-21T06:59:10Z"),
      PodEvent(name, "Warning", "FailedMount", kMountNote, "2026-11-21T07:00:20.000100Z"),
      PodEvent(name, "Normal", "Scheduled", "assigned to node-1", "2026-11-21T07:00:25Z"),
      // The same name, an earlier pod: not this one's.
      PodEvent(name, "Warning", "FailedCreatePodSandBox", "old", "2026-11-21T07:00:28Z", "old-"),
  };
  const auto actions = DecidePods(ij, {pod}, {{name, events}}, {Job("r1", "plan")});
  ASSERT_TRUE(actions.status);
  EXPECT_EQ((*actions.status)["phase"], "Planning");
  EXPECT_EQ(StalledMessage(*actions.status), "pod " + name + ": FailedMount: " + kMountNote);
  ASSERT_EQ(actions.events.size(), 1u);
  EXPECT_EQ(actions.events[0].reason, "PodStuck");
  EXPECT_EQ(actions.requeue_after, std::chrono::milliseconds(20100))
      << "the Events are listed again one grace period later";

  // The series' last observation counts over the first one's time.
  std::vector<Json> series = events;
  series[0]["series"] = {{"count", 4}, {"lastObservedTime", "2026-11-21T07:00:29Z"}};
  EXPECT_EQ(StuckPodMessage(pod, series, kNow, kGrace),
            "pod " + name + ": FailedAttachVolume: attach timed out");
}

TEST(ImportJobDecisionTest, APodPendingPastTheGraceWithoutWarningsIsSlowNotStuck) {
  const std::string name = "orders-r1-plan-x7k2p";
  const auto actions = DecidePods(
      ImportJob("", ActiveStatus("Planning")), {PendingPod(name, "2026-11-21T06:58:00Z")},
      {{name,
        {PodEvent(name, "Normal", "Pulling", "pulling a big image", "2026-11-21T06:58:01Z")}}},
      {Job("r1", "plan")});
  EXPECT_FALSE(actions.status);
  EXPECT_TRUE(actions.events.empty());
}

TEST(ImportJobDecisionTest, StalledIsReportedOnceAndClearsWhenThePodRuns) {
  const std::string name = "orders-r1-run-0-0";
  Json pod = PendingPod(name, "2026-11-21T07:00:00Z", "CreateContainerConfigError",
                        R"(secret "pg-creds" not found)", "r1", "run");
  pod["metadata"]["labels"]["batch.kubernetes.io/job-completion-index"] = "0";
  Json ij = ImportJob("", ActiveStatus("Running", 1));
  auto actions = DecidePods(ij, {pod}, {}, {Job("r1", "run")});
  ASSERT_TRUE(actions.status);
  EXPECT_EQ(actions.events.size(), 1u);

  ij["status"] = *actions.status;
  actions = DecidePods(ij, {pod}, {}, {Job("r1", "run")});
  EXPECT_FALSE(actions.status) << "nothing new";
  EXPECT_TRUE(actions.events.empty()) << "the Event is not repeated every reconcile";

  pod["status"] = {{"phase", "Running"},
                   {"containerStatuses",
                    {{{"name", "acequia-import"}, {"state", {{"running", Json::object()}}}}}}};
  actions = DecidePods(ij, {pod}, {}, {Job("r1", "run")});
  ASSERT_TRUE(actions.status);
  EXPECT_EQ((*actions.status)["phase"], "Running");
  EXPECT_EQ(ConditionStatus(*actions.status, "Stalled"), "False/NotStalled");
  EXPECT_EQ(StalledMessage(*actions.status), "");
  EXPECT_TRUE(actions.events.empty());
}

TEST(ImportJobDecisionTest, ImagePullBackOffKeepsThePullErrorsMessage) {
  const std::string name = "orders-r1-plan-x7k2p";
  Json ij = ImportJob("", ActiveStatus("Planning"));
  auto actions = DecidePods(
      ij, {PendingPod(name, "2026-11-21T07:00:00Z", "ErrImagePull", "manifest unknown")});
  ASSERT_TRUE(actions.status);
  ij["status"] = *actions.status;
  actions = DecidePods(ij, {PendingPod(name, "2026-11-21T07:00:00Z", "ImagePullBackOff",
                                       "Back-off pulling image \"x\"")});
  EXPECT_FALSE(actions.status) << "the back-off says less than the pull error";
  EXPECT_TRUE(actions.events.empty());
}

TEST(ImportJobDecisionTest, TheRunsEndClearsStalled) {
  Json status = ActiveStatus("Committing", 1);
  status["conditions"] = {{{"type", "Stalled"},
                           {"status", "True"},
                           {"reason", "PodStuck"},
                           {"message", "pod p: FailedMount: …"},
                           {"lastTransitionTime", "2026-11-21T07:00:00Z"}}};
  const auto actions = Decide(ImportJob("", status), {Job("r1", "commit", "Complete")},
                              {Pod("r1", "commit", 0, R"({"rows": 5, "bytes": 50})")});
  ASSERT_TRUE(actions.status);
  EXPECT_EQ((*actions.status)["phase"], "Succeeded");
  EXPECT_EQ(ConditionStatus(*actions.status, "Stalled"), "False/NotStalled");
}

TEST(ImportJobDecisionTest, OnlyTheActiveRunsUnfinishedPodsCount) {
  Json deleting = PendingPod("orders-r1-plan-b", "2026-11-21T07:00:00Z", "ErrImagePull");
  deleting["metadata"]["deletionTimestamp"] = "2026-11-21T07:00:20Z";
  const auto actions =
      DecidePods(ImportJob("", ActiveStatus("Planning")),
                 {PendingPod("orders-r0-plan-a", "2026-11-21T06:00:00Z", "ErrImagePull", "", "r0"),
                  deleting, Pod("r1", "plan", 1, "exit 1")},
                 {}, {Job("r1", "plan")});
  EXPECT_FALSE(actions.status);
  EXPECT_TRUE(actions.events.empty());
}

}  // namespace
}  // namespace acequia::controllers
