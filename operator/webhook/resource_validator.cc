// Validating Flows and ImportJobs at admission (see resource_validator.h).
#include "operator/webhook/resource_validator.h"

#include "api/flow.h"
#include "api/import_job.h"
#include "operator/kube/yaml_json.h"
#include "operator/render/flow_render.h"

namespace acequia::webhook {
namespace {

constexpr const char* kGroup = "acequia.io";

bool SpecUnchanged(const AdmissionRequest& request) {
  return request.operation == "UPDATE" && request.old_object.is_object() &&
         request.object.is_object() &&
         request.old_object.value("spec", Json()) == request.object.value("spec", Json());
}

std::string NameOf(const AdmissionRequest& request, const char* fallback) {
  std::string name = request.object.value("metadata", Json::object()).value("name", "");
  if (name.empty()) name = request.name;
  return name.empty() ? fallback : name;
}

// "spec.sources[0].port: port 80 …" → {path, message}.
api::FieldError ToFieldError(const std::string& text) {
  const auto colon = text.find(": ");
  if (colon == std::string::npos || text.find(' ') < colon) return {"", text};
  return {text.substr(0, colon), text.substr(colon + 2)};
}

}  // namespace

std::string ManifestText(const Json& object, const std::string& kind, const std::string& ns) {
  const Json meta = object.value("metadata", Json::object());
  Json manifest = {
      {"apiVersion", object.value("apiVersion", "acequia.io/v1alpha1")},
      {"kind", kind},
      {"metadata", {{"name", meta.value("name", "")}, {"namespace", meta.value("namespace", ns)}}},
      {"spec", object.value("spec", Json::object())}};
  return kube::JsonToYaml(manifest);
}

AdmissionResponse ValidateFlow(const AdmissionRequest& request,
                               const render::OperatorSettings& settings) {
  if (request.operation != "CREATE" && request.operation != "UPDATE") {
    return AdmissionResponse::Allow(request.uid);
  }
  if (SpecUnchanged(request)) return AdmissionResponse::Allow(request.uid);
  const std::string name = NameOf(request, "flow");
  auto parsed = api::ParseFlow(ManifestText(request.object, "Flow", request.ns), name);
  if (!parsed.flow) {
    return AdmissionResponse::Invalid(request.uid, kGroup, "Flow", name, parsed.errors);
  }
  // What only shows when the Flow is rendered: ports, writable paths, names.
  Json object = request.object;
  object["metadata"]["name"] = name;
  if (!object["metadata"].contains("uid")) object["metadata"]["uid"] = "admission";
  auto rendered = render::RenderFlow(object, *parsed.flow, settings);
  if (!rendered.ok()) {
    return AdmissionResponse::Invalid(request.uid, kGroup, "Flow", name,
                                      {ToFieldError(rendered.status().message())});
  }
  return AdmissionResponse::Allow(request.uid);
}

AdmissionResponse ValidateImportJob(const AdmissionRequest& request) {
  if (request.operation != "CREATE" && request.operation != "UPDATE") {
    return AdmissionResponse::Allow(request.uid);
  }
  if (SpecUnchanged(request)) return AdmissionResponse::Allow(request.uid);
  const std::string name = NameOf(request, "import");
  auto parsed = api::ParseImportJob(ManifestText(request.object, "ImportJob", request.ns), name);
  std::vector<api::FieldError> errors = parsed.errors;
  if (parsed.job) errors = api::ClusterErrors(parsed.job->spec);
  if (!errors.empty()) {
    return AdmissionResponse::Invalid(request.uid, kGroup, "ImportJob", name, errors);
  }
  return AdmissionResponse::Allow(request.uid);
}

}  // namespace acequia::webhook
