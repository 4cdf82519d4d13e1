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
        if (!phase.empty() && (phases_.empty() || phases_.back() != phase)) phases_.push_back(phase);
      }
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
  std::string text = ReadFile(std::string(ACEQUIA_SOURCE_DIR) +
                              "/examples/imports/orders-postgresql.yaml");
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

TEST(ImportJobOperatorTest, TheExampleWalksPlanRunCommitAndEveryRequestIsAllowedByTheChart) {
  PostgresServer* pg = SharedPostgres();
  ASSERT_NE(pg, nullptr);
  pg->Exec(
      "SET ROLE acequia; DROP TABLE IF EXISTS e2e_orders;"
      "CREATE TABLE e2e_orders (id int PRIMARY KEY, customer text, total numeric(10,2),"
      " updated_at timestamptz, status text);"
      "INSERT INTO e2e_orders SELECT i, 'customer ' || i, i * 2.5, now(),"
      " CASE WHEN i % 10 = 0 THEN 'draft' ELSE 'paid' END FROM generate_series(1, 1000) i;");

  OperatorHarness h;
  ASSERT_TRUE(h.StartOperator({"--leader-elect", "--leader-election-namespace=default"}));
  const std::string secret = R"(apiVersion: v1
kind: Secret
metadata: {name: pg-reader}
data: {username: YWNlcXVpYQ==, password: cGctUzNjcmV0LXB3}
)";  // acequia / pg-S3cret-pw, PostgresServer's
  ASSERT_EQ(h.Kubectl("apply -f -", secret).code, 0);

  FakeKubeletOptions kubelet_options;
  kubelet_options.ns = "default";
  kubelet_options.work_dir = h.dir() / "kubelet";
  kubelet_options.programs = {{kImportImage, ACEQUIA_IMPORT_BINARY}};
  FakeKubelet kubelet(h.client(), kubelet_options);
  kubelet.Start();
  PhaseWatch watch(h.client(), "orders");

  auto applied = h.Kubectl("apply -f -", ExampleManifest(*pg));
  ASSERT_EQ(applied.code, 0) << applied.output;
  auto done = h.WaitForObject(
      "acequia.io/v1alpha1", "importjobs", "default", "orders",
      [](const Json& ij) {
        const std::string phase = ij.value("status", Json::object()).value("phase", "");
        return phase == "Succeeded" || phase == "Failed";
      },
      120s);
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
  EXPECT_TRUE(WaitFor([&] {
    auto phases = watch.phases();
    return !phases.empty() && phases.back() == "Succeeded";
  }, 5s));
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
  EXPECT_TRUE(WaitFor([&] {
    auto jobs = h.client().List(resources::kJobs, "default");
    return jobs.ok() && (*jobs)["items"].empty();
  }, 15s));

  kubelet.Stop();
  EXPECT_EQ(h.StopOperator(), 0);
  auto rules = ChartRbacRules();
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  const auto requests = h.OperatorRequests();
  for (const auto& request : requests) {
    EXPECT_TRUE(Allowed(*rules, request))
        << "the operator needs \"" << request.ToString()
        << "\" but helm/acequia/templates/rbac.yaml does not grant it";
  }
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
    EXPECT_TRUE(requests.count(granted)) << "the chart grants \"" << granted.ToString()
                                         << "\", which this run never needed";
  }
}

}  // namespace
}  // namespace acequia::testing
