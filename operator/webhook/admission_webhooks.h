// AdmissionWebhooks: what acequia-operator runs for its admission webhooks, in one piece — the
// CertificateRotator (Secret or directory), the WebhookServer on --webhook-bind-address, and the
// three handlers:
//   POST /mutate-pods          PodInjector (sidecar injection)
//   POST /validate-flows       ValidateFlow
//   POST /validate-importjobs  ValidateImportJob
// Every replica serves, leader or standby (like controller-runtime): the API server may call any
// pod behind the webhook Service. Threading: Start() and Stop() from one thread.
#pragma once

#include <prometheus/registry.h>

#include <memory>
#include <string>

#include "common/status.h"
#include "operator/kube/kube_client.h"
#include "operator/render/settings.h"
#include "operator/webhook/certificate_rotator.h"
#include "operator/webhook/pod_injector.h"
#include "operator/webhook/webhook_server.h"

namespace acequia::webhook {

inline constexpr const char* kMutatePodsPath = "/mutate-pods";
inline constexpr const char* kValidateFlowsPath = "/validate-flows";
inline constexpr const char* kValidateImportJobsPath = "/validate-importjobs";

struct AdmissionWebhookOptions {
  std::string host = "0.0.0.0";
  int port = 9443;
  CertificateRotatorOptions certificates;
  render::OperatorSettings settings;  // what the injected agent looks like
  std::shared_ptr<prometheus::Registry> registry;
};

class AdmissionWebhooks {
 public:
  // `client` must outlive the webhooks.
  AdmissionWebhooks(kube::KubeClient& client, AdmissionWebhookOptions options);
  ~AdmissionWebhooks();

  // Gets a certificate (an error if none can be had: nothing could be served), then serves.
  // A caBundle that cannot be written yet is only a warning: the rotator retries it.
  Status Start();
  void Stop();

 private:
  AdmissionWebhookOptions options_;
  ApiFlowLister flows_;
  PodInjector injector_;
  CertificateRotator rotator_;
  std::unique_ptr<WebhookServer> server_;
};

}  // namespace acequia::webhook
