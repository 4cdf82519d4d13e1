#include "operator/controllers/flow_controller.h"

#include <algorithm>
#include <set>

#include "api/flow.h"
#include "common/logging.h"
#include "operator/controllers/conditions.h"
#include "operator/kube/informer.h"
#include "operator/kube/yaml_json.h"
#include "operator/render/flow_render.h"

namespace acequia::controllers {
namespace {

namespace res = kube::resources;

constexpr const char* kAppliedAnnotation = "acequia.io/applied";
constexpr const char* kManagedSelector = "app.kubernetes.io/managed-by=acequia-operator";

// The kinds a Flow owns, in the order they are applied.
const std::vector<const kube::ResourceType*>& ChildTypes(bool pod_monitors) {
  static const std::vector<const kube::ResourceType*> kBase = {
      &res::kConfigMaps, &res::kServices, &res::kDeployments, &res::kStatefulSets};
  static const std::vector<const kube::ResourceType*> kWithMonitors = {
      &res::kConfigMaps, &res::kServices, &res::kDeployments, &res::kStatefulSets,
      &res::kPodMonitors};
  return pod_monitors ? kWithMonitors : kBase;
}

const kube::ResourceType* TypeOfKind(const std::string& kind) {
  for (const auto* type : ChildTypes(true)) {
    if (type->kind == kind) return type;
  }
  return nullptr;
}

int64_t Generation(const Json& object) {
  return object.value("metadata", Json::object()).value("generation", int64_t{0});
}

// The manifest the validator reads: the CR without server-side metadata and status.
std::string ManifestOf(const Json& flow) {
  Json manifest = {{"apiVersion", flow.value("apiVersion", "acequia.io/v1alpha1")},
                   {"kind", "Flow"},
                   {"metadata",
                    {{"name", flow["metadata"].value("name", "")},
                     {"namespace", flow["metadata"].value("namespace", "default")}}},
                   {"spec", flow.value("spec", Json::object())}};
  return kube::JsonToYaml(manifest);
}

}  // namespace

WorkloadState ObserveWorkload(const Json& workload, int64_t desired) {
  WorkloadState state;
  state.desired = desired;
  if (workload.is_null()) return state;
  state.exists = true;
  const Json status = workload.value("status", Json::object());
  state.replicas = status.value("replicas", int64_t{0});
  state.ready_replicas = status.value("readyReplicas", int64_t{0});
  const int64_t updated = status.value("updatedReplicas", int64_t{0});
  const bool seen = status.value("observedGeneration", int64_t{0}) >= Generation(workload);
  bool revision_current = true;
  if (workload.value("kind", "") == "StatefulSet" && status.contains("updateRevision")) {
    revision_current = status.value("currentRevision", "") == status.value("updateRevision", "");
  }
  state.rolled_out = seen && revision_current && updated >= desired && state.replicas <= desired;
  for (const auto& c : status.value("conditions", Json::array())) {
    if (c.value("type", "") == "Progressing" && c.value("reason", "") == "ProgressDeadlineExceeded")
      state.deadline_exceeded = true;
  }
  return state;
}

Json ComputeFlowStatus(const Json& flow, const std::string& mode,
                       const std::string& invalid_message, const std::string& config_hash,
                       const Json& sidecar, const WorkloadState& workload,
                       std::chrono::system_clock::time_point now) {
  const Json old = flow.value("status", Json::object());
  const int64_t generation = Generation(flow);
  Json status = old;
  Json conditions = old.value("conditions", Json::array());
  status["observedGeneration"] = generation;
  auto set = [&](const char* type, const char* value, const std::string& reason,
                 const std::string& message) {
    SetCondition(conditions, {type, value, reason, message}, generation, now);
  };

  if (!invalid_message.empty()) {
    set("Ready", "False", "InvalidSpec", invalid_message);
    set("Progressing", "False", "InvalidSpec", "the spec must be fixed first");
    set("Degraded", "True", "InvalidSpec", invalid_message);
    status["conditions"] = conditions;
    return status;  // configHash, replicas: what still runs from the last valid spec
  }

  status["configHash"] = config_hash;
  if (mode == "sidecar") {
    status["replicas"] = 0;
    status["readyReplicas"] = 0;
    status["sidecar"] = sidecar;
    set("Ready", "True", "SidecarConfigured",
        "pods labelled acequia.io/flow=" + flow["metadata"].value("name", "") +
            " get the agent injected");
    set("Progressing", "False", "SidecarConfigured", "nothing rolls out in sidecar mode");
    set("Degraded", "False", "AsExpected", "");
    status["conditions"] = conditions;
    return status;
  }

  status.erase("sidecar");
  status["replicas"] = workload.replicas;
  status["readyReplicas"] = workload.ready_replicas;
  const std::string counts = std::to_string(workload.ready_replicas) + "/" +
                             std::to_string(workload.desired) + " agents ready";
  if (!workload.exists || !workload.rolled_out) {
    set("Ready", "False", "RolloutInProgress", counts + "; rolling out the agents");
    set("Progressing", "True", "RolloutInProgress", counts);
  } else if (workload.ready_replicas < workload.desired) {
    set("Ready", "False", "AgentsUnavailable", counts);
    set("Progressing", "False", "RolloutComplete", "every agent runs the current template");
  } else {
    set("Ready", "True", "AgentsReady", counts);
    set("Progressing", "False", "RolloutComplete", "every agent runs the current template");
  }
  if (workload.deadline_exceeded) {
    set("Degraded", "True", "AgentsUnavailable",
        counts + "; the rollout exceeded its progress deadline");
  } else if (workload.exists && workload.rolled_out &&
             workload.ready_replicas < workload.desired) {
    set("Degraded", "True", "AgentsUnavailable", counts);
  } else {
    set("Degraded", "False", "AsExpected", "");
  }
  status["conditions"] = conditions;
  return status;
}

Result<kube::ReconcileResult> FlowReconciler::Reconcile(const std::string& key) {
  const auto slash = key.find('/');
  const std::string ns = slash == std::string::npos ? "" : key.substr(0, slash);
  const std::string name = slash == std::string::npos ? key : key.substr(slash + 1);
  auto cached = manager_.Cached(res::kFlows, ns, name);
  if (!cached) return kube::ReconcileResult{};  // deleted: the garbage collector has the rest
  const Json& flow = *cached;
  if (flow["metadata"].contains("deletionTimestamp")) return kube::ReconcileResult{};

  const auto now = manager_.Now();
  api::FlowParseResult parsed = api::ParseFlow(ManifestOf(flow), name);
  if (!parsed.flow) {
    const std::string message = api::JoinErrors(parsed.errors);
    if (Status s = manager_.events().Record(flow, "Warning", "InvalidSpec", "Validate", message);
        !s.ok()) {
      LogMessage(LogLevel::kWarn, "flow") << key << ": recording an event: " << s.message();
    }
    Json status = ComputeFlowStatus(flow, "", message, "", Json(), {}, now);
    if (Status s = WriteStatus(flow, status); !s.ok()) return s;
    return kube::ReconcileResult{};
  }

  auto rendered = render::RenderFlow(flow, *parsed.flow, manager_.settings());
  if (!rendered.ok()) {
    Json status = ComputeFlowStatus(flow, "", rendered.status().message(), "", Json(), {}, now);
    if (Status s = WriteStatus(flow, status); !s.ok()) return s;
    return kube::ReconcileResult{};
  }
  const std::vector<Json> objects = rendered->Objects();
  if (Status s = ApplyChildren(flow, objects); !s.ok()) return s.Annotate("flow " + key);

  const std::string& mode = parsed.flow->spec.mode;
  Json workload;
  if (!rendered->workload.is_null()) {
    const kube::ResourceType* type = TypeOfKind(rendered->workload.value("kind", ""));
    if (auto current = manager_.Cached(*type, ns, rendered->workload["metadata"]["name"])) {
      workload = *current;
    }
  }
  const std::string old_hash = flow.value("status", Json::object()).value("configHash", "");
  if (!old_hash.empty() && old_hash != rendered->config_hash) {
    (void)manager_.events().Record(flow, "Normal", "ConfigChanged", "Reconcile",
                                   "agent configuration " + rendered->config_hash +
                                       " applied; agents reload it without a restart");
  }
  Json status = ComputeFlowStatus(flow, mode, "", rendered->config_hash, rendered->sidecar,
                                  ObserveWorkload(workload, parsed.flow->spec.replicas), now);
  if (Status s = WriteStatus(flow, status); !s.ok()) return s;
  return kube::ReconcileResult{};
}

Status FlowReconciler::ApplyChildren(const Json& flow, const std::vector<Json>& objects) {
  const std::string ns = flow["metadata"].value("namespace", "");
  const std::string uid = flow["metadata"].value("uid", "");
  std::set<std::string> wanted;  // "Kind/name"
  for (Json object : objects) {
    const std::string kind = object.value("kind", "");
    const std::string child = object["metadata"].value("name", "");
    wanted.insert(kind + "/" + child);
    const kube::ResourceType* type = TypeOfKind(kind);
    if (type == nullptr) return Status::Internal("rendered an object of unknown kind " + kind);
    // Skip the write when the cache shows this exact content applied already.
    const std::string digest = render::ContentHash(object.dump());
    object["metadata"]["annotations"][kAppliedAnnotation] = digest;
    auto current = manager_.Cached(*type, ns, child);
    if (current && current->value("metadata", Json::object())
                           .value("annotations", Json::object())
                           .value(kAppliedAnnotation, "") == digest) {
      continue;
    }
    kube::ApplyOptions options;
    options.force = true;
    auto applied = manager_.client().Apply(*type, object, options);
    if (!applied.ok() && kind == "StatefulSet" && current &&
        kube::HttpCodeOf(applied.status()) == 422) {
      // A StatefulSet's volumeClaimTemplates cannot change (a new storage size). Replace the
      // StatefulSet but orphan its pods and claims: the new one adopts them by their labels,
      // and the agents keep running meanwhile. Existing claims keep their size.
      LogMessage(LogLevel::kInfo, "flow") << ns << "/" << child << ": " << applied.status().message()
                                          << "; re-creating the StatefulSet (pods orphaned)";
      kube::DeleteOptions orphan;
      orphan.propagation_policy = "Orphan";
      Status deleted = manager_.client().Delete(*type, ns, child, orphan);
      if (!deleted.ok() && !kube::IsNotFound(deleted)) return deleted.Annotate("replacing " + child);
      applied = manager_.client().Apply(*type, object, options);
    }
    if (!applied.ok()) return applied.status().Annotate("applying " + kind + " " + child);
  }
  // Children the spec no longer wants.
  for (const auto* type : ChildTypes(manager_.settings().pod_monitors)) {
    for (const auto& child : manager_.CachedOwnedBy(*type, uid)) {
      const std::string child_name = child["metadata"].value("name", "");
      if (wanted.count(type->kind + "/" + child_name)) continue;
      Status s = manager_.client().Delete(*type, ns, child_name);
      if (!s.ok() && !kube::IsNotFound(s)) return s.Annotate("deleting " + type->kind);
      LogMessage(LogLevel::kInfo, "flow")
          << ns << "/" << flow["metadata"].value("name", "") << ": deleted " << type->kind << " "
          << child_name << " (no longer wanted)";
    }
  }
  return Status::Ok();
}

Status FlowReconciler::WriteStatus(const Json& flow, const Json& status) {
  const Json old = flow.value("status", Json::object());
  if (old == status) return Status::Ok();
  Json patch_status = status;
  for (const auto& [key, value] : old.items()) {
    if (!status.contains(key)) patch_status[key] = nullptr;  // merge patch deletes with null
  }
  auto result = manager_.client().MergePatch(res::kFlows, flow["metadata"].value("namespace", ""),
                                             flow["metadata"].value("name", ""),
                                             Json{{"status", patch_status}}, /*status=*/true);
  if (!result.ok() && !kube::IsNotFound(result.status())) {
    return result.status().Annotate("writing the status of flow " +
                                    flow["metadata"].value("name", ""));
  }
  return Status::Ok();
}

Status SetupFlowController(Manager& manager) {
  auto reconciler = std::make_shared<FlowReconciler>(manager);
  kube::Controller& controller = manager.AddController(
      "flow", [reconciler](const std::string& key) { return reconciler->Reconcile(key); });
  manager.Watch(res::kFlows, Manager::EnqueueObject(controller));
  // The controller reads its children's metadata (owner, applied digest) and the workloads'
  // status; the cache keeps only that (a pod template or a config file per Flow adds up).
  auto trim = [](Json& object) {
    const std::string kind = object.value("kind", "");
    if (kind == "Deployment" || kind == "StatefulSet") {
      if (auto spec = object.find("spec"); spec != object.end()) {
        Json kept = {{"replicas", spec->value("replicas", 1)}};
        *spec = std::move(kept);
      }
    } else {
      object.erase("spec");
      object.erase("data");
      object.erase("binaryData");
    }
  };
  for (const auto* type : ChildTypes(manager.settings().pod_monitors)) {
    manager.Watch(*type, Manager::EnqueueOwner(controller, "Flow"), kManagedSelector, trim);
  }
  return Status::Ok();
}

}  // namespace acequia::controllers
