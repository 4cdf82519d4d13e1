#include "operator/controllers/importjob_controller.h"

#include <memory>

#include "api/import_job.h"
#include "common/logging.h"
#include "operator/controllers/conditions.h"
#include "operator/kube/label_selector.h"
#include "operator/kube/resources.h"

namespace acequia::controllers {
namespace {

namespace resources = kube::resources;
using render::ImportPhase;

constexpr const char* kManagedBySelector = "app.kubernetes.io/managed-by=acequia-operator";

std::pair<std::string, std::string> SplitKey(const std::string& key) {
  const size_t slash = key.find('/');
  if (slash == std::string::npos) return {"", key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

kube::LabelSelector RunSelector(const std::string& import_job, const std::string& run = "") {
  std::map<std::string, std::string> labels = {{render::kImportJobLabel, import_job}};
  if (!run.empty()) labels[render::kRunLabel] = run;
  return kube::LabelSelector::FromMatchLabels(labels);
}

Status IgnoreNotFound(const Status& s) { return kube::IsNotFound(s) ? Status::Ok() : s; }

// Pods belong to their Job, not to the ImportJob: they are mapped back by label.
kube::Informer::Handlers EnqueueByImportJobLabel(kube::Controller& controller) {
  kube::WorkQueue* queue = &controller.queue();
  auto add = [queue](const Json& object) {
    const Json& meta = object.value("metadata", Json::object());
    const Json& labels = meta.value("labels", Json::object());
    auto it = labels.find(render::kImportJobLabel);
    if (it == labels.end() || !it->is_string()) return;
    queue->Add(meta.value("namespace", "") + "/" + it->get<std::string>());
  };
  return {add, [add](const Json&, const Json& object) { add(object); }, add};
}

}  // namespace

Result<kube::ReconcileResult> ImportJobReconciler::Reconcile(const std::string& key) {
  const auto [ns, name] = SplitKey(key);
  auto cached = manager_.Cached(resources::kImportJobs, ns, name);
  if (!cached) {
    std::lock_guard<std::mutex> lock(mu_);
    reported_skips_.erase(key);
    pod_events_.erase(key);
    return kube::ReconcileResult{};
  }
  Json import_job = std::move(*cached);
  import_job["apiVersion"] = resources::kImportJobs.ApiVersion();
  import_job["kind"] = resources::kImportJobs.kind;

  ImportJobView view;
  view.import_job = import_job;
  view.jobs = manager_.CachedList(resources::kJobs, ns, RunSelector(name));
  view.pods = manager_.CachedList(resources::kPods, ns, RunSelector(name));
  view.now = manager_.Now();
  view.pod_stuck_after = manager_.options().import_pod_stuck_after;
  ListPodEvents(key, view);
  const ImportJobActions actions = DecideImportJob(view);

  if (actions.add_finalizer) {
    if (Status s = UpdateFinalizers(import_job, true); !s.ok()) return s;
    return kube::ReconcileResult{};
  }
  for (const auto& job : actions.delete_jobs) {
    kube::DeleteOptions options;
    options.propagation_policy = "Foreground";
    if (Status s = IgnoreNotFound(manager_.client().Delete(resources::kJobs, ns, job, options));
        !s.ok()) {
      return s;
    }
  }
  if (actions.remove_finalizer) {
    if (Status s = UpdateFinalizers(import_job, false); !s.ok()) return s;
    return kube::ReconcileResult{};
  }
  if (!actions.delete_jobs.empty()) {
    return kube::ReconcileResult{false, std::chrono::milliseconds(1000)};
  }

  if (actions.status) {
    Json object = import_job;
    object["status"] = *actions.status;
    auto written = manager_.client().UpdateStatus(resources::kImportJobs, object);
    if (!written.ok()) return written.status();
    import_job["status"] = *actions.status;
  }
  if (Status s = CreateChildren(import_job, actions); !s.ok()) return s;
  if (Status s = PruneRuns(import_job, actions.prune_runs); !s.ok()) return s;
  for (const auto& event : actions.events) {
    if (event.reason == "PodStuck") {
      LogMessage(LogLevel::kWarn, "importjob") << key << ": " << event.note;
    }
    Record(import_job, event);
  }
  if (actions.skipped_tick) {
    bool report = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto& last = reported_skips_[key];
      report = last != *actions.skipped_tick;
      last = *actions.skipped_tick;
    }
    if (report) {
      Record(import_job,
             {"Normal", "TickSkipped",
              "schedule tick " + FormatTime(*actions.skipped_tick) + " skipped: run " +
                  import_job["status"].value("run", "") + " is still active (one run at a time)"});
    }
  }
  return kube::ReconcileResult{false, actions.requeue_after};
}

Status ImportJobReconciler::UpdateFinalizers(const Json& import_job, bool add) {
  const Json& meta = import_job.at("metadata");
  Json finalizers = Json::array();
  for (const auto& f : meta.value("finalizers", Json::array())) {
    if (f != render::kImportFinalizer) finalizers.push_back(f);
  }
  if (add) finalizers.push_back(render::kImportFinalizer);
  // The resourceVersion makes the patch fail on a stale view instead of dropping another
  // controller's finalizer.
  const Json patch = {{"metadata",
                       {{"finalizers", std::move(finalizers)},
                        {"resourceVersion", meta.value("resourceVersion", "")}}}};
  auto patched = manager_.client().MergePatch(resources::kImportJobs, meta.value("namespace", ""),
                                              meta.value("name", ""), patch);
  return add ? patched.status() : IgnoreNotFound(patched.status());
}

Status ImportJobReconciler::CreateChildren(const Json& import_job,
                                           const ImportJobActions& actions) {
  if (actions.create.empty()) return Status::Ok();
  const Json& meta = import_job.at("metadata");
  const std::string ns = meta.value("namespace", "");
  const std::string name = meta.value("name", "");
  const std::string cm_name = render::ImportRunConfigMapName(name, actions.run);
  kube::KubeClient& client = manager_.client();

  // The snapshot is written once per run and never updated: later spec edits wait for the next
  // run. Every Job of the run is rendered from it.
  auto config_map = client.Get(resources::kConfigMaps, ns, cm_name);
  if (!config_map.ok() && kube::IsNotFound(config_map.status())) {
    std::optional<std::string> last_value;
    const Json& status = import_job.value("status", Json::object());
    if (status.contains("lastValue") && status["lastValue"].is_string()) {
      last_value = status["lastValue"].get<std::string>();
    }
    config_map = client.Create(resources::kConfigMaps, render::RenderImportRunConfigMap(
                                                           import_job, actions.run, last_value));
    if (!config_map.ok() && kube::IsAlreadyExists(config_map.status())) {
      config_map = client.Get(resources::kConfigMaps, ns, cm_name);
    }
  }
  if (!config_map.ok()) return config_map.status();
  const std::string snapshot =
      config_map->value("data", Json::object()).value(render::kImportJobFileKey, "");
  auto run_spec = api::ParseImportJob(snapshot, name);
  if (!run_spec.job) {
    return Status::InvalidArgument("ConfigMap " + ns + "/" + cm_name + " holds no valid " +
                                   "ImportJob: " + api::JoinErrors(run_spec.errors));
  }

  for (ImportPhase phase : actions.create) {
    const std::string job_name = render::ImportRunJobName(name, actions.run, phase);
    if (manager_.Cached(resources::kJobs, ns, job_name)) continue;
    const Json job = render::RenderImportPhaseJob(import_job, *run_spec.job, manager_.settings(),
                                                  actions.run, phase, actions.split_count);
    auto applied = client.Apply(resources::kJobs, job);
    if (!applied.ok()) return applied.status();
    LogMessage(LogLevel::kInfo, "importjob") << ns << "/" << name << ": created Job " << job_name;
  }
  return Status::Ok();
}

Status ImportJobReconciler::PruneRuns(const Json& import_job,
                                      const std::vector<std::string>& runs) {
  const Json& meta = import_job.at("metadata");
  const std::string ns = meta.value("namespace", "");
  const std::string name = meta.value("name", "");
  for (const auto& run : runs) {
    for (const auto& job : manager_.CachedList(resources::kJobs, ns, RunSelector(name, run))) {
      const std::string job_name = job["metadata"].value("name", "");
      if (Status s = IgnoreNotFound(manager_.client().Delete(resources::kJobs, ns, job_name));
          !s.ok()) {
        return s;
      }
    }
    if (Status s = IgnoreNotFound(manager_.client().Delete(
            resources::kConfigMaps, ns, render::ImportRunConfigMapName(name, run)));
        !s.ok()) {
      return s;
    }
    LogMessage(LogLevel::kInfo, "importjob") << ns << "/" << name << ": pruned run " << run;
  }
  return Status::Ok();
}

void ImportJobReconciler::ListPodEvents(const std::string& key, ImportJobView& view) {
  const std::vector<std::string> pods = PodsAwaitingEvents(view);
  std::map<std::string, PodEventsListing> listings;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pod_events_.find(key);
    if (it != pod_events_.end()) listings.swap(it->second);
    pod_events_.erase(key);
  }
  const std::string ns = SplitKey(key).first;
  std::map<std::string, PodEventsListing> kept;  // only the pods still waiting
  for (const auto& pod : pods) {
    PodEventsListing listing;
    auto it = listings.find(pod);
    if (it != listings.end() && view.now - it->second.at < view.pod_stuck_after) {
      listing = std::move(it->second);
    } else {
      listing.at = view.now;  // a failed listing also waits a period before the next one
      kube::ListOptions options;
      options.field_selector = "regarding.kind=Pod,regarding.name=" + pod;
      auto events = manager_.client().List(resources::kEvents, ns, options);
      if (events.ok()) {
        for (auto& event : (*events)["items"]) listing.events.push_back(std::move(event));
      } else {
        LogMessage(LogLevel::kWarn, "importjob")
            << key << ": listing the Events of pod " << pod << ": " << events.status().message();
        if (it != listings.end()) listing.events = std::move(it->second.events);
      }
    }
    view.pod_events[pod] = listing.events;
    kept[pod] = std::move(listing);
  }
  if (kept.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  pod_events_[key] = std::move(kept);
}

void ImportJobReconciler::Record(const Json& import_job, const ImportJobEvent& event) {
  Status s = manager_.events().Record(import_job, event.type, event.reason, "Import", event.note);
  if (!s.ok()) {
    LogMessage(LogLevel::kWarn, "importjob") << "event " << event.reason << ": " << s.message();
  }
}

Status SetupImportJobController(Manager& manager) {
  auto reconciler = std::make_shared<ImportJobReconciler>(manager);
  kube::Controller& controller = manager.AddController(
      "importjob", [reconciler](const std::string& key) { return reconciler->Reconcile(key); });
  manager.Watch(kube::resources::kImportJobs, Manager::EnqueueObject(controller));
  manager.Watch(kube::resources::kJobs, Manager::EnqueueOwner(controller, "ImportJob"),
                kManagedBySelector);
  manager.Watch(kube::resources::kPods, EnqueueByImportJobLabel(controller), kManagedBySelector);
  return Status::Ok();
}

}  // namespace acequia::controllers
