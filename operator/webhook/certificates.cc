// The webhook's CA and serving certificate with OpenSSL's C API (see certificates.h).
#include "operator/webhook/certificates.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>
#include <memory>

namespace acequia::webhook {
namespace {

using Clock = std::chrono::system_clock;

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE, X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX, X509_STORE_CTX_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

// The reason OpenSSL gave last, for error messages; clears OpenSSL's error queue.
std::string OpenSslError(const std::string& what) {
  std::string reasons;
  while (unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    if (!reasons.empty()) reasons += "; ";
    reasons += buffer;
  }
  return what + (reasons.empty() ? "" : ": " + reasons);
}

PkeyPtr NewKey() { return PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); }

std::string ToPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

std::string ToPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

X509Ptr ReadCert(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

PkeyPtr ReadKey(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return PkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

bool AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

// A certificate for `key` named `cn`, signed by `issuer_key` (issuer null: self-signed).
Result<X509Ptr> MakeCertificate(EVP_PKEY* key, const std::string& cn, X509* issuer,
                                EVP_PKEY* issuer_key, bool ca,
                                const std::vector<std::string>& dns_names, Clock::time_point now,
                                std::chrono::hours validity) {
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), 2) != 1)
    return Status::Internal(OpenSslError("X509_new"));
  BnPtr serial(BN_new());
  if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return Status::Internal(OpenSslError("serial number"));
  }
  // Backdated a little: clocks of the API servers and this pod may disagree.
  const time_t start = Clock::to_time_t(now - std::chrono::minutes(5));
  const time_t end = Clock::to_time_t(now + validity);
  if (ASN1_TIME_set(X509_getm_notBefore(cert.get()), start) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), end) == nullptr) {
    return Status::Internal(OpenSslError("validity"));
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("acequia"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  if (X509_set_pubkey(cert.get(), key) != 1) return Status::Internal(OpenSslError("public key"));

  X509* issuer_cert = issuer ? issuer : cert.get();
  bool ok = AddExtension(cert.get(), issuer_cert, NID_subject_key_identifier, "hash") &&
            AddExtension(cert.get(), issuer_cert, NID_authority_key_identifier, "keyid:always");
  if (ca) {
    ok = ok && AddExtension(cert.get(), issuer_cert, NID_basic_constraints, "critical,CA:TRUE") &&
         AddExtension(cert.get(), issuer_cert, NID_key_usage,
                      "critical,digitalSignature,keyCertSign,cRLSign");
  } else {
    std::string san;
    for (const auto& dns : dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + dns;
    ok = ok && AddExtension(cert.get(), issuer_cert, NID_basic_constraints, "critical,CA:FALSE") &&
         AddExtension(cert.get(), issuer_cert, NID_key_usage,
                      "critical,digitalSignature,keyEncipherment") &&
         AddExtension(cert.get(), issuer_cert, NID_ext_key_usage, "serverAuth") &&
         (san.empty() || AddExtension(cert.get(), issuer_cert, NID_subject_alt_name, san));
  }
  if (!ok) return Status::Internal(OpenSslError("certificate extensions"));
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) == 0) {
    return Status::Internal(OpenSslError("signing the certificate"));
  }
  return cert;
}

Clock::time_point ToTimePoint(const ASN1_TIME* time) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(time, &tm) != 1) return Clock::time_point{};
  return Clock::from_time_t(timegm(&tm));
}

}  // namespace

std::vector<std::string> ServiceDnsNames(const std::string& service, const std::string& ns) {
  return {service, service + "." + ns, service + "." + ns + ".svc",
          service + "." + ns + ".svc.cluster.local"};
}

Result<CertificateBundle> IssueCertificates(const std::vector<std::string>& dns_names,
                                            const IssueOptions& options) {
  PkeyPtr ca_key = NewKey();
  if (!ca_key) return Status::Internal(OpenSslError("generating the CA key"));
  auto ca = MakeCertificate(ca_key.get(), "acequia-webhook-ca", nullptr, ca_key.get(), true, {},
                            options.now, options.ca_validity);
  if (!ca.ok()) return ca.status();
  CertificateBundle bundle;
  bundle.ca_pem = ToPem(ca->get());
  bundle.ca_key = ToPem(ca_key.get());
  return ReissueServingCertificate(bundle, dns_names, options);
}

Result<CertificateBundle> ReissueServingCertificate(const CertificateBundle& bundle,
                                                    const std::vector<std::string>& dns_names,
                                                    const IssueOptions& options) {
  if (dns_names.empty()) return Status::InvalidArgument("a serving certificate needs a DNS name");
  X509Ptr ca = ReadCert(bundle.ca_pem);
  PkeyPtr ca_key = ReadKey(bundle.ca_key);
  if (!ca || !ca_key) return Status::InvalidArgument(OpenSslError("reading the CA"));
  if (X509_check_private_key(ca.get(), ca_key.get()) != 1) {
    return Status::InvalidArgument(OpenSslError("the CA key does not match the CA certificate"));
  }
  PkeyPtr key = NewKey();
  if (!key) return Status::Internal(OpenSslError("generating the serving key"));
  auto cert = MakeCertificate(key.get(), dns_names.front(), ca.get(), ca_key.get(), false,
                              dns_names, options.now, options.serving_validity);
  if (!cert.ok()) return cert.status();
  CertificateBundle out = bundle;
  out.cert_pem = ToPem(cert->get());
  out.key_pem = ToPem(key.get());
  return out;
}

Result<CertificateInfo> InspectCertificate(const std::string& pem) {
  X509Ptr cert = ReadCert(pem);
  if (!cert) return Status::InvalidArgument(OpenSslError("not a PEM certificate"));
  CertificateInfo info;
  info.not_before = ToTimePoint(X509_get0_notBefore(cert.get()));
  info.not_after = ToTimePoint(X509_get0_notAfter(cert.get()));
  info.is_ca = X509_check_ca(cert.get()) > 0;
  char cn[256] = {};
  if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName, cn, sizeof cn) >
      0) {
    info.subject_cn = cn;
  }
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr));
  if (names != nullptr) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
      if (name->type != GEN_DNS) continue;
      const ASN1_STRING* dns = name->d.dNSName;
      info.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                  static_cast<size_t>(ASN1_STRING_length(dns)));
    }
    GENERAL_NAMES_free(names);
  }
  ERR_clear_error();
  return info;
}

bool NeedsRotation(const std::string& pem, Clock::time_point now) {
  auto info = InspectCertificate(pem);
  if (!info.ok()) return true;
  const auto validity = info->not_after - info->not_before;
  return now >= info->not_after || (info->not_after - now) * 3 < validity;
}

Status VerifyChain(const std::string& cert_pem, const std::string& ca_pem, Clock::time_point now) {
  X509Ptr cert = ReadCert(cert_pem);
  X509Ptr ca = ReadCert(ca_pem);
  if (!cert || !ca) return Status::InvalidArgument(OpenSslError("reading the certificates"));
  StorePtr store(X509_STORE_new());
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !ctx || X509_STORE_add_cert(store.get(), ca.get()) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr) != 1) {
    return Status::Internal(OpenSslError("X509_STORE"));
  }
  X509_STORE_CTX_set_time(ctx.get(), 0, Clock::to_time_t(now));
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
  if (X509_verify_cert(ctx.get()) != 1) {
    const int error = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    return Status::InvalidArgument(std::string("the certificate does not verify against the CA: ") +
                                   X509_verify_cert_error_string(error));
  }
  return Status::Ok();
}

Status CheckBundle(const CertificateBundle& bundle, const std::vector<std::string>& dns_names,
                   Clock::time_point now) {
  if (bundle.ca_pem.empty() || bundle.cert_pem.empty() || bundle.key_pem.empty()) {
    return Status::NotFound("the CA or the serving certificate or key is missing");
  }
  X509Ptr cert = ReadCert(bundle.cert_pem);
  PkeyPtr key = ReadKey(bundle.key_pem);
  if (!cert || !key) return Status::InvalidArgument(OpenSslError("unreadable certificate or key"));
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return Status::InvalidArgument("the key does not match the serving certificate");
  }
  if (Status s = VerifyChain(bundle.cert_pem, bundle.ca_pem, now); !s.ok()) return s;
  auto info = InspectCertificate(bundle.cert_pem);
  if (!info.ok()) return info.status();
  for (const auto& name : dns_names) {
    if (std::find(info->dns_names.begin(), info->dns_names.end(), name) == info->dns_names.end()) {
      return Status::InvalidArgument("the serving certificate does not name " + name);
    }
  }
  if (NeedsRotation(bundle.ca_pem, now)) {
    return Status::DeadlineExceeded("the CA is close to expiry");
  }
  if (NeedsRotation(bundle.cert_pem, now)) {
    return Status::DeadlineExceeded("the serving certificate is close to expiry");
  }
  return Status::Ok();
}

}  // namespace acequia::webhook
