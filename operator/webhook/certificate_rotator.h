// CertificateRotator: keeps the webhook's serving certificate valid and the API server trusting
// it, without cert-manager.
//
// Secret mode (the default): the material lives in the Secret `secret_name` of `ns` (type
// kubernetes.io/tls; keys ca.crt, ca.key, tls.crt, tls.key). Every replica runs the same loop —
// Sync() at start and then every `check_interval`:
//   1. read the Secret; if it is missing, issue a CA and a serving certificate for the Service's
//      DNS names and create it — when another replica won the race (409 AlreadyExists) read
//      theirs instead;
//   2. if what it holds is unusable, names other DNS names, or less than a third of a
//      certificate's validity is left, re-issue (the serving certificate alone while the CA is
//      good) and update the Secret with its resourceVersion (409 Conflict: start over, someone
//      else rotated);
//   3. serve what the Secret holds, and write ca.crt into clientConfig.caBundle of every webhook
//      of the MutatingWebhookConfiguration and the ValidatingWebhookConfiguration (when named and
//      when it differs; a configuration that does not exist yet is retried on the next tick).
// So the Secret is only written when it is missing or expiring, and a standby replica serves the
// same certificate as the leader.
//
// Directory mode (`cert_dir` set): tls.crt and tls.key are read from the directory (e.g. a
// cert-manager Certificate's Secret mounted there) and re-read every tick; the Secret and the
// caBundle are someone else's business (cert-manager's CA injector).
//
// Threading: Current() is thread-safe (called per TLS connection); Sync() and Start()/Stop()
// from one thread. `client` must outlive the rotator.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"
#include "operator/kube/kube_client.h"
#include "operator/kube/resources.h"
#include "operator/webhook/certificates.h"

namespace acequia::webhook {

inline const kube::ResourceType kMutatingWebhookConfigurations{
    "admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations",
    "MutatingWebhookConfiguration", false};
inline const kube::ResourceType kValidatingWebhookConfigurations{
    "admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations",
    "ValidatingWebhookConfiguration", false};

struct CertificateRotatorOptions {
  std::string ns;            // where the Secret and the Service live
  std::string service_name;  // the webhook Service: the certificate's DNS names
  std::string secret_name;
  std::string mutating_configuration;    // empty: none to patch
  std::string validating_configuration;  // empty: none to patch
  std::string cert_dir;                  // set: directory mode
  std::chrono::milliseconds check_interval{std::chrono::minutes(1)};
  std::chrono::hours serving_validity{24 * 365};
  std::chrono::hours ca_validity{24 * 365 * 10};
  std::function<std::chrono::system_clock::time_point()> now = [] {
    return std::chrono::system_clock::now();
  };
};

class CertificateRotator {
 public:
  CertificateRotator(kube::KubeClient& client, CertificateRotatorOptions options);
  ~CertificateRotator();
  CertificateRotator(const CertificateRotator&) = delete;
  CertificateRotator& operator=(const CertificateRotator&) = delete;

  // One round of the loop above. An error leaves the current certificate in place.
  Status Sync();
  // Sync() every check_interval on a thread of its own (after a first Sync() by the caller).
  void Start();
  void Stop();

  // The certificate being served (empty before the first successful Sync()).
  CertificateBundle Current() const;
  bool HasCertificate() const;

 private:
  Result<CertificateBundle> EnsureSecret();
  Result<CertificateBundle> ReadCertDir() const;
  Status PatchCaBundle(const kube::ResourceType& type, const std::string& name,
                       const std::string& ca_pem);

  kube::KubeClient& client_;
  CertificateRotatorOptions options_;
  mutable std::mutex mu_;
  CertificateBundle current_;
  std::mutex loop_mu_;
  std::condition_variable loop_cv_;
  bool stopping_ = false;
  std::thread loop_;
};

}  // namespace acequia::webhook
