#include "operator/render/import_render.h"

#include <algorithm>

namespace acequia::render {
namespace {

constexpr const char* kImportApp = "acequia-import";
constexpr int64_t kImportUser = 65532;  // the acequia-import image's USER (docker/)

// "/warehouse/orders/" → "/warehouse/orders" (a mount path and the plan file's directory).
std::string WithoutTrailingSlash(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

Json RestrictedContainerSecurity() {
  return Json{{"allowPrivilegeEscalation", false},
              {"readOnlyRootFilesystem", true},
              {"runAsNonRoot", true},
              {"capabilities", {{"drop", {"ALL"}}}},
              {"seccompProfile", {{"type", "RuntimeDefault"}}}};
}

Json Metadata(const Json& import_job, const std::string& name, const std::string& run,
              const std::string& phase) {
  const std::string ij = import_job.at("metadata").value("name", "");
  return ChildMetadata(import_job, name, ImportRunLabels(ij, run, phase));
}

Json PodTemplate(const Json& import_job, const api::ImportJob& run_spec,
                 const OperatorSettings& settings, const std::string& run, ImportPhase phase) {
  const std::string ij = import_job.at("metadata").value("name", "");
  const auto& target = run_spec.spec.target;
  const std::string secret = run_spec.spec.source.credentials_secret;
  const std::string plan_file = ImportPlanFile(target, run);
  const std::string job_file = std::string(kImportJobFileDir) + "/" + kImportJobFileKey;

  Json args = Json::array({ImportPhaseName(phase)});
  if (phase == ImportPhase::kRun) {
    args.push_back("--split");
    args.push_back("$(JOB_COMPLETION_INDEX)");
  }
  for (const char* a : {"--job", job_file.c_str(), "--termination-log", kTerminationLog}) {
    args.push_back(a);
  }
  if (!secret.empty()) {
    args.push_back("--credentials");
    args.push_back(kImportCredentialsDir);
  }
  if (phase == ImportPhase::kPlan) {
    args.push_back("--run-id");
    args.push_back(run);
    args.push_back("--plan-file");
  } else {
    args.push_back("--plan");
  }
  args.push_back(plan_file);

  Json mounts = Json::array({
      {{"name", "job"}, {"mountPath", kImportJobFileDir}, {"readOnly", true}},
      {{"name", "target"}, {"mountPath", WithoutTrailingSlash(target.path)}},
      {{"name", "tmp"}, {"mountPath", "/tmp"}},
  });
  Json volumes = Json::array({
      {{"name", "job"}, {"configMap", {{"name", ImportRunConfigMapName(ij, run)}}}},
      {{"name", "target"}, {"persistentVolumeClaim", {{"claimName", target.volume_claim}}}},
      {{"name", "tmp"}, {"emptyDir", Json::object()}},
  });
  if (!secret.empty()) {
    mounts.push_back(
        {{"name", "db-credentials"}, {"mountPath", kImportCredentialsDir}, {"readOnly", true}});
    volumes.push_back({{"name", "db-credentials"},
                       {"secret",
                        {{"secretName", secret},
                         {"defaultMode", 0440},
                         {"items",
                          {{{"key", "username"}, {"path", "username"}},
                           {{"key", "password"}, {"path", "password"}}}}}}});
  }

  Json container = {{"name", kImportContainerName},
                    {"image", settings.import_image},
                    {"imagePullPolicy", settings.image_pull_policy},
                    {"args", std::move(args)},
                    {"securityContext", RestrictedContainerSecurity()},
                    {"terminationMessagePath", kTerminationLog},
                    {"terminationMessagePolicy", "File"},
                    {"volumeMounts", std::move(mounts)}};
  if (phase == ImportPhase::kRun) {
    container["env"] =
        Json::array({{{"name", "JOB_COMPLETION_INDEX"},
                      {"valueFrom",
                       {{"fieldRef",
                         {{"fieldPath", std::string("metadata.annotations['") +
                                            kCompletionIndexAnnotation + "']"}}}}}}});
  }
  if (!settings.import_resources.empty()) container["resources"] = settings.import_resources;

  Json labels = ImportRunLabels(ij, run, ImportPhaseName(phase));
  return Json{{"metadata", {{"labels", std::move(labels)}}},
              {"spec",
               {{"restartPolicy", "Never"},
                {"automountServiceAccountToken", false},
                {"securityContext",
                 {{"runAsNonRoot", true},
                  {"runAsUser", kImportUser},
                  {"runAsGroup", kImportUser},
                  {"fsGroup", kImportUser},
                  {"seccompProfile", {{"type", "RuntimeDefault"}}}}},
                {"containers", Json::array({std::move(container)})},
                {"volumes", std::move(volumes)}}}};
}

}  // namespace

const char* ImportPhaseName(ImportPhase phase) {
  switch (phase) {
    case ImportPhase::kPlan:
      return "plan";
    case ImportPhase::kRun:
      return "run";
    case ImportPhase::kCommit:
      return "commit";
  }
  return "";
}

std::string ImportRunConfigMapName(const std::string& import_job, const std::string& run) {
  return ChildName(import_job, run);
}

std::string ImportRunJobName(const std::string& import_job, const std::string& run,
                             ImportPhase phase) {
  return ChildName(import_job, run + "-" + ImportPhaseName(phase));
}

std::string ImportPlanFile(const api::ImportTarget& target, const std::string& run) {
  return WithoutTrailingSlash(target.path) + "/_temporary/" + run + "/plan.json";
}

std::map<std::string, std::string> ImportRunLabels(const std::string& import_job,
                                                   const std::string& run,
                                                   const std::string& phase) {
  auto labels = StandardLabels(kImportApp, import_job, phase);
  labels[kImportJobLabel] = import_job;
  labels[kRunLabel] = run;
  if (!phase.empty()) labels[kPhaseLabel] = phase;
  return labels;
}

Json RenderImportRunConfigMap(const Json& import_job, const std::string& run,
                              const std::optional<std::string>& last_value) {
  const Json& meta = import_job.at("metadata");
  Json spec = import_job.value("spec", Json::object());
  if (last_value && spec.contains("incremental") && spec["incremental"].is_object()) {
    spec["incremental"]["lastValue"] = *last_value;
  }
  Json snapshot_meta = {{"name", meta.value("name", "")}};
  if (meta.contains("namespace")) snapshot_meta["namespace"] = meta["namespace"];
  const Json snapshot = {{"apiVersion", import_job.value("apiVersion", "acequia.io/v1alpha1")},
                         {"kind", "ImportJob"},
                         {"metadata", std::move(snapshot_meta)},
                         {"spec", std::move(spec)}};
  const std::string ij = meta.value("name", "");
  return Json{{"apiVersion", "v1"},
              {"kind", "ConfigMap"},
              {"metadata", Metadata(import_job, ImportRunConfigMapName(ij, run), run, "")},
              {"data", {{kImportJobFileKey, snapshot.dump(2) + "\n"}}}};
}

Json RenderImportPhaseJob(const Json& import_job, const api::ImportJob& run_spec,
                          const OperatorSettings& settings, const std::string& run,
                          ImportPhase phase, int split_count) {
  const std::string ij = import_job.at("metadata").value("name", "");
  const int64_t retries = run_spec.spec.backoff_limit_per_index;
  Json spec = {{"template", PodTemplate(import_job, run_spec, settings, run, phase)}};
  if (phase == ImportPhase::kRun) {
    const int64_t splits = std::max(1, split_count);
    spec["completionMode"] = "Indexed";
    spec["completions"] = splits;
    spec["parallelism"] = std::min<int64_t>(run_spec.spec.parallelism.value_or(splits), splits);
    spec["backoffLimitPerIndex"] = retries;
    // One split out of retries fails the run at once: the other splits' work would be lost.
    spec["maxFailedIndexes"] = 0;
  } else {
    spec["completions"] = 1;
    spec["parallelism"] = 1;
    spec["backoffLimit"] = retries;
  }
  return Json{{"apiVersion", "batch/v1"},
              {"kind", "Job"},
              {"metadata",
               Metadata(import_job, ImportRunJobName(ij, run, phase), run, ImportPhaseName(phase))},
              {"spec", std::move(spec)}};
}

}  // namespace acequia::render
