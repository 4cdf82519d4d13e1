#include "operator/controllers/importjob_decision.h"

#include <algorithm>
#include <ctime>
#include <map>

#include "api/cron.h"
#include "api/import_job.h"
#include "operator/controllers/conditions.h"

namespace acequia::controllers {
namespace {

using render::ImportPhase;

constexpr const char* kPending = "Pending";
constexpr const char* kPlanning = "Planning";
constexpr const char* kRunning = "Running";
constexpr const char* kCommitting = "Committing";
constexpr const char* kSucceeded = "Succeeded";
constexpr const char* kFailed = "Failed";
// While a run is active nothing else wakes the controller for a schedule; a slow resync keeps a
// lost watch event from stalling a run.
constexpr std::chrono::milliseconds kActiveResync{30000};

std::string Label(const Json& object, const std::string& key) {
  const Json& labels = object.value("metadata", Json::object()).value("labels", Json::object());
  auto it = labels.find(key);
  return it != labels.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string Name(const Json& object) {
  return object.value("metadata", Json::object()).value("name", "");
}

// "Complete" or "Failed" when the Job has that condition True, else "".
std::string JobOutcome(const Json& job) {
  for (const auto& c : job.value("status", Json::object()).value("conditions", Json::array())) {
    if (c.value("status", "") != "True") continue;
    std::string type = c.value("type", "");
    if (type == "Complete" || type == "Failed") return type;
  }
  return "";
}

// A finished Job's pods reach the cache through another watch than the Job: a little while is
// given for them to arrive before the run is judged without their termination messages.
constexpr std::chrono::seconds kPodsGrace{30};

bool PodsSettled(const Json& job, TimePoint now) {
  for (const auto& c : job.value("status", Json::object()).value("conditions", Json::array())) {
    TimePoint at;
    if (c.value("status", "") == "True" && ParseTime(c.value("lastTransitionTime", ""), &at)) {
      return now - at > kPodsGrace;
    }
  }
  return true;
}

const Json* FindJob(const std::vector<Json>& jobs, const std::string& run, ImportPhase phase) {
  for (const auto& job : jobs) {
    if (Label(job, render::kRunLabel) == run &&
        Label(job, render::kPhaseLabel) == render::ImportPhaseName(phase)) {
      return &job;
    }
  }
  return nullptr;
}

struct Termination {
  bool terminated = false;
  int exit_code = 0;
  std::string message;
  Json json;  // the message parsed, when it is JSON
};

Termination TerminationOf(const Json& pod) {
  Termination t;
  for (const auto& cs :
       pod.value("status", Json::object()).value("containerStatuses", Json::array())) {
    if (cs.value("name", "") != render::kImportContainerName) continue;
    const Json& terminated = cs.value("state", Json::object()).value("terminated", Json(nullptr));
    if (!terminated.is_object()) continue;
    t.terminated = true;
    t.exit_code = terminated.value("exitCode", 0);
    t.message = terminated.value("message", "");
    t.json = Json::parse(t.message, nullptr, false);
    if (t.json.is_discarded()) t.json = Json();
  }
  return t;
}

// The pods of one phase of `run`, oldest first.
std::vector<const Json*> PhasePods(const std::vector<Json>& pods, const std::string& run,
                                   ImportPhase phase) {
  std::vector<const Json*> out;
  for (const auto& pod : pods) {
    if (Label(pod, render::kRunLabel) == run &&
        Label(pod, render::kPhaseLabel) == render::ImportPhaseName(phase)) {
      out.push_back(&pod);
    }
  }
  std::sort(out.begin(), out.end(), [](const Json* a, const Json* b) {
    const std::string ta = a->value("metadata", Json::object()).value("creationTimestamp", "");
    const std::string tb = b->value("metadata", Json::object()).value("creationTimestamp", "");
    return ta != tb ? ta < tb : Name(*a) < Name(*b);
  });
  return out;
}

const Json* SucceededPod(const std::vector<const Json*>& pods) {
  for (const Json* pod : pods) {
    Termination t = TerminationOf(*pod);
    if (t.terminated && t.exit_code == 0) return pod;
  }
  return nullptr;
}

// What a failed pod said: the `error` of its JSON message, else the message, else its reason.
std::string FailureOf(const std::vector<const Json*>& pods) {
  for (auto it = pods.rbegin(); it != pods.rend(); ++it) {
    Termination t = TerminationOf(**it);
    if (!t.terminated || t.exit_code == 0) continue;
    if (t.json.is_object() && t.json.contains("error")) {
      return t.json.value("error", "");
    }
    if (!t.message.empty()) return t.message;
    return "exit code " + std::to_string(t.exit_code);
  }
  return "";
}

int CompletionIndex(const Json& pod) {
  std::string index = Label(pod, render::kCompletionIndexAnnotation);
  if (index.empty()) {
    const Json& annotations =
        pod.value("metadata", Json::object()).value("annotations", Json::object());
    index = annotations.value(render::kCompletionIndexAnnotation, "");
  }
  try {
    return index.empty() ? -1 : std::stoi(index);
  } catch (const std::exception&) {
    return -1;
  }
}

bool PodActive(const Json& pod) {
  const std::string phase = pod.value("status", Json::object()).value("phase", "");
  return phase == "Pending" || phase == "Running" || phase.empty();
}

class StatusBuilder {
 public:
  StatusBuilder(const Json& current, int64_t generation, TimePoint now)
      : status_(current.is_object() ? current : Json::object()),
        generation_(generation),
        now_(now) {}

  Json& status() { return status_; }
  std::string phase() const { return status_.value("phase", ""); }
  std::string run() const { return status_.value("run", ""); }

  void Condition(const std::string& type, bool value, const std::string& reason,
                 const std::string& message) {
    Json conditions = status_.value("conditions", Json::array());
    SetCondition(conditions, {type, value ? "True" : "False", reason, message},
                 status_.value("observedGeneration", generation_), now_);
    status_["conditions"] = std::move(conditions);
  }

  // Planned / Running / Succeeded / Failed for a phase of the current run.
  void Conditions(const std::string& phase, const std::string& reason, const std::string& message) {
    const bool planned = phase == kRunning || phase == kCommitting || phase == kSucceeded ||
                         (phase == kFailed && status_.contains("splits"));
    Condition("Planned", planned,
              planned            ? "PlanReady"
              : phase == kFailed ? reason
                                 : "Planning",
              planned ? std::to_string(status_.value("splits", Json::array()).size()) + " splits"
                      : message);
    const bool running = phase == kRunning || phase == kCommitting;
    Condition("Running", running,
              running              ? phase
              : phase == kPlanning ? "Planning"
                                   : reason,
              message);
    Condition("Succeeded", phase == kSucceeded, phase == kSucceeded ? reason : "NotSucceeded",
              phase == kSucceeded ? message : "");
    Condition("Failed", phase == kFailed, phase == kFailed ? reason : "NotFailed",
              phase == kFailed ? message : "");
  }

  void Finish(const std::string& phase, const std::string& reason, const std::string& message) {
    status_["phase"] = phase;
    status_["completionTime"] = FormatTime(now_);
    Conditions(phase, reason, message);
  }

 private:
  Json status_;
  int64_t generation_;
  TimePoint now_;
};

// Split states from the run Job's pods (index label or annotation).
void UpdateSplits(Json& status, const std::vector<const Json*>& pods, bool job_failed) {
  Json splits = status.value("splits", Json::array());
  std::map<int, std::vector<const Json*>> by_index;
  for (const Json* pod : pods) by_index[CompletionIndex(*pod)].push_back(pod);
  for (auto& split : splits) {
    const int index = split.value("index", -1);
    const auto& mine = by_index[index];
    if (const Json* done = SucceededPod(mine)) {
      const Termination t = TerminationOf(*done);
      split["state"] = kSucceeded;
      split["rows"] = t.json.is_object() ? t.json.value("rows", int64_t{0}) : 0;
      split["bytes"] = t.json.is_object() ? t.json.value("bytes", int64_t{0}) : 0;
      split.erase("message");
      continue;
    }
    const std::string failure = FailureOf(mine);
    const bool active =
        std::any_of(mine.begin(), mine.end(), [](const Json* p) { return PodActive(*p); });
    if (job_failed && !failure.empty() && !active) {
      split["state"] = kFailed;
    } else {
      split["state"] = mine.empty() ? kPending : kRunning;
    }
    if (!failure.empty()) {
      split["message"] = failure;
    } else {
      split.erase("message");
    }
  }
  status["splits"] = std::move(splits);
}

std::string FailedSplitsMessage(const Json& status) {
  std::string message;
  for (const auto& split : status.value("splits", Json::array())) {
    if (split.value("state", "") != kFailed) continue;
    if (!message.empty()) message += "; ";
    message += "split " + std::to_string(split.value("index", -1)) + ": " +
               split.value("message", std::string("failed"));
  }
  return message.empty() ? "the run Job failed" : message;
}

TimePoint TimeOr(const Json& object, const char* key, TimePoint fallback) {
  TimePoint t;
  if (object.is_object() && object.contains(key) && object[key].is_string() &&
      ParseTime(object[key].get<std::string>(), &t)) {
    return t;
  }
  return fallback;
}

void Deleting(const ImportJobView& view, const std::string& run, ImportJobActions& actions) {
  for (const auto& job : view.jobs) {
    if (Label(job, render::kRunLabel) != run) continue;
    if (job.value("metadata", Json::object()).contains("deletionTimestamp")) continue;
    actions.delete_jobs.push_back(Name(job));
  }
  const bool any_left = std::any_of(view.jobs.begin(), view.jobs.end(), [&](const Json& job) {
    return Label(job, render::kRunLabel) == run;
  });
  actions.remove_finalizer = !any_left;
}

// Advances the active run (Planning, Running, Committing) by what its Jobs and Pods say.
void AdvanceRun(const ImportJobView& view, StatusBuilder& builder, ImportJobActions& actions) {
  const std::string run = builder.run();
  const std::string phase = builder.phase();
  Json& status = builder.status();
  actions.run = run;
  auto fail = [&](const std::string& reason, const std::string& message) {
    builder.Finish(kFailed, reason, message);
    actions.events.push_back({"Warning", reason, "run " + run + ": " + message});
  };
  if (phase == kPlanning) {
    const Json* job = FindJob(view.jobs, run, ImportPhase::kPlan);
    if (job == nullptr) {
      actions.create.push_back(ImportPhase::kPlan);
      return;
    }
    const std::string outcome = JobOutcome(*job);
    const auto pods = PhasePods(view.pods, run, ImportPhase::kPlan);
    const bool settled = PodsSettled(*job, view.now);
    if (outcome == "Failed") {
      const std::string why = FailureOf(pods);
      if (why.empty() && !settled) return;
      fail("PlanFailed", why.empty() ? "the plan Job failed" : why);
      return;
    }
    if (outcome != "Complete") return;
    const Json* pod = SucceededPod(pods);
    if (pod == nullptr && !settled) return;
    const Termination t = pod ? TerminationOf(*pod) : Termination{};
    const int64_t splits = t.json.is_object() ? t.json.value("splitCount", int64_t{-1}) : -1;
    if (splits < 1) {
      fail("PlanUnreadable", pod == nullptr ? "no plan pod with a termination message"
                                            : "the plan pod's termination message holds no "
                                              "splitCount: " +
                                                  t.message.substr(0, 200));
      return;
    }
    Json list = Json::array();
    for (int64_t i = 0; i < splits; ++i) list.push_back({{"index", i}, {"state", kPending}});
    status["splits"] = std::move(list);
    status["phase"] = kRunning;
    builder.Conditions(kRunning, "SplitsRunning", std::to_string(splits) + " splits");
    actions.events.push_back(
        {"Normal", "Planned", "run " + run + ": " + std::to_string(splits) + " splits"});
    actions.create.push_back(ImportPhase::kRun);
    actions.split_count = static_cast<int>(splits);
    return;
  }
  if (phase == kRunning) {
    actions.split_count = static_cast<int>(status.value("splits", Json::array()).size());
    const Json* job = FindJob(view.jobs, run, ImportPhase::kRun);
    if (job == nullptr) {
      actions.create.push_back(ImportPhase::kRun);
      return;
    }
    const std::string outcome = JobOutcome(*job);
    const bool settled = PodsSettled(*job, view.now);
    UpdateSplits(status, PhasePods(view.pods, run, ImportPhase::kRun), outcome == "Failed");
    const Json& splits = status["splits"];
    auto count = [&](const char* state) {
      return std::count_if(splits.begin(), splits.end(),
                           [&](const Json& split) { return split.value("state", "") == state; });
    };
    if (outcome == "Failed") {
      if (count(kFailed) == 0 && !settled) return;
      fail("SplitFailed", FailedSplitsMessage(status));
    } else if (outcome == "Complete") {
      if (count(kSucceeded) < static_cast<long>(splits.size()) && !settled) return;
      status["phase"] = kCommitting;
      builder.Conditions(kCommitting, "Committing", "every split finished; committing");
      actions.create.push_back(ImportPhase::kCommit);
    }
    return;
  }
  if (phase == kCommitting) {
    const Json* job = FindJob(view.jobs, run, ImportPhase::kCommit);
    if (job == nullptr) {
      actions.create.push_back(ImportPhase::kCommit);
      return;
    }
    const std::string outcome = JobOutcome(*job);
    const auto pods = PhasePods(view.pods, run, ImportPhase::kCommit);
    const bool settled = PodsSettled(*job, view.now);
    if (outcome == "Failed") {
      const std::string why = FailureOf(pods);
      if (why.empty() && !settled) return;
      fail("CommitFailed", why.empty() ? "the commit Job failed" : why);
      return;
    }
    if (outcome != "Complete") return;
    const Json* pod = SucceededPod(pods);
    if (pod == nullptr && !settled) return;
    const Termination t = pod ? TerminationOf(*pod) : Termination{};
    if (!t.json.is_object()) {
      fail("CommitUnreadable", "the commit pod left no JSON termination message");
      return;
    }
    const int64_t rows = t.json.value("rows", int64_t{0});
    const int64_t bytes = t.json.value("bytes", int64_t{0});
    status["rowsImported"] = rows;
    status["bytesWritten"] = bytes;
    if (t.json.contains("lastValue") && t.json["lastValue"].is_string()) {
      status["lastValue"] = t.json["lastValue"];
    }
    const std::string message = std::to_string(rows) + " rows, " + std::to_string(bytes) + " bytes";
    builder.Finish(kSucceeded, "RunSucceeded", message);
    actions.events.push_back({"Normal", "RunSucceeded", "run " + run + ": " + message});
  }
}

bool Active(const std::string& phase) {
  return phase == kPlanning || phase == kRunning || phase == kCommitting;
}

// ---- pods that do not get going -------------------------------------------------------------

constexpr const char* kStalled = "Stalled";
constexpr size_t kMaxStuckMessage = 1024;
// A pod still being created is looked at again this long after pod_stuck_after has passed (its
// creationTimestamp has whole seconds).
constexpr std::chrono::milliseconds kStuckMargin{100};

bool BeingDeleted(const Json& object) {
  return object.value("metadata", Json::object()).contains("deletionTimestamp");
}

// Waiting reasons after which the kubelet will not start the container until someone acts: the
// image cannot be pulled, or the container cannot be configured or created.
bool BlockingWaitReason(const std::string& reason) {
  return reason == "ErrImagePull" || reason == "ImagePullBackOff" || reason == "InvalidImageName" ||
         reason == "CreateContainerConfigError" || reason == "CreateContainerError";
}

std::vector<Json> ContainerStatuses(const Json& pod) {
  const Json& status = pod.value("status", Json::object());
  std::vector<Json> out;
  for (const char* key : {"initContainerStatuses", "containerStatuses"}) {
    for (const auto& cs : status.value(key, Json::array())) out.push_back(cs);
  }
  return out;
}

struct PodProblem {
  std::string reason;
  std::string message;
};

// What the pod itself says keeps it from starting: a container (init containers first) waiting
// with a blocking reason, or the scheduler's PodScheduled=False, reason Unschedulable.
std::optional<PodProblem> ProblemOnPod(const Json& pod) {
  for (const auto& cs : ContainerStatuses(pod)) {
    const Json& waiting = cs.value("state", Json::object()).value("waiting", Json(nullptr));
    if (!waiting.is_object()) continue;
    const std::string reason = waiting.value("reason", "");
    if (BlockingWaitReason(reason)) return PodProblem{reason, waiting.value("message", "")};
  }
  for (const auto& c : pod.value("status", Json::object()).value("conditions", Json::array())) {
    if (c.value("type", "") == "PodScheduled" && c.value("status", "") == "False" &&
        c.value("reason", "") == "Unschedulable") {
      return PodProblem{"Unschedulable", c.value("message", "")};
    }
  }
  return std::nullopt;
}

// Pending and not started: no container running yet, and any container waiting only to be
// created (ContainerCreating, PodInitializing) — volumes mounting, the sandbox being set up, an
// image being pulled.
bool StillCreating(const Json& pod) {
  const std::string phase = pod.value("status", Json::object()).value("phase", "");
  if (phase != "Pending" && !phase.empty()) return false;
  for (const auto& cs : ContainerStatuses(pod)) {
    const Json& state = cs.value("state", Json::object());
    if (state.contains("running")) return false;
    const Json& waiting = state.value("waiting", Json(nullptr));
    if (!waiting.is_object()) continue;
    const std::string reason = waiting.value("reason", "");
    if (reason != "ContainerCreating" && reason != "PodInitializing") return false;
  }
  return true;
}

TimePoint CreatedAt(const Json& pod, TimePoint fallback) {
  return TimeOr(pod.value("metadata", Json::object()), "creationTimestamp", fallback);
}

bool AwaitsEvents(const Json& pod, TimePoint now, std::chrono::milliseconds stuck_after) {
  return !BeingDeleted(pod) && StillCreating(pod) && !ProblemOnPod(pod) &&
         now - CreatedAt(pod, now) >= stuck_after;
}

// When an Event was last seen: series.lastObservedTime, eventTime, deprecatedLastTimestamp,
// metadata.creationTimestamp (the first one set).
TimePoint EventTime(const Json& event) {
  TimePoint fallback = TimeOr(event.value("metadata", Json::object()), "creationTimestamp", {});
  fallback = TimeOr(event, "deprecatedLastTimestamp", fallback);
  fallback = TimeOr(event, "eventTime", fallback);
  return TimeOr(event.value("series", Json::object()), "lastObservedTime", fallback);
}

// The newest Warning Event regarding `pod` (by name, and by uid where both have one).
const Json* NewestWarning(const Json& pod, const std::vector<Json>& events) {
  const Json& meta = pod.value("metadata", Json::object());
  const std::string uid = meta.value("uid", "");
  const Json* newest = nullptr;
  TimePoint newest_at;
  for (const auto& event : events) {
    if (!event.is_object() || event.value("type", "") != "Warning") continue;
    const Json& regarding = event.value("regarding", Json::object());
    if (regarding.value("kind", "Pod") != "Pod" ||
        regarding.value("name", "") != meta.value("name", "")) {
      continue;
    }
    const std::string event_uid = regarding.value("uid", "");
    if (!uid.empty() && !event_uid.empty() && uid != event_uid) continue;  // an earlier pod's
    const TimePoint at = EventTime(event);
    if (newest == nullptr || at >= newest_at) {
      newest = &event;
      newest_at = at;
    }
  }
  return newest;
}

// At most kMaxStuckMessage bytes, cut at a UTF-8 character boundary.
std::string Truncate(std::string text) {
  if (text.size() <= kMaxStuckMessage) return text;
  size_t end = kMaxStuckMessage;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
  return text;
}

std::string Describe(const Json& pod, const std::string& reason, const std::string& message) {
  return Truncate("pod " + Name(pod) + ": " + reason + (message.empty() ? "" : ": " + message));
}

// The active run's pods that have not finished and are not being deleted, oldest first.
std::vector<const Json*> ActiveRunPods(const std::vector<Json>& pods, const std::string& run) {
  std::vector<const Json*> out;
  for (ImportPhase phase : {ImportPhase::kPlan, ImportPhase::kRun, ImportPhase::kCommit}) {
    for (const Json* pod : PhasePods(pods, run, phase)) {
      if (PodActive(*pod) && !BeingDeleted(*pod)) out.push_back(pod);
    }
  }
  return out;
}

// Sets or clears Stalled from the active run's pods and says when to look again.
void UpdateStalled(const ImportJobView& view, StatusBuilder& builder, ImportJobActions& actions) {
  Json& status = builder.status();
  Json previous;
  if (status.contains("conditions")) {
    if (const Json* c = FindCondition(status["conditions"], kStalled)) previous = *c;
  }
  const bool was_stalled = previous.is_object() && previous.value("status", "") == "True";
  const std::string previous_message = was_stalled ? previous.value("message", "") : "";

  std::string message;
  std::optional<std::chrono::milliseconds> wake;
  if (Active(builder.phase())) {
    static const std::vector<Json> kNoEvents;
    for (const Json* pod : ActiveRunPods(view.pods, builder.run())) {
      auto events = view.pod_events.find(Name(*pod));
      std::string said =
          StuckPodMessage(*pod, events != view.pod_events.end() ? events->second : kNoEvents,
                          view.now, view.pod_stuck_after);
      // The back-off between pulls says less than the pull error before it: keep that one.
      const std::string prefix = "pod " + Name(*pod) + ": ";
      if (said.rfind(prefix + "ImagePullBackOff", 0) == 0 &&
          previous_message.rfind(prefix + "ErrImagePull", 0) == 0) {
        said = previous_message;
      }
      if (message.empty()) message = said;
      if (StillCreating(*pod) && !ProblemOnPod(*pod)) {
        const auto age = std::chrono::duration_cast<std::chrono::milliseconds>(
            view.now - CreatedAt(*pod, view.now));
        const auto until =
            (age < view.pod_stuck_after ? view.pod_stuck_after - age : view.pod_stuck_after) +
            kStuckMargin;
        wake = wake ? std::min(*wake, until) : until;
      }
    }
  }
  if (!message.empty()) {
    builder.Condition(kStalled, true, "PodStuck", message);
    if (message != previous_message) {
      actions.events.push_back({"Warning", "PodStuck", "run " + builder.run() + ": " + message});
    }
  } else if (previous.is_object() && previous.value("status", "") != "False") {
    builder.Condition(kStalled, false, "NotStalled", "");
  }
  if (wake) {
    actions.requeue_after =
        actions.requeue_after.count() == 0 ? *wake : std::min(actions.requeue_after, *wake);
  }
}

}  // namespace

std::string NewImportRunId(TimePoint now, const std::string& uid, int64_t generation) {
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  (void)std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  const auto nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  return std::string(buf) + "-" +
         render::ContentHash(uid + "/" + std::to_string(generation) + "/" + std::to_string(nanos),
                             4);
}

std::vector<RunRecord> RunsOf(const std::vector<Json>& jobs) {
  std::map<std::string, RunOutcome, std::greater<>> runs;
  for (const auto& job : jobs) {
    const std::string run = Label(job, render::kRunLabel);
    if (run.empty()) continue;
    RunOutcome& outcome = runs.emplace(run, RunOutcome::kUnfinished).first->second;
    const std::string result = JobOutcome(job);
    const std::string phase = Label(job, render::kPhaseLabel);
    if (result == "Failed") {
      outcome = RunOutcome::kFailed;
    } else if (result == "Complete" && phase == "commit" && outcome != RunOutcome::kFailed) {
      outcome = RunOutcome::kSucceeded;
    }
  }
  std::vector<RunRecord> out;
  out.reserve(runs.size());
  for (const auto& [run, outcome] : runs) out.push_back({run, outcome});
  return out;
}

std::vector<std::string> RunsToPrune(const std::vector<RunRecord>& runs, int64_t keep_succeeded,
                                     int64_t keep_failed) {
  std::vector<std::string> prune;
  int64_t succeeded = 0, failed = 0;
  for (const auto& record : runs) {  // newest first
    const bool beyond_limit =
        (record.outcome == RunOutcome::kSucceeded && ++succeeded > keep_succeeded) ||
        (record.outcome == RunOutcome::kFailed && ++failed > keep_failed);
    if (beyond_limit) prune.push_back(record.run);
  }
  return prune;
}

std::string StuckPodMessage(const Json& pod, const std::vector<Json>& events, TimePoint now,
                            std::chrono::milliseconds stuck_after) {
  if (!PodActive(pod) || BeingDeleted(pod)) return "";
  if (auto problem = ProblemOnPod(pod)) return Describe(pod, problem->reason, problem->message);
  if (!AwaitsEvents(pod, now, stuck_after)) return "";
  const Json* event = NewestWarning(pod, events);
  if (event == nullptr) return "";  // slow (a big image, a busy node), not stuck
  return Describe(pod, event->value("reason", std::string("Warning")), event->value("note", ""));
}

std::vector<std::string> PodsAwaitingEvents(const ImportJobView& view) {
  const Json& ij = view.import_job;
  const Json status = ij.value("status", Json::object());
  const std::string run = status.value("run", "");
  std::vector<std::string> out;
  if (BeingDeleted(ij) || run.empty() || !Active(status.value("phase", ""))) return out;
  for (const Json* pod : ActiveRunPods(view.pods, run)) {
    if (AwaitsEvents(*pod, view.now, view.pod_stuck_after)) out.push_back(Name(*pod));
  }
  return out;
}

ImportJobActions DecideImportJob(const ImportJobView& view) {
  ImportJobActions actions;
  const Json& ij = view.import_job;
  const Json& meta = ij.at("metadata");
  const int64_t generation = meta.value("generation", int64_t{1});
  const Json current = ij.value("status", Json::object());
  StatusBuilder builder(current, generation, view.now);

  const auto finalizers = meta.value("finalizers", Json::array());
  const bool has_finalizer =
      std::find(finalizers.begin(), finalizers.end(), render::kImportFinalizer) != finalizers.end();
  if (meta.contains("deletionTimestamp")) {
    if (has_finalizer) Deleting(view, builder.run(), actions);
    return actions;
  }
  if (!has_finalizer) {
    actions.add_finalizer = true;  // the write wakes the controller again
    return actions;
  }

  auto parsed = api::ParseImportJob(ij.dump(), meta.value("name", "import"));
  api::ImportJobSpec spec;
  std::vector<api::FieldError> errors = parsed.errors;
  if (parsed.job) {
    spec = parsed.job->spec;
    errors = api::ClusterErrors(spec);
  }
  std::optional<api::CronSchedule> schedule;
  if (errors.empty() && !spec.schedule.empty()) {
    if (auto cron = api::CronSchedule::Parse(spec.schedule); cron.ok()) schedule = *cron;
  }

  if (Active(builder.phase())) {
    AdvanceRun(view, builder, actions);
    if (Active(builder.phase())) actions.requeue_after = kActiveResync;
    if (schedule) {
      const TimePoint last = TimeOr(current, "lastScheduleTime", view.now);
      actions.skipped_tick = schedule->LatestBetween(last, view.now);
    }
  } else if (!errors.empty()) {
    const std::string message = api::JoinErrors(errors);
    const bool reported =
        current.value("observedGeneration", int64_t{0}) == generation && builder.phase() == kFailed;
    Json& status = builder.status();
    status["observedGeneration"] = generation;
    status["phase"] = kFailed;
    builder.Conditions(kFailed, "InvalidSpec", message);
    if (!reported) actions.events.push_back({"Warning", "InvalidSpec", message});
  } else if (spec.suspend) {
    builder.status()["observedGeneration"] = generation;
    if (builder.phase().empty()) builder.status()["phase"] = kPending;
  } else {
    std::optional<TimePoint> tick;
    bool start = false;
    if (schedule) {
      TimePoint base = TimeOr(meta, "creationTimestamp", view.now);
      base = std::max(base, TimeOr(current, "lastScheduleTime", base));
      base = std::max(base, TimeOr(current, "completionTime", base));
      tick = schedule->LatestBetween(base, view.now);
      start = tick.has_value();
      builder.status()["observedGeneration"] = generation;
      if (builder.phase().empty()) builder.status()["phase"] = kPending;
    } else {
      start =
          builder.run().empty() || current.value("observedGeneration", int64_t{0}) != generation;
    }
    if (start) {
      const std::string run = NewImportRunId(view.now, meta.value("uid", ""), generation);
      Json& status = builder.status();
      status["observedGeneration"] = generation;
      status["run"] = run;
      status["phase"] = kPlanning;
      status["startTime"] = FormatTime(view.now);
      status.erase("completionTime");
      status.erase("splits");
      if (tick) status["lastScheduleTime"] = FormatTime(*tick);
      builder.Conditions(kPlanning, "Planning", "planning run " + run);
      actions.run = run;
      actions.create.push_back(ImportPhase::kPlan);
      actions.events.push_back({"Normal", "RunStarted", "run " + run + " started"});
      actions.requeue_after = kActiveResync;
    }
  }
  UpdateStalled(view, builder, actions);
  if (schedule) {
    if (auto next = schedule->Next(view.now)) {
      const auto until = std::chrono::duration_cast<std::chrono::milliseconds>(*next - view.now) +
                         std::chrono::seconds(1);
      actions.requeue_after =
          actions.requeue_after.count() == 0 ? until : std::min(actions.requeue_after, until);
    }
  }

  // History: finished runs beyond the limits. The active run is never pruned; runs that
  // stopped unfinished (not the active one) count as failed.
  const std::string active = Active(builder.phase()) ? builder.run() : "";
  std::vector<RunRecord> runs = RunsOf(view.jobs);
  runs.erase(
      std::remove_if(runs.begin(), runs.end(), [&](const RunRecord& r) { return r.run == active; }),
      runs.end());
  for (auto& r : runs) {
    if (r.outcome == RunOutcome::kUnfinished) r.outcome = RunOutcome::kFailed;
    if (r.run == builder.run() && builder.phase() == kSucceeded) r.outcome = RunOutcome::kSucceeded;
    if (r.run == builder.run() && builder.phase() == kFailed) r.outcome = RunOutcome::kFailed;
  }
  actions.prune_runs =
      RunsToPrune(runs, spec.successful_runs_history_limit, spec.failed_runs_history_limit);

  if (builder.status() != current) actions.status = builder.status();
  return actions;
}

}  // namespace acequia::controllers
