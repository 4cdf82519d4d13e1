// The webhook's TLS material, made with OpenSSL's C API (EVP/X509): a self-signed CA and a
// serving certificate it signs for the webhook Service's DNS names (<svc>, <svc>.<ns>,
// <svc>.<ns>.svc, <svc>.<ns>.svc.cluster.local). Keys are ECDSA P-256. Everything is PEM text,
// the way a kubernetes.io/tls Secret holds it (ca.crt, ca.key, tls.crt, tls.key).
//
// Rotation rule: a certificate is re-issued once less than a third of its validity is left
// (NeedsRotation); the CA lives ten times as long as the serving certificate, so a rotation
// usually only re-issues the serving certificate and the caBundle stays the same.
// Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/status.h"

namespace acequia::webhook {

struct CertificateBundle {
  std::string ca_pem;    // ca.crt: the caBundle of the webhook configurations
  std::string ca_key;    // ca.key: kept so the serving certificate can be re-issued alone
  std::string cert_pem;  // tls.crt
  std::string key_pem;   // tls.key
};

struct IssueOptions {
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
  std::chrono::hours serving_validity{24 * 365};  // one year
  std::chrono::hours ca_validity{24 * 365 * 10};  // ten years
};

// The Service's DNS names, in the order above.
std::vector<std::string> ServiceDnsNames(const std::string& service, const std::string& ns);

// A new CA and a serving certificate for `dns_names` (the first is also the subject CN).
Result<CertificateBundle> IssueCertificates(const std::vector<std::string>& dns_names,
                                            const IssueOptions& options = {});
// A new serving certificate for `dns_names` signed by the CA of `bundle` (ca_pem, ca_key);
// the CA stays.
Result<CertificateBundle> ReissueServingCertificate(const CertificateBundle& bundle,
                                                    const std::vector<std::string>& dns_names,
                                                    const IssueOptions& options = {});

struct CertificateInfo {
  std::chrono::system_clock::time_point not_before;
  std::chrono::system_clock::time_point not_after;
  std::vector<std::string> dns_names;  // subjectAltName DNS entries
  std::string subject_cn;
  bool is_ca = false;
};
Result<CertificateInfo> InspectCertificate(const std::string& pem);

// True when less than a third of the certificate's validity is left at `now` (or it cannot be
// read, or it has expired).
bool NeedsRotation(const std::string& pem, std::chrono::system_clock::time_point now);

// What a bundle read from a Secret or files still needs: Ok when the CA and the serving
// certificate parse, the key matches the certificate, the certificate chains to the CA, it
// names every one of `dns_names`, and neither needs rotation; otherwise the reason.
Status CheckBundle(const CertificateBundle& bundle, const std::vector<std::string>& dns_names,
                   std::chrono::system_clock::time_point now);

// Whether `cert_pem` verifies against the CA certificate `ca_pem` (OpenSSL X509_verify_cert,
// with the purpose "TLS server" and the time `now`).
Status VerifyChain(const std::string& cert_pem, const std::string& ca_pem,
                   std::chrono::system_clock::time_point now);

}  // namespace acequia::webhook
