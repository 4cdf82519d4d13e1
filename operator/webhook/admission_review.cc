// AdmissionReview requests and responses (see admission_review.h).
#include "operator/webhook/admission_review.h"

#include <cpprest/asyncrt_utils.h>

namespace acequia::webhook {

constexpr const char* kAdmissionApiVersion = "admission.k8s.io/v1";

Result<AdmissionRequest> ParseAdmissionReview(const Json& review) {
  if (!review.is_object() || review.value("kind", "") != "AdmissionReview") {
    return Status::InvalidArgument("the body is not an AdmissionReview");
  }
  if (review.value("apiVersion", "") != kAdmissionApiVersion) {
    return Status::InvalidArgument("only " + std::string(kAdmissionApiVersion) +
                                   " AdmissionReviews are served, got " +
                                   review.value("apiVersion", std::string("none")));
  }
  const Json& request = review.value("request", Json());
  if (!request.is_object() || !request.contains("uid")) {
    return Status::InvalidArgument("the AdmissionReview has no request.uid");
  }
  AdmissionRequest out;
  out.uid = request.value("uid", "");
  const Json kind = request.value("kind", Json::object());
  out.kind = kind.value("kind", "");
  out.group = kind.value("group", "");
  out.operation = request.value("operation", "");
  out.ns = request.value("namespace", "");
  out.name = request.value("name", "");
  out.object = request.value("object", Json());
  out.old_object = request.value("oldObject", Json());
  out.dry_run = request.value("dryRun", false);
  return out;
}

AdmissionResponse AdmissionResponse::Allow(const std::string& uid) {
  AdmissionResponse r;
  r.response_ = {{"uid", uid}, {"allowed", true}};
  return r;
}

AdmissionResponse AdmissionResponse::Deny(const std::string& uid, int code,
                                          const std::string& reason, const std::string& message) {
  AdmissionResponse r;
  r.response_ = {
      {"uid", uid},
      {"allowed", false},
      {"status",
       {{"status", "Failure"}, {"code", code}, {"reason", reason}, {"message", message}}}};
  return r;
}

AdmissionResponse AdmissionResponse::Error(const std::string& uid, const std::string& message) {
  AdmissionResponse r = Deny(uid, 500, "InternalError", message);
  r.error_ = true;
  return r;
}

AdmissionResponse AdmissionResponse::Invalid(const std::string& uid, const std::string& group,
                                             const std::string& kind, const std::string& name,
                                             const std::vector<api::FieldError>& errors) {
  // The message reads like the API server's own validation errors:
  //   Flow.acequia.io "web" is invalid: spec.sinks[0].channel: unknown channel "x"
  std::string message = kind + "." + group + " \"" + name + "\" is invalid: ";
  Json causes = Json::array();
  for (size_t i = 0; i < errors.size(); ++i) {
    if (i > 0) message += ", ";
    message += errors[i].ToString();
    Json cause = {{"reason", "FieldValueInvalid"}, {"message", errors[i].message}};
    if (!errors[i].path.empty()) cause["field"] = errors[i].path;
    causes.push_back(std::move(cause));
  }
  AdmissionResponse r = Deny(uid, 422, "Invalid", message);
  r.response_["status"]["details"] = {
      {"name", name}, {"group", group}, {"kind", kind}, {"causes", causes}};
  return r;
}

AdmissionResponse& AdmissionResponse::WithPatch(const Json& operations) {
  if (!operations.is_array() || operations.empty()) return *this;
  const std::string text = operations.dump();
  response_["patchType"] = "JSONPatch";
  response_["patch"] =
      utility::conversions::to_base64(std::vector<unsigned char>(text.begin(), text.end()));
  return *this;
}

AdmissionResponse& AdmissionResponse::WithWarning(const std::string& warning) {
  response_["warnings"].push_back(warning);
  return *this;
}

Json AdmissionResponse::ToReview() const {
  return {
      {"apiVersion", kAdmissionApiVersion}, {"kind", "AdmissionReview"}, {"response", response_}};
}

}  // namespace acequia::webhook
