// admission.k8s.io/v1 AdmissionReview: reading the request the API server sends and building the
// response it expects (allowed, status with reason and causes, a base64 JSONPatch, warnings).
// Pure functions on JSON; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/field_error.h"
#include "common/status.h"

namespace acequia::webhook {

using Json = nlohmann::json;

struct AdmissionRequest {
  std::string uid;
  std::string kind;       // request.kind.kind: "Pod", "Flow", …
  std::string group;      // request.kind.group
  std::string operation;  // CREATE | UPDATE | DELETE | CONNECT
  std::string ns;         // request.namespace
  std::string name;       // request.name (empty for generateName)
  Json object;            // request.object (null for DELETE)
  Json old_object;        // request.oldObject (UPDATE and DELETE)
  bool dry_run = false;
};

// InvalidArgument when `review` is not an admission.k8s.io/v1 AdmissionReview with a request.
Result<AdmissionRequest> ParseAdmissionReview(const Json& review);

// The response half of an AdmissionReview.
class AdmissionResponse {
 public:
  static AdmissionResponse Allow(const std::string& uid);
  // allowed: false with status {code, reason, message}.
  static AdmissionResponse Deny(const std::string& uid, int code, const std::string& reason,
                                const std::string& message);
  // allowed: false, code 422, reason Invalid, details.causes with each error's field path.
  static AdmissionResponse Invalid(const std::string& uid, const std::string& group,
                                   const std::string& kind, const std::string& name,
                                   const std::vector<api::FieldError>& errors);

  // Not a decision: the webhook could not decide (the API server was unreachable). The server
  // answers HTTP 500, so the webhook configuration's failurePolicy decides (Ignore: admitted
  // unchanged; Fail: refused).
  static AdmissionResponse Error(const std::string& uid, const std::string& message);
  bool is_error() const { return error_; }

  // Sets the RFC 6902 patch (an array of operations); an empty array sets nothing.
  AdmissionResponse& WithPatch(const Json& operations);
  AdmissionResponse& WithWarning(const std::string& warning);

  bool allowed() const { return response_.value("allowed", false); }
  const Json& response() const { return response_; }
  // The whole AdmissionReview to send back.
  Json ToReview() const;

 private:
  Json response_;
  bool error_ = false;
};

}  // namespace acequia::webhook
