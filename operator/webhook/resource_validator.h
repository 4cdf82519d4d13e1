// The validating webhook for Flows and ImportJobs: the same validators the agent, the importer
// and the controllers use (api::ParseFlow and render::RenderFlow's checks for a Flow;
// api::ParseImportJob and api::ClusterErrors for an ImportJob), so `kubectl apply` of a bad
// manifest fails at once with the exact field path and reason the controller would report.
// An UPDATE that leaves spec alone (a finalizer removed, labels changed) is always allowed, so an
// object admitted before a stricter validator can still be cleaned up; DELETE is not checked.
// Pure functions; thread-safe.
#pragma once

#include "operator/render/settings.h"
#include "operator/webhook/admission_review.h"

namespace acequia::webhook {

AdmissionResponse ValidateFlow(const AdmissionRequest& request,
                               const render::OperatorSettings& settings);
AdmissionResponse ValidateImportJob(const AdmissionRequest& request);

// The manifest the validators read (apiVersion, kind, metadata.name/namespace, spec) of an
// object as the API server holds it; `ns` when the object carries none.
std::string ManifestText(const Json& object, const std::string& kind, const std::string& ns);

}  // namespace acequia::webhook
