// The operator's admission webhooks, assembled (see admission_webhooks.h).
#include "operator/webhook/admission_webhooks.h"

#include "common/logging.h"
#include "operator/webhook/resource_validator.h"

namespace acequia::webhook {

AdmissionWebhooks::AdmissionWebhooks(kube::KubeClient& client, AdmissionWebhookOptions options)
    : options_(std::move(options)),
      flows_(client),
      injector_(flows_, options_.settings),
      rotator_(client, options_.certificates) {}

AdmissionWebhooks::~AdmissionWebhooks() { Stop(); }

Status AdmissionWebhooks::Start() {
  if (Status s = rotator_.Sync(); !s.ok()) {
    if (!rotator_.HasCertificate()) return s.Annotate("webhook certificate");
    LogMessage(LogLevel::kWarn, "webhook")
        << s.message() << " (retrying every " << options_.certificates.check_interval.count()
        << " ms)";
  }
  WebhookServer::Options server_options;
  server_options.host = options_.host;
  server_options.port = options_.port;
  server_options.registry = options_.registry;
  server_ = std::make_unique<WebhookServer>(server_options, [this] { return rotator_.Current(); });
  server_->Handle(kMutatePodsPath,
                  [this](const AdmissionRequest& request) { return injector_.Review(request); });
  const render::OperatorSettings settings = options_.settings;
  server_->Handle(kValidateFlowsPath, [settings](const AdmissionRequest& request) {
    return ValidateFlow(request, settings);
  });
  server_->Handle(kValidateImportJobsPath,
                  [](const AdmissionRequest& request) { return ValidateImportJob(request); });
  if (Status s = server_->Start(); !s.ok()) {
    server_.reset();
    return s;
  }
  rotator_.Start();
  LogMessage(LogLevel::kInfo, "webhook")
      << "serving admission webhooks on https://" << options_.host << ":" << options_.port;
  return Status::Ok();
}

void AdmissionWebhooks::Stop() {
  rotator_.Stop();
  if (server_) server_->Stop();
  server_.reset();
}

}  // namespace acequia::webhook
