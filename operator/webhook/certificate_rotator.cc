// The webhook certificate's bootstrap and rotation (see certificate_rotator.h).
#include "operator/webhook/certificate_rotator.h"

#include <cpprest/asyncrt_utils.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/logging.h"

namespace acequia::webhook {
namespace {

namespace res = kube::resources;
using Json = nlohmann::json;

std::string ToBase64(const std::string& text) {
  return utility::conversions::to_base64(std::vector<unsigned char>(text.begin(), text.end()));
}

std::string FromBase64(const std::string& text) {
  try {
    auto bytes = utility::conversions::from_base64(text);
    return std::string(bytes.begin(), bytes.end());
  } catch (const std::exception&) {
    return "";
  }
}

CertificateBundle BundleOf(const Json& secret) {
  const Json data = secret.value("data", Json::object());
  auto field = [&](const char* key) {
    return data.is_object() && data.contains(key) && data[key].is_string()
               ? FromBase64(data[key].get<std::string>())
               : std::string();
  };
  return {field("ca.crt"), field("ca.key"), field("tls.crt"), field("tls.key")};
}

Json DataOf(const CertificateBundle& bundle) {
  return {{"ca.crt", ToBase64(bundle.ca_pem)},
          {"ca.key", ToBase64(bundle.ca_key)},
          {"tls.crt", ToBase64(bundle.cert_pem)},
          {"tls.key", ToBase64(bundle.key_pem)}};
}

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

CertificateRotator::CertificateRotator(kube::KubeClient& client, CertificateRotatorOptions options)
    : client_(client), options_(std::move(options)) {}

CertificateRotator::~CertificateRotator() { Stop(); }

CertificateBundle CertificateRotator::Current() const {
  std::lock_guard lock(mu_);
  return current_;
}

bool CertificateRotator::HasCertificate() const {
  std::lock_guard lock(mu_);
  return !current_.cert_pem.empty();
}

Result<CertificateBundle> CertificateRotator::ReadCertDir() const {
  const std::filesystem::path dir = options_.cert_dir;
  CertificateBundle bundle;
  bundle.cert_pem = ReadText(dir / "tls.crt");
  bundle.key_pem = ReadText(dir / "tls.key");
  bundle.ca_pem = ReadText(dir / "ca.crt");
  if (bundle.cert_pem.empty() || bundle.key_pem.empty()) {
    return Status::NotFound("--webhook-cert-dir " + options_.cert_dir +
                            ": tls.crt and tls.key are needed");
  }
  if (auto info = InspectCertificate(bundle.cert_pem); !info.ok()) {
    return info.status().Annotate(options_.cert_dir + "/tls.crt");
  }
  return bundle;
}

Result<CertificateBundle> CertificateRotator::EnsureSecret() {
  const auto dns = ServiceDnsNames(options_.service_name, options_.ns);
  IssueOptions issue;
  issue.serving_validity = options_.serving_validity;
  issue.ca_validity = options_.ca_validity;
  for (int attempt = 0; attempt < 5; ++attempt) {
    issue.now = options_.now();
    auto secret = client_.Get(res::kSecrets, options_.ns, options_.secret_name);
    if (!secret.ok() && !kube::IsNotFound(secret.status())) {
      return secret.status().Annotate("reading Secret " + options_.ns + "/" + options_.secret_name);
    }
    if (!secret.ok()) {
      auto bundle = IssueCertificates(dns, issue);
      if (!bundle.ok()) return bundle.status();
      Json object = {{"apiVersion", "v1"},
                     {"kind", "Secret"},
                     {"type", "kubernetes.io/tls"},
                     {"metadata",
                      {{"name", options_.secret_name},
                       {"namespace", options_.ns},
                       {"labels",
                        {{"app.kubernetes.io/managed-by", "acequia-operator"},
                         {"app.kubernetes.io/component", "webhook"}}}}},
                     {"data", DataOf(*bundle)}};
      auto created = client_.Create(res::kSecrets, object);
      if (created.ok()) {
        LogMessage(LogLevel::kInfo, "webhook")
            << "issued a CA and a serving certificate for " << dns.front() << " in Secret "
            << options_.ns << "/" << options_.secret_name;
        return *bundle;
      }
      if (kube::IsAlreadyExists(created.status())) continue;  // another replica won: read it
      return created.status().Annotate("creating Secret " + options_.ns + "/" +
                                       options_.secret_name);
    }
    CertificateBundle bundle = BundleOf(*secret);
    const Status check = CheckBundle(bundle, dns, issue.now);
    if (check.ok()) return bundle;
    // Re-issue: the serving certificate alone while the CA is readable and far from expiry.
    Result<CertificateBundle> renewed = Status::Internal("unset");
    if (!bundle.ca_pem.empty() && !bundle.ca_key.empty() &&
        !NeedsRotation(bundle.ca_pem, issue.now)) {
      renewed = ReissueServingCertificate(bundle, dns, issue);
    }
    const bool new_ca = !renewed.ok();
    if (new_ca) renewed = IssueCertificates(dns, issue);
    if (!renewed.ok()) return renewed.status();
    Json updated = *secret;
    updated["data"] = DataOf(*renewed);
    updated["type"] = "kubernetes.io/tls";
    auto written = client_.Update(res::kSecrets, updated);
    if (written.ok()) {
      LogMessage(LogLevel::kInfo, "webhook")
          << "rotated the webhook certificate (" << check.message() << ")"
          << (new_ca ? " with a new CA" : "") << " in Secret " << options_.ns << "/"
          << options_.secret_name;
      return *renewed;
    }
    if (kube::IsConflict(written.status())) continue;  // another replica rotated: read it
    return written.status().Annotate("updating Secret " + options_.ns + "/" + options_.secret_name);
  }
  return Status::Unavailable("Secret " + options_.ns + "/" + options_.secret_name +
                             " kept changing under us; retrying later");
}

Status CertificateRotator::PatchCaBundle(const kube::ResourceType& type, const std::string& name,
                                         const std::string& ca_pem) {
  if (name.empty() || ca_pem.empty()) return Status::Ok();
  const std::string ca_bundle = ToBase64(ca_pem);
  auto result = kube::RetryOnConflict([&]() -> Result<Json> {
    auto current = client_.Get(type, "", name);
    if (!current.ok()) return current.status();
    Json updated = *current;
    bool changed = false;
    for (auto& hook : updated["webhooks"]) {
      if (hook["clientConfig"].value("caBundle", "") != ca_bundle) {
        hook["clientConfig"]["caBundle"] = ca_bundle;
        changed = true;
      }
    }
    if (!changed) return *current;
    auto written = client_.Update(type, updated);
    if (written.ok()) {
      LogMessage(LogLevel::kInfo, "webhook")
          << "caBundle of " << type.kind << " " << name << " updated";
    }
    return written;
  });
  if (!result.ok()) return result.status().Annotate(type.kind + " " + name);
  return Status::Ok();
}

Status CertificateRotator::Sync() {
  Result<CertificateBundle> bundle = options_.cert_dir.empty() ? EnsureSecret() : ReadCertDir();
  if (!bundle.ok()) return bundle.status();
  {
    std::lock_guard lock(mu_);
    current_ = *bundle;
  }
  if (!options_.cert_dir.empty()) return Status::Ok();
  Status mutating = PatchCaBundle(kMutatingWebhookConfigurations, options_.mutating_configuration,
                                  bundle->ca_pem);
  Status validating = PatchCaBundle(kValidatingWebhookConfigurations,
                                    options_.validating_configuration, bundle->ca_pem);
  return mutating.ok() ? validating : mutating;
}

void CertificateRotator::Start() {
  {
    std::lock_guard lock(loop_mu_);
    stopping_ = false;
  }
  loop_ = std::thread([this] {
    std::unique_lock lock(loop_mu_);
    while (!loop_cv_.wait_for(lock, options_.check_interval, [this] { return stopping_; })) {
      lock.unlock();
      if (Status s = Sync(); !s.ok()) {
        LogMessage(LogLevel::kWarn, "webhook") << "certificate check: " << s.message();
      }
      lock.lock();
    }
  });
}

void CertificateRotator::Stop() {
  {
    std::lock_guard lock(loop_mu_);
    stopping_ = true;
  }
  loop_cv_.notify_all();
  if (loop_.joinable()) loop_.join();
}

}  // namespace acequia::webhook
