// Tests of operator/webhook/certificate_rotator against an in-memory KubeClient: the Secret is
// created once and reused, two replicas racing to create it end up serving the same certificate,
// an expiring certificate is re-issued under the same CA, and the caBundle follows the CA.
#include "operator/webhook/certificate_rotator.h"

#include <cpprest/asyncrt_utils.h>
#include <gtest/gtest.h>

#include <map>
#include <mutex>

namespace acequia::webhook {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

// Get, Create and Update with resourceVersions, the API server's 404, 409 AlreadyExists and
// 409 Conflict; nothing else is used by the rotator.
class MemoryKubeClient : public kube::KubeClient {
 public:
  Result<Json> Get(const kube::ResourceType& type, const std::string& ns,
                   const std::string& name) override {
    std::lock_guard lock(mu_);
    ++gets;
    auto it = objects_.find(Key(type, ns, name));
    if (it == objects_.end()) return kube::ApiError(404, "NotFound", name + " not found");
    return it->second;
  }
  Result<Json> List(const kube::ResourceType&, const std::string&,
                    const kube::ListOptions&) override {
    return Status::Internal("unused");
  }
  Result<Json> Create(const kube::ResourceType& type, const Json& object) override {
    std::lock_guard lock(mu_);
    if (before_create) {
      auto hook = std::move(before_create);
      before_create = nullptr;
      mu_.unlock();
      hook();
      mu_.lock();
    }
    const std::string key =
        Key(type, object["metadata"].value("namespace", ""), object["metadata"].value("name", ""));
    if (objects_.count(key)) return kube::ApiError(409, "AlreadyExists", key + " already exists");
    Json stored = object;
    stored["metadata"]["resourceVersion"] = std::to_string(++rv_);
    ++creates;
    return objects_[key] = stored;
  }
  Result<Json> Update(const kube::ResourceType& type, const Json& object) override {
    std::lock_guard lock(mu_);
    const std::string key =
        Key(type, object["metadata"].value("namespace", ""), object["metadata"].value("name", ""));
    auto it = objects_.find(key);
    if (it == objects_.end()) return kube::ApiError(404, "NotFound", key);
    if (it->second["metadata"]["resourceVersion"] != object["metadata"]["resourceVersion"]) {
      return kube::ApiError(409, "Conflict", "the object has been modified");
    }
    Json stored = object;
    stored["metadata"]["resourceVersion"] = std::to_string(++rv_);
    ++updates;
    return it->second = stored;
  }
  Result<Json> UpdateStatus(const kube::ResourceType&, const Json&) override {
    return Status::Internal("unused");
  }
  Status Delete(const kube::ResourceType&, const std::string&, const std::string&,
                const kube::DeleteOptions&) override {
    return Status::Internal("unused");
  }
  Result<Json> MergePatch(const kube::ResourceType&, const std::string&, const std::string&,
                          const Json&, bool) override {
    return Status::Internal("unused");
  }
  Result<Json> Apply(const kube::ResourceType&, const Json&, const kube::ApplyOptions&) override {
    return Status::Internal("unused");
  }
  Result<std::unique_ptr<kube::WatchStream>> Watch(const kube::ResourceType&, const std::string&,
                                                   const kube::WatchOptions&) override {
    return Status::Internal("unused");
  }

  void Put(const kube::ResourceType& type, const std::string& ns, Json object) {
    std::lock_guard lock(mu_);
    object["metadata"]["resourceVersion"] = std::to_string(++rv_);
    objects_[Key(type, ns, object["metadata"]["name"])] = object;
  }

  std::function<void()> before_create;  // runs once, just before the next Create stores
  int gets = 0, creates = 0, updates = 0;

 private:
  static std::string Key(const kube::ResourceType& type, const std::string& ns,
                         const std::string& name) {
    return type.resource + "/" + ns + "/" + name;
  }
  std::mutex mu_;
  int64_t rv_ = 0;
  std::map<std::string, Json> objects_;
};

Json WebhookConfiguration(const std::string& kind, int hooks) {
  Json webhooks = Json::array();
  for (int i = 0; i < hooks; ++i) {
    webhooks.push_back({{"name", "hook" + std::to_string(i) + ".acequia.io"},
                        {"clientConfig", {{"service", {{"name", "acequia-webhook"}}}}}});
  }
  return {{"apiVersion", "admissionregistration.k8s.io/v1"},
          {"kind", kind},
          {"metadata", {{"name", "acequia"}}},
          {"webhooks", webhooks}};
}

CertificateRotatorOptions Options() {
  CertificateRotatorOptions options;
  options.ns = "acequia-system";
  options.service_name = "acequia-webhook";
  options.secret_name = "acequia-webhook-tls";
  options.mutating_configuration = "acequia";
  options.validating_configuration = "acequia";
  return options;
}

std::string Base64(const std::string& text) {
  return utility::conversions::to_base64(std::vector<unsigned char>(text.begin(), text.end()));
}

TEST(CertificateRotatorTest, CreatesTheSecretOnceAndPatchesEveryCaBundle) {
  MemoryKubeClient client;
  client.Put(kMutatingWebhookConfigurations, "",
             WebhookConfiguration("MutatingWebhookConfiguration", 2));
  client.Put(kValidatingWebhookConfigurations, "",
             WebhookConfiguration("ValidatingWebhookConfiguration", 2));
  CertificateRotator rotator(client, Options());
  ASSERT_TRUE(rotator.Sync().ok());
  const CertificateBundle served = rotator.Current();
  EXPECT_TRUE(CheckBundle(served, ServiceDnsNames("acequia-webhook", "acequia-system"),
                          std::chrono::system_clock::now())
                  .ok());
  auto secret = client.Get(kube::resources::kSecrets, "acequia-system", "acequia-webhook-tls");
  ASSERT_TRUE(secret.ok());
  EXPECT_EQ((*secret)["type"], "kubernetes.io/tls");
  EXPECT_EQ((*secret)["data"]["ca.crt"], Base64(served.ca_pem));
  for (const auto* type : {&kMutatingWebhookConfigurations, &kValidatingWebhookConfigurations}) {
    auto configuration = client.Get(*type, "", "acequia");
    ASSERT_TRUE(configuration.ok());
    for (const auto& hook : (*configuration)["webhooks"]) {
      EXPECT_EQ(hook["clientConfig"]["caBundle"], Base64(served.ca_pem)) << type->kind;
    }
  }

  // Nothing to do on the next tick: no write at all.
  const int updates = client.updates;
  ASSERT_TRUE(rotator.Sync().ok());
  EXPECT_EQ(client.updates, updates);
  EXPECT_EQ(client.creates, 1);

  // Another replica (or a restart) serves the same certificate.
  CertificateRotator second(client, Options());
  ASSERT_TRUE(second.Sync().ok());
  EXPECT_EQ(second.Current().cert_pem, served.cert_pem);
}

// Options without webhook configurations to patch.
CertificateRotatorOptions SecretOnly() {
  CertificateRotatorOptions options = Options();
  options.mutating_configuration = "";
  options.validating_configuration = "";
  return options;
}

TEST(CertificateRotatorTest, TheLoserOfTheCreateRaceServesTheWinnersCertificate) {
  MemoryKubeClient client;
  CertificateRotator winner(client, SecretOnly());
  CertificateRotator loser(client, SecretOnly());
  // Just before the loser's create lands, the winner creates the Secret.
  client.before_create = [&] { ASSERT_TRUE(winner.Sync().ok()); };
  Status s = loser.Sync();
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(client.creates, 1);
  EXPECT_EQ(loser.Current().cert_pem, winner.Current().cert_pem);
}

TEST(CertificateRotatorTest, AnExpiringCertificateIsReissuedUnderTheSameCa) {
  MemoryKubeClient client;
  auto now = std::chrono::system_clock::now();
  CertificateRotatorOptions options = SecretOnly();
  options.serving_validity = 24h * 30;
  options.now = [&now] { return now; };
  CertificateRotator rotator(client, options);
  ASSERT_TRUE(rotator.Sync().ok());
  const CertificateBundle first = rotator.Current();

  now += 24h * 19;  // more than a third left
  ASSERT_TRUE(rotator.Sync().ok());
  EXPECT_EQ(rotator.Current().cert_pem, first.cert_pem);

  now += 24h * 2;  // less than a third left
  ASSERT_TRUE(rotator.Sync().ok());
  const CertificateBundle second = rotator.Current();
  EXPECT_NE(second.cert_pem, first.cert_pem);
  EXPECT_EQ(second.ca_pem, first.ca_pem) << "the caBundle stays valid";
  EXPECT_TRUE(VerifyChain(second.cert_pem, first.ca_pem, now).ok());
  auto secret = client.Get(kube::resources::kSecrets, "acequia-system", "acequia-webhook-tls");
  ASSERT_TRUE(secret.ok());
  EXPECT_EQ((*secret)["data"]["tls.crt"], Base64(second.cert_pem));
}

TEST(CertificateRotatorTest, AnUnusableSecretGetsANewCaAndTheCaBundleFollows) {
  MemoryKubeClient client;
  client.Put(kMutatingWebhookConfigurations, "",
             WebhookConfiguration("MutatingWebhookConfiguration", 1));
  client.Put(kube::resources::kSecrets, "acequia-system",
             {{"apiVersion", "v1"},
              {"kind", "Secret"},
              {"metadata", {{"name", "acequia-webhook-tls"}, {"namespace", "acequia-system"}}},
              {"data", {{"tls.crt", Base64("garbage")}}}});
  CertificateRotatorOptions options = Options();
  options.validating_configuration = "";  // none to patch
  CertificateRotator rotator(client, options);
  ASSERT_TRUE(rotator.Sync().ok());
  auto configuration = client.Get(kMutatingWebhookConfigurations, "", "acequia");
  ASSERT_TRUE(configuration.ok());
  EXPECT_EQ((*configuration)["webhooks"][0]["clientConfig"]["caBundle"],
            Base64(rotator.Current().ca_pem));
}

TEST(CertificateRotatorTest, AMissingConfigurationIsAnErrorButTheCertificateIsServed) {
  MemoryKubeClient client;
  CertificateRotator rotator(client, Options());
  EXPECT_FALSE(rotator.Sync().ok());
  EXPECT_TRUE(rotator.HasCertificate());
}

}  // namespace
}  // namespace acequia::webhook
