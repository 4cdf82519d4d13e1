// Tests of operator/webhook/certificates: what the API server will check of the webhook's
// certificate (the Service's DNS names, a chain to the caBundle, serverAuth) and when it is
// rotated.
#include "operator/webhook/certificates.h"

#include <gtest/gtest.h>

namespace acequia::webhook {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

TEST(CertificatesTest, ServingCertificateNamesTheServiceAndChainsToTheCa) {
  const auto dns = ServiceDnsNames("acequia-webhook", "acequia-system");
  ASSERT_EQ(dns.size(), 4u);
  EXPECT_EQ(dns[3], "acequia-webhook.acequia-system.svc.cluster.local");
  auto bundle = IssueCertificates(dns);
  ASSERT_TRUE(bundle.ok()) << bundle.status().ToString();

  auto cert = InspectCertificate(bundle->cert_pem);
  ASSERT_TRUE(cert.ok()) << cert.status().ToString();
  EXPECT_EQ(cert->dns_names, dns);
  EXPECT_EQ(cert->subject_cn, "acequia-webhook");
  EXPECT_FALSE(cert->is_ca);
  auto ca = InspectCertificate(bundle->ca_pem);
  ASSERT_TRUE(ca.ok());
  EXPECT_TRUE(ca->is_ca);

  const auto now = Clock::now();
  EXPECT_TRUE(VerifyChain(bundle->cert_pem, bundle->ca_pem, now).ok());
  EXPECT_TRUE(CheckBundle(*bundle, dns, now).ok()) << CheckBundle(*bundle, dns, now).ToString();
  EXPECT_NE(bundle->key_pem.find("BEGIN PRIVATE KEY"), std::string::npos);
}

TEST(CertificatesTest, ACertificateOfAnotherCaOrNameIsRejected) {
  const auto dns = ServiceDnsNames("acequia-webhook", "ns");
  auto one = IssueCertificates(dns);
  auto other = IssueCertificates(dns);
  ASSERT_TRUE(one.ok() && other.ok());
  const auto now = Clock::now();
  EXPECT_FALSE(VerifyChain(one->cert_pem, other->ca_pem, now).ok());
  CertificateBundle mixed = *one;
  mixed.ca_pem = other->ca_pem;
  EXPECT_FALSE(CheckBundle(mixed, dns, now).ok());
  mixed = *one;
  mixed.key_pem = other->key_pem;
  EXPECT_FALSE(CheckBundle(mixed, dns, now).ok());
  EXPECT_FALSE(CheckBundle(*one, ServiceDnsNames("renamed", "ns"), now).ok());
  EXPECT_FALSE(CheckBundle(CertificateBundle{}, dns, now).ok());
}

TEST(CertificatesTest, RotationOnceLessThanAThirdOfTheValidityIsLeft) {
  IssueOptions options;
  options.serving_validity = 24h * 90;
  auto bundle = IssueCertificates({"svc"}, options);
  ASSERT_TRUE(bundle.ok());
  const auto issued = options.now;
  EXPECT_FALSE(NeedsRotation(bundle->cert_pem, issued));
  EXPECT_FALSE(NeedsRotation(bundle->cert_pem, issued + 24h * 59));
  EXPECT_TRUE(NeedsRotation(bundle->cert_pem, issued + 24h * 61));
  EXPECT_TRUE(NeedsRotation(bundle->cert_pem, issued + 24h * 91));  // expired
  EXPECT_TRUE(NeedsRotation("not a certificate", issued));
  EXPECT_FALSE(CheckBundle(*bundle, {"svc"}, issued + 24h * 61).ok());
  EXPECT_FALSE(VerifyChain(bundle->cert_pem, bundle->ca_pem, issued + 24h * 91).ok());
}

TEST(CertificatesTest, ReissuingTheServingCertificateKeepsTheCa) {
  auto first = IssueCertificates({"svc"});
  ASSERT_TRUE(first.ok());
  auto second = ReissueServingCertificate(*first, {"svc", "svc.ns"});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->ca_pem, first->ca_pem);
  EXPECT_NE(second->cert_pem, first->cert_pem);
  EXPECT_NE(second->key_pem, first->key_pem);
  EXPECT_TRUE(CheckBundle(*second, {"svc", "svc.ns"}, Clock::now()).ok());
  CertificateBundle broken = *first;
  broken.ca_key = second->key_pem;  // not the CA's key
  EXPECT_FALSE(ReissueServingCertificate(broken, {"svc"}).ok());
}

}  // namespace
}  // namespace acequia::webhook
