// RestKubeClient against the API test server over real HTTP(S) on loopback.
#include "operator/kube/rest_client.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <cstdlib>
#include <thread>

#include "tests/operator/api_server_fixture.h"

namespace acequia::kube {
namespace {

using acequia::testing::ApiServerFixture;
using acequia::testing::TempDir;
using namespace std::chrono_literals;

Json ConfigMap(const std::string& name, Json data = {{"k", "v"}}) {
  return {{"metadata", {{"name", name}, {"namespace", "default"}, {"labels", {{"app", "web"}}}}},
          {"data", std::move(data)}};
}

Json Flow(const std::string& name, int replicas) {
  return {{"metadata", {{"name", name}, {"namespace", "default"}}},
          {"spec", {{"replicas", replicas}, {"mode", "collector"}}}};
}

TEST(RestClientTest, CrudWithResourceVersionsAndStaleUpdateConflict) {
  ApiServerFixture fx;
  auto client = fx.Client();
  auto created = client->Create(resources::kConfigMaps, ConfigMap("a"));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_FALSE((*created)["metadata"]["uid"].get<std::string>().empty());
  EXPECT_FALSE((*created)["metadata"]["creationTimestamp"].get<std::string>().empty());

  auto again = client->Create(resources::kConfigMaps, ConfigMap("a"));
  EXPECT_TRUE(IsAlreadyExists(again.status())) << again.status().ToString();

  Json first = *created;
  first["data"]["k"] = "v2";
  auto updated = client->Update(resources::kConfigMaps, first);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_NE((*updated)["metadata"]["resourceVersion"], (*created)["metadata"]["resourceVersion"]);

  Json stale = *created;  // still carries the old resourceVersion
  stale["data"]["k"] = "v3";
  auto conflict = client->Update(resources::kConfigMaps, stale);
  EXPECT_TRUE(IsConflict(conflict.status())) << conflict.status().ToString();
  EXPECT_EQ(HttpCodeOf(conflict.status()), 409);

  auto got = client->Get(resources::kConfigMaps, "default", "a");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)["data"]["k"], "v2");

  ASSERT_TRUE(client->Delete(resources::kConfigMaps, "default", "a").ok());
  EXPECT_TRUE(IsNotFound(client->Get(resources::kConfigMaps, "default", "a").status()));
}

TEST(RestClientTest, RetryOnConflictRereadsAndWins) {
  ApiServerFixture fx;
  auto client = fx.Client();
  ASSERT_TRUE(client->Create(resources::kConfigMaps, ConfigMap("counter", {{"n", "0"}})).ok());
  // Four writers increment the same counter with read-modify-write; conflicts are retried.
  std::vector<std::thread> writers;
  std::atomic<int> conflicts{0};
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        auto result = RetryOnConflict(
            [&]() -> Result<Json> {
              auto current = client->Get(resources::kConfigMaps, "default", "counter");
              if (!current.ok()) return current.status();
              Json next = *current;
              next["data"]["n"] =
                  std::to_string(std::stoi(next["data"]["n"].get<std::string>()) + 1);
              auto r = client->Update(resources::kConfigMaps, next);
              if (!r.ok() && IsConflict(r.status())) ++conflicts;
              return r;
            },
            50);
        EXPECT_TRUE(result.ok()) << result.status().ToString();
      }
    });
  }
  for (auto& t : writers) t.join();
  auto final_value = client->Get(resources::kConfigMaps, "default", "counter");
  ASSERT_TRUE(final_value.ok());
  EXPECT_EQ((*final_value)["data"]["n"], "20");
}

TEST(RestClientTest, StatusSubresourceAndGeneration) {
  ApiServerFixture fx;
  auto client = fx.Client();
  Json flow = Flow("web", 1);
  flow["status"] = {{"replicas", 99}};  // ignored on create: status has its own endpoint
  auto created = client->Create(resources::kFlows, flow);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ((*created)["metadata"]["generation"], 1);
  EXPECT_FALSE(created->contains("status"));

  Json with_status = *created;
  with_status["status"] = {{"observedGeneration", 1}, {"replicas", 1}};
  with_status["spec"]["replicas"] = 7;  // ignored by /status
  auto status = client->UpdateStatus(resources::kFlows, with_status);
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  EXPECT_EQ((*status)["status"]["replicas"], 1);
  EXPECT_EQ((*status)["spec"]["replicas"], 1);
  EXPECT_EQ((*status)["metadata"]["generation"], 1);  // status writes keep the generation

  auto labelled = client->MergePatch(resources::kFlows, "default", "web",
                                     {{"metadata", {{"labels", {{"team", "a"}}}}}}, false);
  ASSERT_TRUE(labelled.ok());
  EXPECT_EQ((*labelled)["metadata"]["generation"], 1);  // metadata changes neither

  auto spec =
      client->MergePatch(resources::kFlows, "default", "web", {{"spec", {{"replicas", 3}}}}, false);
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ((*spec)["metadata"]["generation"], 2);
  EXPECT_EQ((*spec)["status"]["replicas"], 1);  // the main endpoint keeps status
}

TEST(RestClientTest, ServerSideApplyWithFieldManagerConflictsAndForce) {
  ApiServerFixture fx;
  auto client = fx.Client();
  Json desired = {{"metadata", {{"name", "agent"}, {"namespace", "default"}}},
                  {"data", {{"flow.yaml", "a"}}}};
  auto applied = client->Apply(resources::kConfigMaps, desired, {"acequia-operator", false, false});
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ((*applied)["metadata"]["managedFields"][0]["manager"], "acequia-operator");

  desired["data"]["flow.yaml"] = "b";
  auto other = client->Apply(resources::kConfigMaps, desired, {"someone-else", false, false});
  EXPECT_TRUE(IsConflict(other.status())) << other.status().ToString();
  auto forced = client->Apply(resources::kConfigMaps, desired, {"someone-else", true, false});
  ASSERT_TRUE(forced.ok()) << forced.status().ToString();
  EXPECT_EQ((*forced)["data"]["flow.yaml"], "b");

  // Status through apply on /status.
  ASSERT_TRUE(client->Create(resources::kFlows, Flow("f", 1)).ok());
  Json status = {{"metadata", {{"name", "f"}, {"namespace", "default"}}},
                 {"status", {{"observedGeneration", 1}}}};
  auto st = client->Apply(resources::kFlows, status, {"acequia-operator", true, true});
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  EXPECT_EQ((*st)["status"]["observedGeneration"], 1);
}

TEST(RestClientTest, ListWithLabelSelectorsAndFinalizersAndGarbageCollection) {
  ApiServerFixture fx;
  auto client = fx.Client();
  ASSERT_TRUE(client->Create(resources::kConfigMaps, ConfigMap("web")).ok());
  Json db = ConfigMap("db");
  db["metadata"]["labels"] = {{"app", "db"}, {"tier", "data"}};
  ASSERT_TRUE(client->Create(resources::kConfigMaps, db).ok());
  auto list = client->List(resources::kConfigMaps, "default", {"app in (db,cache),tier", ""});
  ASSERT_TRUE(list.ok());
  ASSERT_EQ((*list)["items"].size(), 1u);
  EXPECT_EQ((*list)["items"][0]["metadata"]["name"], "db");

  // An owner with a finalizer: delete marks it, removing the finalizer deletes it and its
  // dependents (background garbage collection).
  Json owner = Flow("owner", 1);
  owner["metadata"]["finalizers"] = {"acequia.io/cleanup"};
  auto o = client->Create(resources::kFlows, owner);
  ASSERT_TRUE(o.ok());
  Json child = ConfigMap("owned");
  child["metadata"]["ownerReferences"] = {{{"apiVersion", "acequia.io/v1alpha1"},
                                           {"kind", "Flow"},
                                           {"name", "owner"},
                                           {"uid", (*o)["metadata"]["uid"]},
                                           {"controller", true}}};
  ASSERT_TRUE(client->Create(resources::kConfigMaps, child).ok());
  ASSERT_TRUE(client->Delete(resources::kFlows, "default", "owner").ok());
  auto marked = client->Get(resources::kFlows, "default", "owner");
  ASSERT_TRUE(marked.ok());
  EXPECT_TRUE((*marked)["metadata"].contains("deletionTimestamp"));
  EXPECT_TRUE(client->Get(resources::kConfigMaps, "default", "owned").ok());
  auto released = client->MergePatch(resources::kFlows, "default", "owner",
                                     {{"metadata", {{"finalizers", nullptr}}}}, false);
  ASSERT_TRUE(released.ok()) << released.status().ToString();
  EXPECT_TRUE(IsNotFound(client->Get(resources::kFlows, "default", "owner").status()));
  EXPECT_TRUE(IsNotFound(client->Get(resources::kConfigMaps, "default", "owned").status()));
}

// events.k8s.io/v1 Events are selected by the labels the real server's field label conversion
// accepts (regarding.*, reason, type, …); other fields, here and on other kinds, are a 400.
TEST(RestClientTest, EventFieldSelectorsAndUnsupportedFieldLabels) {
  ApiServerFixture fx;
  auto client = fx.Client();
  auto event = [](const std::string& name, const std::string& kind, const std::string& regarding,
                  const std::string& type) {
    return Json{{"metadata", {{"name", name}, {"namespace", "default"}}},
                {"eventTime", "2026-11-21T07:00:00.000000Z"},
                {"reportingController", "kubelet"},
                {"reportingInstance", "node-1"},
                {"action", "MountVolume"},
                {"reason", type == "Warning" ? "FailedMount" : "Scheduled"},
                {"type", type},
                {"note", "…"},
                {"regarding", {{"apiVersion", "v1"}, {"kind", kind}, {"name", regarding}}}};
  };
  ASSERT_TRUE(client->Create(resources::kEvents, event("a", "Pod", "web-0", "Warning")).ok());
  ASSERT_TRUE(client->Create(resources::kEvents, event("b", "Pod", "web-0", "Normal")).ok());
  ASSERT_TRUE(client->Create(resources::kEvents, event("c", "Pod", "web-1", "Warning")).ok());
  ASSERT_TRUE(client->Create(resources::kEvents, event("d", "Job", "web-0", "Warning")).ok());
  auto names = [&](const std::string& selector) {
    std::vector<std::string> out;
    auto list = client->List(resources::kEvents, "default", {"", selector});
    EXPECT_TRUE(list.ok()) << selector << ": " << list.status().ToString();
    if (list.ok()) {
      for (const auto& item : (*list)["items"]) out.push_back(item["metadata"]["name"]);
    }
    return out;
  };
  EXPECT_EQ(names("regarding.kind=Pod,regarding.name=web-0"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(names("regarding.name=web-0,type=Warning"), (std::vector<std::string>{"a", "d"}));
  EXPECT_EQ(names("reason!=FailedMount"), std::vector<std::string>{"b"});
  EXPECT_EQ(names("source=kubelet,regarding.name=web-1"), std::vector<std::string>{"c"})
      << "source: reportingController when there is no deprecatedSource";

  auto refused = client->List(resources::kEvents, "default", {"", "involvedObject.name=web-0"});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(HttpCodeOf(refused.status()), 400);
  EXPECT_EQ(ReasonOf(refused.status()), "BadRequest");
  EXPECT_NE(refused.status().message().find("field label not supported: involvedObject.name"),
            std::string::npos)
      << refused.status().ToString();
  auto pods = client->List(resources::kConfigMaps, "default", {"", "regarding.name=web-0"});
  ASSERT_FALSE(pods.ok());
  EXPECT_EQ(HttpCodeOf(pods.status()), 400);
}

TEST(RestClientTest, ClientSideRateLimitAndRequestMetrics) {
  ApiServerFixture fx;
  auto registry = std::make_shared<prometheus::Registry>();
  RestClientOptions options;
  options.qps = 5;
  options.burst = 2;
  options.registry = registry;
  auto client = fx.Client(options);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 8; ++i) (void)client->Get(resources::kConfigMaps, "default", "missing");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  // 2 at once, then 6 more at 5 per second: at least 1.2 s.
  EXPECT_GE(elapsed, 1100ms);
  auto requests = fx.server().Requests();
  ASSERT_GE(requests.size(), 8u);
  EXPECT_GE(requests.back().at - requests[requests.size() - 8].at, 1100ms);
  const std::string text = prometheus::TextSerializer().Serialize(registry->Collect());
  EXPECT_NE(text.find("rest_client_requests_total{code=\"404\",method=\"GET\"} 8"),
            std::string::npos)
      << text;
}

TEST(RestClientTest, TlsWithCustomCaAndClientCertificate) {
  TempDir pki;
  ASSERT_TRUE(acequia::testing::MakeTestPki(pki.path()));
  acequia::testing::kube::KubeApiServer::Options options;
  options.tls_cert_file = pki / "server.crt";
  options.tls_key_file = pki / "server.key";
  options.client_ca_file = pki / "ca.crt";
  ApiServerFixture fx(options);

  ClusterConfig config;
  config.server = fx.server().url();
  ASSERT_EQ(config.server.rfind("https://", 0), 0u);
  config.ca_pem = acequia::testing::ReadFile(pki / "ca.crt");
  config.client_cert_pem = acequia::testing::ReadFile(pki / "client.crt");
  config.client_key_pem = acequia::testing::ReadFile(pki / "client.key");
  auto client = RestKubeClient::Create(config);
  ASSERT_TRUE(client.ok());
  auto ns = (*client)->Get(resources::kNamespaces, "", "default");
  ASSERT_TRUE(ns.ok()) << ns.status().ToString();
  EXPECT_EQ((*ns)["status"]["phase"], "Active");

  // Without the CA the server certificate is not trusted.
  ClusterConfig untrusted = config;
  untrusted.ca_pem.clear();
  auto bad = RestKubeClient::Create(untrusted);
  ASSERT_TRUE(bad.ok());
  EXPECT_FALSE((*bad)->Get(resources::kNamespaces, "", "default").ok());

  // Without a client certificate the server refuses the handshake.
  ClusterConfig anonymous = config;
  anonymous.client_cert_pem.clear();
  anonymous.client_key_pem.clear();
  auto anon = RestKubeClient::Create(anonymous);
  ASSERT_TRUE(anon.ok());
  EXPECT_FALSE((*anon)->Get(resources::kNamespaces, "", "default").ok());
}

TEST(RestClientTest, InsecureSkipTlsVerify) {
  TempDir pki;
  ASSERT_TRUE(acequia::testing::MakeTestPki(pki.path()));
  acequia::testing::kube::KubeApiServer::Options options;
  options.tls_cert_file = pki / "server.crt";
  options.tls_key_file = pki / "server.key";
  ApiServerFixture fx(options);
  ClusterConfig config;
  config.server = fx.server().url();
  config.insecure_skip_tls_verify = true;
  auto client = RestKubeClient::Create(config);
  ASSERT_TRUE(client.ok());
  EXPECT_TRUE((*client)->Get(resources::kNamespaces, "", "default").ok());
}

TEST(RestClientTest, InClusterTokenIsReReadWhenRotated) {
  TempDir pki;
  ASSERT_TRUE(acequia::testing::MakeTestPki(pki.path()));
  acequia::testing::kube::KubeApiServer::Options options;
  options.tls_cert_file = pki / "server.crt";
  options.tls_key_file = pki / "server.key";
  ApiServerFixture fx(options);
  fx.server().SetAcceptedTokens({"token-1"});

  TempDir sa;
  acequia::testing::WriteFile(sa / "token", "token-1\n");
  acequia::testing::WriteFile(sa / "ca.crt", acequia::testing::ReadFile(pki / "ca.crt"));
  acequia::testing::WriteFile(sa / "namespace", "acequia-system");
  setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1", 1);
  setenv("KUBERNETES_SERVICE_PORT", std::to_string(fx.server().port()).c_str(), 1);
  auto config = InClusterConfig(sa.path());
  unsetenv("KUBERNETES_SERVICE_HOST");
  unsetenv("KUBERNETES_SERVICE_PORT");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->namespace_, "acequia-system");
  RestClientOptions client_options;
  client_options.token_refresh = 1s;
  auto client = RestKubeClient::Create(*config, client_options);
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->Get(resources::kNamespaces, "", "default").ok());

  // Periodic re-read: both tokens work for a while; after the refresh period the new one is used.
  fx.server().SetAcceptedTokens({"token-1", "token-2"});
  acequia::testing::WriteFile(sa / "token", "token-2\n");
  std::this_thread::sleep_for(1100ms);
  ASSERT_TRUE((*client)->Get(resources::kNamespaces, "", "default").ok());
  EXPECT_EQ(fx.server().Requests().back().authorization, "Bearer token-2");

  // Immediate re-read after a 401: the old token is revoked the moment the file changes.
  acequia::testing::WriteFile(sa / "token", "token-3\n");
  fx.server().SetAcceptedTokens({"token-3"});
  auto after = (*client)->Get(resources::kNamespaces, "", "default");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  auto requests = fx.server().Requests();
  EXPECT_EQ(requests[requests.size() - 2].status, 401);
  EXPECT_EQ(requests.back().authorization, "Bearer token-3");
}

TEST(RestClientTest, WatchStreamsEventsAndBookmarks) {
  acequia::testing::kube::KubeApiServer::Options options;
  options.bookmark_interval = 200ms;
  ApiServerFixture fx(options);
  auto client = fx.Client();
  auto list = client->List(resources::kConfigMaps, "default", {});
  ASSERT_TRUE(list.ok());
  WatchOptions watch;
  watch.resource_version = (*list)["metadata"]["resourceVersion"];
  auto stream = client->Watch(resources::kConfigMaps, "default", watch);
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  ASSERT_TRUE(client->Create(resources::kConfigMaps, ConfigMap("w")).ok());
  auto added = (*stream)->Next();
  ASSERT_TRUE(added.ok() && added->has_value());
  EXPECT_EQ((*added)->type, "ADDED");
  EXPECT_EQ((*added)->object["metadata"]["name"], "w");
  auto bookmark = (*stream)->Next();
  ASSERT_TRUE(bookmark.ok() && bookmark->has_value());
  EXPECT_EQ((*bookmark)->type, "BOOKMARK");
  EXPECT_EQ((*bookmark)->object["metadata"]["resourceVersion"],
            std::to_string(fx.server().resource_version()));
}

}  // namespace
}  // namespace acequia::kube
