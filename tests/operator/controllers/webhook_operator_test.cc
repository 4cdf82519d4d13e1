// The acequia-operator binary's admission webhooks end to end: the operator issues its CA and
// serving certificate into a Secret, writes the CA into the caBundle of the webhook
// configurations the test created with kubectl, and answers AdmissionReviews over real HTTPS —
// the test verifies the server's certificate against the CA from the Secret and the Service's DNS
// name, as the API server does.
#include <cpprest/asyncrt_utils.h>
#include <gtest/gtest.h>

#include <fstream>

// clang-format off
#include "common/asio.h"
#include <boost/asio/ssl.hpp>
// clang-format on

#include "operator/kube/yaml_json.h"
#include "operator/webhook/certificates.h"
#include "tests/operator/controllers/support/operator_harness.h"

namespace acequia::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kServiceDns = "acequia-webhook.default.svc";

std::string Example(const std::string& name) {
  return std::string(ACEQUIA_SOURCE_DIR) + "/examples/flows/" + name;
}

std::string Decode(const std::string& base64) {
  auto bytes = utility::conversions::from_base64(base64);
  return std::string(bytes.begin(), bytes.end());
}

constexpr const char* kWebhookConfigurations = R"(
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: acequia}
webhooks:
  - name: inject.acequia.io
    admissionReviewVersions: [v1]
    sideEffects: None
    failurePolicy: Ignore
    clientConfig:
      service: {name: acequia-webhook, namespace: default, path: /mutate-pods, port: 443}
    rules:
      - {apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [pods]}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: acequia}
webhooks:
  - name: flows.acequia.io
    admissionReviewVersions: [v1]
    sideEffects: None
    failurePolicy: Fail
    clientConfig:
      service: {name: acequia-webhook, namespace: default, path: /validate-flows, port: 443}
    rules:
      - {apiGroups: [acequia.io], apiVersions: [v1alpha1], operations: [CREATE, UPDATE], resources: [flows]}
  - name: importjobs.acequia.io
    admissionReviewVersions: [v1]
    sideEffects: None
    failurePolicy: Fail
    clientConfig:
      service: {name: acequia-webhook, namespace: default, path: /validate-importjobs, port: 443}
    rules:
      - {apiGroups: [acequia.io], apiVersions: [v1alpha1], operations: [CREATE, UPDATE], resources: [importjobs]}
)";

struct HttpsReply {
  int status = 0;
  std::string body;
  std::string error;  // TLS or connection failure
};

// POSTs `body` to https://127.0.0.1:port/path, trusting only `ca_pem` and requiring the server's
// certificate to name `host` — what the API server checks when it calls a webhook Service.
HttpsReply PostHttps(int port, const std::string& host, const std::string& ca_pem,
                     const std::string& path, const std::string& body) {
  namespace ssl = boost::asio::ssl;
  using tcp = boost::asio::ip::tcp;
  HttpsReply reply;
  boost::asio::io_context io;
  ssl::context ctx(ssl::context::tls_client);
  boost::system::error_code ec;
  ctx.add_certificate_authority(boost::asio::buffer(ca_pem.data(), ca_pem.size()), ec);
  if (ec) {
    reply.error = "CA: " + ec.message();
    return reply;
  }
  ctx.set_verify_mode(ssl::verify_peer);
  ssl::stream<tcp::socket> stream(io, ctx);
  SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
  stream.set_verify_callback(ssl::host_name_verification(host));
  stream.lowest_layer().connect(
      tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)), ec);
  if (!ec) stream.handshake(ssl::stream_base::client, ec);
  if (ec) {
    reply.error = "TLS: " + ec.message();
    return reply;
  }
  const std::string request =
      "POST " + path + " HTTP/1.1\r\nHost: " + host +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n\r\n" + body;
  boost::asio::write(stream, boost::asio::buffer(request), ec);
  std::string response;
  boost::asio::read(stream, boost::asio::dynamic_buffer(response), ec);  // to EOF
  const auto space = response.find(' ');
  const auto head_end = response.find("\r\n\r\n");
  if (space == std::string::npos || head_end == std::string::npos) {
    reply.error = "no HTTP response: " + ec.message();
    return reply;
  }
  reply.status = std::stoi(response.substr(space + 1, 3));
  reply.body = response.substr(head_end + 4);
  return reply;
}

Json Review(const std::string& uid, const std::string& group, const std::string& kind,
            const std::string& ns, const Json& object) {
  return {{"apiVersion", "admission.k8s.io/v1"},
          {"kind", "AdmissionReview"},
          {"request",
           {{"uid", uid},
            {"kind",
             {{"group", group}, {"version", group.empty() ? "v1" : "v1alpha1"}, {"kind", kind}}},
            {"namespace", ns},
            {"name", object["metadata"].value("name", "")},
            {"operation", "CREATE"},
            {"object", object}}}};
}

class WebhookOperatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto applied = h_.Kubectl("apply -f -", kWebhookConfigurations);
    ASSERT_EQ(applied.code, 0) << applied.output;
  }

  // The Secret the operator keeps its certificates in, once it exists.
  std::optional<Json> WaitForSecret() {
    return h_.WaitForObject("v1", "secrets", "default", "acequia-webhook-tls");
  }

  Json Post(const std::string& path, const Json& review, const std::string& ca_pem) {
    HttpsReply reply = PostHttps(h_.webhook_port(), kServiceDns, ca_pem, path, review.dump());
    EXPECT_EQ(reply.error, "");
    EXPECT_EQ(reply.status, 200) << reply.body;
    Json body = Json::parse(reply.body, nullptr, false);
    EXPECT_FALSE(body.is_discarded()) << reply.body;
    return body;
  }

  OperatorHarness h_;
};

TEST_F(WebhookOperatorTest, IssuesACertificateAndPatchesTheCaBundle) {
  ASSERT_TRUE(h_.StartOperator());
  auto secret = WaitForSecret();
  ASSERT_TRUE(secret) << h_.operator_process()->Stderr();
  EXPECT_EQ((*secret)["type"], "kubernetes.io/tls");
  const std::string ca = Decode((*secret)["data"]["ca.crt"]);
  const std::string cert = Decode((*secret)["data"]["tls.crt"]);
  EXPECT_TRUE(webhook::VerifyChain(cert, ca, std::chrono::system_clock::now()).ok());
  auto info = webhook::InspectCertificate(cert);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->dns_names, webhook::ServiceDnsNames("acequia-webhook", "default"));

  const std::string ca_bundle = (*secret)["data"]["ca.crt"];
  auto bundled = [&](const Json& configuration) {
    for (const auto& hook : configuration["webhooks"]) {
      if (hook["clientConfig"].value("caBundle", "") != ca_bundle) return false;
    }
    return true;
  };
  EXPECT_TRUE(h_.WaitForObject("admissionregistration.k8s.io/v1", "mutatingwebhookconfigurations",
                               "", "acequia", bundled))
      << h_.operator_process()->Stderr();
  EXPECT_TRUE(h_.WaitForObject("admissionregistration.k8s.io/v1", "validatingwebhookconfigurations",
                               "", "acequia", bundled));

  // A client that trusts another CA is refused the handshake.
  auto stranger = webhook::IssueCertificates({"x"});
  ASSERT_TRUE(stranger.ok());
  EXPECT_NE(
      PostHttps(h_.webhook_port(), kServiceDns, stranger->ca_pem, "/validate-flows", "{}").error,
      "");

  // A restart reuses the Secret: the API servers' caBundle stays valid.
  ASSERT_EQ(h_.StopOperator(), 0) << h_.operator_process()->Stderr();
  ASSERT_TRUE(h_.StartOperator());
  auto again = h_.Get("v1", "secrets", "default", "acequia-webhook-tls");
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)["data"], (*secret)["data"]);
  EXPECT_EQ(PostHttps(h_.webhook_port(), kServiceDns, ca, "/validate-flows", "{}").status, 400);
}

TEST_F(WebhookOperatorTest, InvalidFlowsAndImportJobsAreRefusedWithTheirFieldPaths) {
  ASSERT_TRUE(h_.StartOperator());
  auto secret = WaitForSecret();
  ASSERT_TRUE(secret);
  const std::string ca = Decode((*secret)["data"]["ca.crt"]);

  auto flow = acequia::kube::ParseYamlOrJson(R"(
apiVersion: acequia.io/v1alpha1
kind: Flow
metadata: {name: web, namespace: default}
spec:
  sources: [{name: in, type: netcat, port: 6666, channels: [main]}]
  channels: [{name: main, type: memory}]
  sinks: [{name: out, type: logger, channel: nowhere}]
)");
  ASSERT_TRUE(flow.ok());
  Json answer = Post("/validate-flows", Review("r-1", "acequia.io", "Flow", "default", *flow), ca);
  EXPECT_EQ(answer["response"]["uid"], "r-1");
  EXPECT_EQ(answer["response"]["allowed"], false);
  EXPECT_EQ(answer["response"]["status"]["reason"], "Invalid");
  EXPECT_EQ(answer["response"]["status"]["details"]["causes"][0]["field"], "spec.sinks[0].channel")
      << answer.dump();

  (*flow)["spec"]["sinks"][0]["channel"] = "main";
  answer = Post("/validate-flows", Review("r-2", "acequia.io", "Flow", "default", *flow), ca);
  EXPECT_EQ(answer["response"]["allowed"], true) << answer.dump();

  Json job = {{"apiVersion", "acequia.io/v1alpha1"},
              {"kind", "ImportJob"},
              {"metadata", {{"name", "orders"}, {"namespace", "default"}}},
              {"spec",
               {{"source", {{"driver", "sqlite"}, {"database", "/data/shop.db"}, {"table", "t"}}},
                {"target", {{"path", "/warehouse/orders"}}}}}};
  answer =
      Post("/validate-importjobs", Review("r-3", "acequia.io", "ImportJob", "default", job), ca);
  EXPECT_EQ(answer["response"]["allowed"], false);
  EXPECT_NE(answer["response"]["status"]["message"].get<std::string>().find(
                "spec.target.volume.persistentVolumeClaim"),
            std::string::npos)
      << answer.dump();
}

TEST_F(WebhookOperatorTest, APodGetsTheSidecarTheFlowsStatusShows) {
  ASSERT_TRUE(h_.StartOperator());
  auto secret = WaitForSecret();
  ASSERT_TRUE(secret);
  const std::string ca = Decode((*secret)["data"]["ca.crt"]);
  ASSERT_EQ(h_.Kubectl("apply -f " + Example("sidecar.yaml")).code, 0);
  auto flow = h_.WaitForObject(
      "acequia.io/v1alpha1", "flows", "default", "app-logs",
      [](const Json& f) { return f.contains("status") && f["status"].contains("sidecar"); });
  ASSERT_TRUE(flow) << h_.operator_process()->Stderr();

  Json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"generateName", "web-"}, {"labels", {{"app", "web"}}}}},
              {"spec", {{"containers", Json::array({{{"name", "web"}, {"image", "nginx"}}})}}}};
  Json answer = Post("/mutate-pods", Review("p-1", "", "Pod", "default", pod), ca);
  ASSERT_EQ(answer["response"]["allowed"], true) << answer.dump();
  ASSERT_EQ(answer["response"]["patchType"], "JSONPatch");
  const Json patched = pod.patch(Json::parse(Decode(answer["response"]["patch"])));
  EXPECT_EQ(patched["spec"]["initContainers"][0],
            (*flow)["status"]["sidecar"]["initContainers"][0]);
  EXPECT_EQ(patched["spec"]["initContainers"][0]["image"], "registry.test/acequia-agent:e2e");

  // A pod asking for a Flow the namespace does not have is refused, naming both.
  pod["metadata"]["labels"]["acequia.io/flow"] = "missing";
  answer = Post("/mutate-pods", Review("p-2", "", "Pod", "default", pod), ca);
  EXPECT_EQ(answer["response"]["allowed"], false);
  const std::string message = answer["response"]["status"]["message"];
  EXPECT_NE(message.find("\"missing\" in namespace \"default\""), std::string::npos) << message;
}

TEST_F(WebhookOperatorTest, AStandbyReplicaServesTooAndEveryRequestIsInTheChartsRbac) {
  auto rules = ChartRbacRules();
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  // Someone else holds the lease: this replica stays a standby.
  ASSERT_EQ(h_.Kubectl("apply -f -", R"(
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: acequia-operator, namespace: default}
spec: {holderIdentity: the-leader, leaseDurationSeconds: 3600, renewTime: "2099-01-01T00:00:00.000000Z", acquireTime: "2099-01-01T00:00:00.000000Z"}
)")
                .code,
            0);
  ASSERT_TRUE(h_.StartOperator({"--leader-elect", "--leader-election-namespace=default"}));
  auto secret = WaitForSecret();
  ASSERT_TRUE(secret) << h_.operator_process()->Stderr();
  const std::string ca = Decode((*secret)["data"]["ca.crt"]);
  ASSERT_EQ(h_.Kubectl("apply -f " + Example("sidecar.yaml")).code, 0);
  Json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", "web-1"}, {"labels", {{"acequia.io/flow", "app-logs"}}}}},
              {"spec", {{"containers", Json::array({{{"name", "web"}, {"image", "nginx"}}})}}}};
  Json answer = Post("/mutate-pods", Review("s-1", "", "Pod", "default", pod), ca);
  EXPECT_EQ(answer["response"]["allowed"], true) << answer.dump();
  EXPECT_TRUE(answer["response"].contains("patch"));
  EXPECT_FALSE(h_.Get("v1", "configmaps", "default", "app-logs-config"))
      << "a standby replica does not reconcile";
  EXPECT_EQ(h_.StopOperator(), 0) << h_.operator_process()->Stderr();
  EXPECT_EQ(Ungranted(*rules, h_.OperatorRequests()), "")
      << "the operator made these requests, which helm/acequia/templates/rbac.yaml does not grant";
}

}  // namespace
}  // namespace acequia::testing
