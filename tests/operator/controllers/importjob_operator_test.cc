// The acequia-operator binary end to end for ImportJobs: the real kubectl applies the example
// manifest (pointed at a real PostgreSQL server), the operator runs plan → run → commit Jobs,
// and the FakeKubelet runs their pods with the real acequia-import binary. What a user sees:
// the phases in `kubectl get importjobs`, the part files and _SUCCESS on the volume, the rows
// counted in status — and nothing the operator asked of the API server that the chart's RBAC
// would refuse.
#include <gtest/gtest.h>

#include <filesystem>
#include <mutex>
#include <thread>

#include "tests/operator/controllers/support/fake_kubelet.h"
#include "tests/operator/controllers/support/operator_harness.h"
#include "tests/support/postgres_fixture.h"

namespace acequia::testing {
namespace {

using namespace std::chrono_literals;
namespace resources = ::acequia::kube::resources;

constexpr const char* kImportImage = "registry.test/acequia-import:e2e";  // OperatorHarness's

// Records every status.phase an ImportJob passes through, from a watch.
class PhaseWatch {
 public:
  PhaseWatch(::acequia::kube::KubeClient& client, const std::string& name) {
    thread_ = std::thread([this, &client, name] {
      ::acequia::kube::WatchOptions options;
      options.field_selector = "metadata.name=" + name;
      auto stream = client.Watch(resources::kImportJobs, "default", options);
      if (!stream.ok()) return;
      {
        std::lock_guard lock(mu_);
        stream_ = stream->get();
      }
      while (true) {
        auto event = (*stream)->Next();
        if (!event.ok() || !event->has_value()) break;
        const std::string phase =
            (**event).object.value("status", Json::object()).value("phase", "");
        std::lock_guard lock(mu_);
        if (!phase.empty() && (phases_.empty() || phases_.back() != phase))
          phases_.push_back(phase);
      }
      // The stream goes with this thread: nobody may cancel it after that.
      std::lock_guard lock(mu_);
      stream_ = nullptr;
    });
  }
  ~PhaseWatch() {
    {
      std::lock_guard lock(mu_);
      if (stream_) stream_->Cancel();
    }
    thread_.join();
  }
  std::vector<std::string> phases() {
    std::lock_guard lock(mu_);
    return phases_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> phases_;
  ::acequia::kube::WatchStream* stream_ = nullptr;
  std::thread thread_;
};

// The example, pointed at the test's PostgreSQL, run once (no schedule).
std::string ExampleManifest(const PostgresServer& pg) {
  std::string text =
      ReadFile(std::string(ACEQUIA_SOURCE_DIR) + "/examples/imports/orders-postgresql.yaml");
  auto swap = [&](const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
  };
  swap("host: pg.db.svc", "host: 127.0.0.1");
  swap("port: 5432", "port: " + std::to_string(pg.port()));
  swap("database: shop", std::string("database: ") + PostgresServer::kDatabase);
  swap("table: orders", "table: e2e_orders");
  swap("  schedule: \"0 * * * *\"\n", "");
  return text;
}

// A table of `rows` orders, every tenth a draft (the example's where clause leaves those out).
void CreateOrdersTable(PostgresServer& pg, const std::string& table, int rows) {
  pg.Exec("SET ROLE acequia; DROP TABLE IF EXISTS " + table + ";CREATE TABLE " + table +
          " (id int PRIMARY KEY, customer text, total numeric(10,2), updated_at timestamptz,"
          " status text);INSERT INTO " +
          table +
          " SELECT i, 'customer ' || i, i * 2.5, now(), CASE WHEN i % 10 = 0 THEN 'draft' ELSE"
          " 'paid' END FROM generate_series(1, " +
          std::to_string(rows) + ") i;");
}

// A Secret with PostgresServer's credentials (acequia / pg-S3cret-pw).
std::string CredentialsSecret(const std::string& name) {
  return "apiVersion: v1\nkind: Secret\nmetadata: {name: " + name +
         "}\ndata: {username: YWNlcXVpYQ==, password: cGctUzNjcmV0LXB3}\n";
}

// The ImportJob once its run has ended (Succeeded or Failed), or nullopt after two minutes.
std::optional<Json> WaitForRunEnd(OperatorHarness& h, const std::string& name) {
  return h.WaitForObject(
      "acequia.io/v1alpha1", "importjobs", "default", name,
      [](const Json& ij) {
        const std::string phase = ij.value("status", Json::object()).value("phase", "");
        return phase == "Succeeded" || phase == "Failed";
      },
      120s);
}

TEST(ImportJobOperatorTest, TheExampleWalksPlanRunCommitAndEveryRequestIsAllowedByTheChart) {
  PostgresServer* pg = SharedPostgres();
  ASSERT_NE(pg, nullptr);
  CreateOrdersTable(*pg, "e2e_orders", 1000);

  OperatorHarness h;
  ASSERT_TRUE(h.StartOperator({"--leader-elect", "--leader-election-namespace=default"}));
  ASSERT_EQ(h.Kubectl("apply -f -", CredentialsSecret("pg-reader")).code, 0);

  FakeKubeletOptions kubelet_options;
  kubelet_options.ns = "default";
  kubelet_options.work_dir = h.dir() / "kubelet";
  kubelet_options.programs = {{kImportImage, ACEQUIA_IMPORT_BINARY}};
  FakeKubelet kubelet(h.client(), kubelet_options);
  kubelet.Start();
  PhaseWatch watch(h.client(), "orders");

  auto applied = h.Kubectl("apply -f -", ExampleManifest(*pg));
  ASSERT_EQ(applied.code, 0) << applied.output;
  auto done = WaitForRunEnd(h, "orders");
  ASSERT_TRUE(done) << h.operator_process()->Stderr();
  const Json& status = (*done)["status"];
  ASSERT_EQ(status["phase"], "Succeeded") << status.dump(2);
  EXPECT_EQ(status["rowsImported"], 900) << "1,000 rows, 100 of them drafts";
  EXPECT_EQ(status["lastValue"], "999") << "id 1000 is a draft, left out by spec.source.where";
  ASSERT_EQ(status["splits"].size(), 4u);
  int64_t split_rows = 0;
  for (const auto& split : status["splits"]) {
    EXPECT_EQ(split["state"], "Succeeded");
    split_rows += split.value("rows", int64_t{0});
  }
  EXPECT_EQ(split_rows, 900);
  EXPECT_TRUE(WaitFor(
      [&] {
        auto phases = watch.phases();
        return !phases.empty() && phases.back() == "Succeeded";
      },
      5s));
  const auto phases = watch.phases();
  auto seen = [&](const char* phase) {
    return std::find(phases.begin(), phases.end(), phase) != phases.end();
  };
  EXPECT_TRUE(seen("Planning") && seen("Running") && seen("Committing"))
      << ::testing::PrintToString(phases);

  // The part files and _SUCCESS are on the claim (mounted at spec.target.path).
  const std::string target = kubelet.ClaimDir("warehouse");
  EXPECT_TRUE(std::filesystem::exists(target + "/_SUCCESS")) << target;
  int parts = 0;
  for (const auto& entry : std::filesystem::directory_iterator(target)) {
    parts += entry.path().filename().string().rfind("part-", 0) == 0 ? 1 : 0;
  }
  EXPECT_EQ(parts, 4);

  auto get = h.Kubectl("get importjobs");
  EXPECT_NE(get.output.find("Succeeded"), std::string::npos) << get.output;
  EXPECT_NE(get.output.find("900"), std::string::npos) << get.output;

  // Deleting it removes its Jobs and ConfigMaps (finalizer, then garbage collection).
  auto deleted = h.Kubectl("delete importjob orders --wait=true --timeout=30s");
  EXPECT_EQ(deleted.code, 0) << deleted.output;
  EXPECT_TRUE(WaitFor(
      [&] {
        auto jobs = h.client().List(resources::kJobs, "default");
        return jobs.ok() && (*jobs)["items"].empty();
      },
      15s));

  kubelet.Stop();
  EXPECT_EQ(h.StopOperator(), 0) << h.operator_process()->Stderr();
  auto rules = ChartRbacRules();
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  const auto requests = h.OperatorRequests();
  EXPECT_EQ(Ungranted(*rules, requests), "")
      << "the operator made these requests, which helm/acequia/templates/rbac.yaml does not grant";
  // And the other way round: what the chart grants for ImportJobs is used.
  for (const RbacRequest& granted :
       std::vector<RbacRequest>{{"list", "acequia.io", "importjobs"},
                                {"watch", "acequia.io", "importjobs"},
                                {"patch", "acequia.io", "importjobs"},  // the finalizer
                                {"update", "acequia.io", "importjobs/status"},
                                {"list", "batch", "jobs"},
                                {"watch", "batch", "jobs"},
                                {"create", "batch", "jobs"},
                                {"patch", "batch", "jobs"},
                                {"delete", "batch", "jobs"},
                                {"list", "", "pods"},
                                {"watch", "", "pods"},
                                {"get", "", "configmaps"},
                                {"create", "", "configmaps"}}) {
    EXPECT_TRUE(Allowed(*rules, granted)) << granted.ToString();
    EXPECT_TRUE(requests.count(granted))
        << "the chart grants \"" << granted.ToString() << "\", which this run never needed";
  }
}

// A credentials Secret that does not exist yet: the kubelet cannot mount it and the plan pod
// stays in ContainerCreating, which only its Events tell. The operator reads them after
// --import-pod-stuck-after and says so on the ImportJob (condition Stalled, a Warning Event)
// without failing the run; once the Secret is created the run goes on and Stalled clears.
TEST(ImportJobOperatorTest, AMissingSecretStallsTheRunUntilTheSecretExists) {
  PostgresServer* pg = SharedPostgres();
  ASSERT_NE(pg, nullptr);
  CreateOrdersTable(*pg, "e2e_stalled", 200);

  OperatorHarness h;
  ASSERT_TRUE(h.StartOperator({"--import-pod-stuck-after=2s"}));
  FakeKubeletOptions kubelet_options;
  kubelet_options.ns = "default";
  kubelet_options.work_dir = h.dir() / "kubelet";
  kubelet_options.programs = {{kImportImage, ACEQUIA_IMPORT_BINARY}};
  kubelet_options.mount_retry_interval = 200ms;
  FakeKubelet kubelet(h.client(), kubelet_options);
  kubelet.Start();

  std::string manifest = ExampleManifest(*pg);
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"table: e2e_orders", "table: e2e_stalled"},
           {"credentialsSecret: pg-reader", "credentialsSecret: pg-creds"}}) {
    const auto at = manifest.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    manifest.replace(at, from.size(), to);
  }
  auto applied = h.Kubectl("apply -f -", manifest);
  ASSERT_EQ(applied.code, 0) << applied.output;

  auto stalled = [&](const std::string& field) {
    return h.Kubectl(
        "get importjob orders -o jsonpath='{.status.conditions[?(@.type==\"Stalled\")]." + field +
        "}'");
  };
  std::string message;
  const bool stuck = WaitFor(
      [&] {
        auto got = stalled("message");
        message = got.output;
        return got.code == 0 && message.find("FailedMount") != std::string::npos;
      },
      30s);
  ASSERT_TRUE(stuck) << message << "\n" << h.operator_process()->Stderr();
  EXPECT_EQ(message.rfind("pod orders-", 0), 0u) << message;
  EXPECT_NE(message.find(": FailedMount: MountVolume.SetUp failed for volume \"db-credentials\" : "
                         "secret \"pg-creds\" not found"),
            std::string::npos)
      << message;
  EXPECT_EQ(stalled("status").output, "True");
  EXPECT_EQ(stalled("reason").output, "PodStuck");
  EXPECT_EQ(h.Kubectl("get importjob orders -o jsonpath='{.status.phase}'").output, "Planning")
      << "a stuck pod does not change the phase";

  // One Warning Event on the ImportJob, not one per reconcile (or per Events listing: wait
  // past two grace periods).
  std::this_thread::sleep_for(5s);
  ::acequia::kube::ListOptions about_orders;
  about_orders.field_selector = "regarding.kind=ImportJob,regarding.name=orders";
  auto events = h.client().List(resources::kEvents, "default", about_orders);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  std::vector<Json> stuck_events;
  for (const auto& event : (*events)["items"]) {
    if (event.value("reason", "") == "PodStuck") stuck_events.push_back(event);
  }
  ASSERT_EQ(stuck_events.size(), 1u) << events->dump(2);
  EXPECT_EQ(stuck_events[0]["type"], "Warning");
  EXPECT_NE(stuck_events[0].value("note", "").find(message), std::string::npos)
      << stuck_events[0].dump(2);
  EXPECT_FALSE(stuck_events[0].contains("series")) << stuck_events[0].dump(2);

  ASSERT_EQ(h.Kubectl("apply -f -", CredentialsSecret("pg-creds")).code, 0);
  auto done = WaitForRunEnd(h, "orders");
  ASSERT_TRUE(done) << h.operator_process()->Stderr();
  ASSERT_EQ((*done)["status"]["phase"], "Succeeded") << (*done)["status"].dump(2);
  EXPECT_EQ((*done)["status"]["rowsImported"], 180) << "200 rows, 20 of them drafts";
  EXPECT_EQ(stalled("status").output, "False");
  EXPECT_EQ(stalled("reason").output, "NotStalled");
  EXPECT_EQ(stalled("message").output, "");

  kubelet.Stop();
  EXPECT_EQ(h.StopOperator(), 0) << h.operator_process()->Stderr();
  auto rules = ChartRbacRules();
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  const auto requests = h.OperatorRequests();
  EXPECT_EQ(Ungranted(*rules, requests), "")
      << "the operator made these requests, which helm/acequia/templates/rbac.yaml does not grant";
  const RbacRequest list_events{"list", "events.k8s.io", "events"};
  EXPECT_TRUE(Allowed(*rules, list_events)) << list_events.ToString();
  EXPECT_TRUE(requests.count(list_events))
      << "the chart grants \"" << list_events.ToString() << "\", which this run never needed";
}

}  // namespace
}  // namespace acequia::testing
