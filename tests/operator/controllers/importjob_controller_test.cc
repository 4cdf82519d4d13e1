// The ImportJob controller in-process against the API test server, with the FakeKubelet running
// each pod's acequia-import for real against a real PostgreSQL table: a run walks Planning →
// Running → Committing → Succeeded and leaves every row on disk; the next run of an incremental
// job imports only the new rows; a failing split fails the run with its message; an invalid
// spec creates nothing; deleting the ImportJob removes its Jobs and ConfigMaps.
#include "operator/controllers/importjob_controller.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>

#include "operator/controllers/conditions.h"
#include "operator/controllers/manager.h"
#include "operator/kube/resources.h"
#include "operator/render/import_render.h"
#include "tests/importer/support/import_harness.h"
#include "tests/operator/api_server_fixture.h"
#include "tests/operator/controllers/support/fake_kubelet.h"
#include "tests/support/postgres_fixture.h"

namespace acequia::testing {
namespace {

namespace resources = ::acequia::kube::resources;
using controllers::Manager;
using controllers::ManagerOptions;

const ::testing::Environment* const kPostgres =
    ::testing::AddGlobalTestEnvironment(new PostgresEnvironment);

constexpr const char* kNamespace = "imports";
constexpr const char* kImage = "acequia-import:test";

std::string Base64(const std::string& text) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int buffer = 0, bits = 0;
  for (unsigned char c : text) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(buffer >> bits) & 0x3F];
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (6 - bits)) & 0x3F];
  while (out.size() % 4 != 0) out += '=';
  return out;
}

// Records every phase an ImportJob passes through, as a watcher would see them.
class PhaseRecorder {
 public:
  explicit PhaseRecorder(::acequia::kube::KubeClient& client) {
    ::acequia::kube::InformerOptions options;
    options.ns = kNamespace;
    informer_ =
        std::make_unique<::acequia::kube::Informer>(client, resources::kImportJobs, options);
    auto record = [this](const Json& ij) {
      const std::string phase = ij.value("status", Json::object()).value("phase", "");
      const std::string name = ij["metadata"].value("name", "");
      std::lock_guard<std::mutex> lock(mu_);
      auto& seen = phases_[name];
      if (!phase.empty() && (seen.empty() || seen.back() != phase)) seen.push_back(phase);
    };
    informer_->AddHandlers(
        {record, [record](const Json&, const Json& ij) { record(ij); }, nullptr});
    informer_->Start();
  }
  ~PhaseRecorder() { informer_->Stop(); }
  std::vector<std::string> Phases(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    return phases_[name];
  }
  void Clear(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    phases_[name].clear();
  }

 private:
  std::unique_ptr<::acequia::kube::Informer> informer_;
  std::mutex mu_;
  std::map<std::string, std::vector<std::string>> phases_;
};

class ImportJobControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pg_ = SharedPostgres();
    if (pg_ == nullptr) GTEST_SKIP() << "no PostgreSQL server";
    pg_->Exec(
        "SET ROLE acequia; DROP TABLE IF EXISTS ij_orders;"
        "CREATE TABLE ij_orders (id int PRIMARY KEY, customer text, total numeric(10,2));"
        "INSERT INTO ij_orders SELECT i, 'customer, ' || i, i * 1.5 "
        "FROM generate_series(1, 300) i;");
    client_ = server_.Client();
    ASSERT_NE(client_, nullptr);
    ASSERT_TRUE(client_
                    ->Create(resources::kNamespaces, {{"apiVersion", "v1"},
                                                      {"kind", "Namespace"},
                                                      {"metadata", {{"name", kNamespace}}}})
                    .ok());
    ASSERT_TRUE(client_
                    ->Create(resources::kSecrets,
                             {{"apiVersion", "v1"},
                              {"kind", "Secret"},
                              {"metadata", {{"name", "pg-reader"}, {"namespace", kNamespace}}},
                              {"data",
                               {{"username", Base64(PostgresServer::kUser)},
                                {"password", Base64(PostgresServer::kPassword)}}}})
                    .ok());

    operator_client_ = server_.Client();
    ManagerOptions options;
    options.settings.import_image = kImage;
    options.cache_sync_timeout = std::chrono::milliseconds(10000);
    options.now = [this] {
      return std::chrono::system_clock::now() + std::chrono::seconds(clock_offset_seconds_.load());
    };
    manager_ = std::make_unique<Manager>(*operator_client_, options,
                                         std::make_shared<prometheus::Registry>());
    ASSERT_TRUE(controllers::SetupImportJobController(*manager_).ok());
    ASSERT_TRUE(manager_->Start().ok());

    kubelet_client_ = server_.Client();
    FakeKubeletOptions kubelet;
    kubelet.ns = kNamespace;
    kubelet.work_dir = work_.path();
    kubelet.programs = {{kImage, ACEQUIA_IMPORT_BINARY}};
    kubelet_ = std::make_unique<FakeKubelet>(*kubelet_client_, kubelet);
    kubelet_->Start();
    phases_ = std::make_unique<PhaseRecorder>(*client_);
  }

  void TearDown() override {
    phases_.reset();
    if (kubelet_) kubelet_->Stop();
    if (manager_) manager_->Stop();
  }

  Json Manifest(const std::string& name, const Json& extra_spec = Json::object()) {
    Json spec = {{"source",
                  {{"driver", "postgresql"},
                   {"host", "127.0.0.1"},
                   {"port", pg_->port()},
                   {"database", PostgresServer::kDatabase},
                   {"credentialsSecret", "pg-reader"},
                   {"table", "ij_orders"}}},
                 {"split", {{"by", "id"}, {"count", 3}}},
                 {"target",
                  {{"volume", {{"persistentVolumeClaim", "warehouse"}}},
                   {"path", "/warehouse/" + name},
                   {"format", "csv"}}}};
    spec.merge_patch(extra_spec);
    return {{"apiVersion", "acequia.io/v1alpha1"},
            {"kind", "ImportJob"},
            {"metadata", {{"name", name}, {"namespace", kNamespace}}},
            {"spec", spec}};
  }

  Json Get(const std::string& name) {
    auto ij = client_->Get(resources::kImportJobs, kNamespace, name);
    return ij.ok() ? *ij : Json();
  }
  std::string Phase(const std::string& name) {
    const Json ij = Get(name);
    return ij.is_object() ? ij.value("status", Json::object()).value("phase", "") : "";
  }
  bool WaitForPhase(const std::string& name, const std::string& phase,
                    std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    return WaitFor([&] { return Phase(name) == phase; }, timeout);
  }
  std::vector<Json> Children(const ::acequia::kube::ResourceType& type, const std::string& name) {
    ::acequia::kube::ListOptions options;
    options.label_selector = std::string(render::kImportJobLabel) + "=" + name;
    auto list = client_->List(type, kNamespace, options);
    EXPECT_TRUE(list.ok()) << list.status().ToString();
    return list.ok() ? (*list)["items"].get<std::vector<Json>>() : std::vector<Json>{};
  }
  // The target directory on the host: the claim is mounted at target.path.
  std::string TargetDir() { return kubelet_->ClaimDir("warehouse"); }
  std::string Describe(const std::string& name) { return Get(name).dump(2); }

  // The operator's clock runs this far ahead of the wall clock (schedules).
  std::atomic<int64_t> clock_offset_seconds_{0};
  PostgresServer* pg_ = nullptr;
  ApiServerFixture server_;
  TempDir work_;
  std::unique_ptr<::acequia::kube::RestKubeClient> client_, operator_client_, kubelet_client_;
  std::unique_ptr<Manager> manager_;
  std::unique_ptr<FakeKubelet> kubelet_;
  std::unique_ptr<PhaseRecorder> phases_;
};

TEST_F(ImportJobControllerTest, ImportsEveryRowThenOnlyTheNewOnes) {
  ASSERT_TRUE(client_
                  ->Create(resources::kImportJobs,
                           Manifest("orders",
                                    {{"incremental", {{"mode", "append"}, {"checkColumn", "id"}}}}))
                  .ok());
  ASSERT_TRUE(WaitForPhase("orders", "Succeeded")) << Describe("orders");
  EXPECT_EQ(phases_->Phases("orders"),
            (std::vector<std::string>{"Planning", "Running", "Committing", "Succeeded"}));

  Json status = Get("orders")["status"];
  EXPECT_EQ(status["rowsImported"], 300);
  EXPECT_GT(status["bytesWritten"].get<int64_t>(), 0);
  EXPECT_EQ(status["lastValue"], "300");
  EXPECT_EQ(status["observedGeneration"], 1);
  ASSERT_EQ(status["splits"].size(), 3u);
  int64_t split_rows = 0;
  for (const auto& split : status["splits"]) {
    EXPECT_EQ(split["state"], "Succeeded") << split.dump();
    EXPECT_GT(split["rows"].get<int64_t>(), 0) << split.dump();
    split_rows += split["rows"].get<int64_t>();
  }
  EXPECT_EQ(split_rows, 300);
  const Json* succeeded = controllers::FindCondition(status["conditions"], "Succeeded");
  ASSERT_NE(succeeded, nullptr);
  EXPECT_EQ((*succeeded)["status"], "True");
  EXPECT_TRUE(std::filesystem::exists(TargetDir() + "/_SUCCESS"));
  EXPECT_EQ(SortedLines(ReadParts(TargetDir())).size(), 300u);
  const std::string first_run = status["run"];
  EXPECT_EQ(Children(resources::kJobs, "orders").size(), 3u) << "plan, run and commit Jobs";
  EXPECT_EQ(kubelet_->pods_run(), 5) << "one plan pod, three split pods, one commit pod";

  // New rows, and a spec change (a new generation) asks for the next run.
  pg_->Exec(
      "SET ROLE acequia; INSERT INTO ij_orders SELECT i, 'late ' || i, i "
      "FROM generate_series(301, 340) i;");
  phases_->Clear("orders");
  ASSERT_TRUE(client_
                  ->MergePatch(resources::kImportJobs, kNamespace, "orders",
                               {{"spec", {{"parallelism", 2}, {"successfulRunsHistoryLimit", 1}}}})
                  .ok());
  ASSERT_TRUE(WaitFor(
      [&] {
        const Json s = Get("orders")["status"];
        return s.value("run", "") != first_run && s.value("phase", "") == "Succeeded";
      },
      std::chrono::seconds(60)))
      << Describe("orders");
  status = Get("orders")["status"];
  EXPECT_EQ(status["rowsImported"], 40) << "only the rows after lastValue 300";
  EXPECT_EQ(status["lastValue"], "340");
  EXPECT_EQ(status["observedGeneration"], 2);
  EXPECT_EQ(SortedLines(ReadParts(TargetDir())).size(), 340u) << "no row twice";

  // The second run read the snapshot with the carried lastValue.
  auto snapshot = client_->Get(resources::kConfigMaps, kNamespace,
                               render::ImportRunConfigMapName("orders", status["run"]));
  ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
  const Json snapshot_job =
      Json::parse((*snapshot)["data"][render::kImportJobFileKey].get<std::string>());
  EXPECT_EQ(snapshot_job["spec"]["incremental"]["lastValue"], "300");
  auto run_job =
      client_->Get(resources::kJobs, kNamespace,
                   render::ImportRunJobName("orders", status["run"], render::ImportPhase::kRun));
  ASSERT_TRUE(run_job.ok());
  EXPECT_EQ((*run_job)["spec"]["parallelism"], 2);
  EXPECT_EQ((*run_job)["spec"]["completionMode"], "Indexed");

  // successfulRunsHistoryLimit 1: the first run's Jobs and ConfigMap are pruned.
  EXPECT_TRUE(WaitFor([&] {
    for (const auto& type : {resources::kJobs, resources::kConfigMaps}) {
      for (const auto& child : Children(type, "orders")) {
        if (child["metadata"]["labels"].value(render::kRunLabel, "") == first_run) return false;
      }
    }
    return true;
  }));
  EXPECT_EQ(Children(resources::kJobs, "orders").size(), 3u) << "the last run's Jobs stay";
}

TEST_F(ImportJobControllerTest, ScheduleRunsOncePerTickAndCarriesTheLastValue) {
  // Ten minutes have passed on the operator's clock: two ticks of */5 were missed, one run.
  clock_offset_seconds_ = 600;
  ASSERT_TRUE(client_
                  ->Create(resources::kImportJobs,
                           Manifest("hourly",
                                    {{"schedule", "*/5 * * * *"},
                                     {"incremental", {{"mode", "append"}, {"checkColumn", "id"}}}}))
                  .ok());
  ASSERT_TRUE(WaitForPhase("hourly", "Succeeded")) << Describe("hourly");
  Json status = Get("hourly")["status"];
  EXPECT_EQ(status["rowsImported"], 300);
  ASSERT_TRUE(status.contains("lastScheduleTime"));
  const std::string first_tick = status["lastScheduleTime"];
  const std::string first_run = status["run"];
  EXPECT_EQ(std::stoi(first_tick.substr(14, 2)) % 5, 0) << "a */5 tick: " << first_tick;
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(Get("hourly")["status"]["run"], first_run) << "one run per tick";

  // Five more minutes: the next tick runs; only the new rows come.
  pg_->Exec(
      "SET ROLE acequia; INSERT INTO ij_orders SELECT i, 'late ' || i, i "
      "FROM generate_series(301, 310) i;");
  clock_offset_seconds_ = 900;
  // Nothing else wakes the controller before its RequeueAfter: a metadata change does.
  ASSERT_TRUE(client_
                  ->MergePatch(resources::kImportJobs, kNamespace, "hourly",
                               {{"metadata", {{"annotations", {{"test/poke", "1"}}}}}})
                  .ok());
  ASSERT_TRUE(WaitFor(
      [&] {
        const Json s = Get("hourly")["status"];
        return s.value("run", "") != first_run && s.value("phase", "") == "Succeeded";
      },
      std::chrono::seconds(60)))
      << Describe("hourly");
  status = Get("hourly")["status"];
  EXPECT_GT(status["lastScheduleTime"].get<std::string>(), first_tick);
  EXPECT_EQ(status["rowsImported"], 10);
  EXPECT_EQ(status["lastValue"], "310");
}

TEST_F(ImportJobControllerTest, FailingSplitFailsTheRunWithItsMessage) {
  kubelet_->FailIndex(
      "-run", 1, R"({"phase":"run","error":"split 1 lost its connection","code":"Unavailable"})");
  ASSERT_TRUE(
      client_->Create(resources::kImportJobs, Manifest("broken", {{"backoffLimitPerIndex", 1}}))
          .ok());
  ASSERT_TRUE(WaitForPhase("broken", "Failed")) << Describe("broken");
  const Json status = Get("broken")["status"];
  const Json* failed = controllers::FindCondition(status["conditions"], "Failed");
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ((*failed)["status"], "True");
  EXPECT_EQ((*failed)["reason"], "SplitFailed");
  EXPECT_EQ((*failed)["message"], "split 1: split 1 lost its connection");
  EXPECT_EQ(status["splits"][1]["state"], "Failed");
  EXPECT_EQ(status["splits"][1]["message"], "split 1 lost its connection");
  EXPECT_FALSE(std::filesystem::exists(TargetDir() + "/_SUCCESS"));
  bool commit_job = false;
  for (const auto& job : Children(resources::kJobs, "broken")) {
    commit_job |= job["metadata"]["labels"].value(render::kPhaseLabel, "") == "commit";
  }
  EXPECT_FALSE(commit_job) << "a failed run is not committed";
}

TEST_F(ImportJobControllerTest, InvalidSpecCreatesNothing) {
  Json manifest = Manifest("invalid");
  manifest["spec"]["split"].erase("by");
  ASSERT_TRUE(client_->Create(resources::kImportJobs, manifest).ok());
  ASSERT_TRUE(WaitForPhase("invalid", "Failed")) << Describe("invalid");
  const Json status = Get("invalid")["status"];
  const Json* failed = controllers::FindCondition(status["conditions"], "Failed");
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ((*failed)["reason"], "InvalidSpec");
  EXPECT_EQ((*failed)["message"],
            "spec.split.by: required when split.count is greater than 1: the column whose range "
            "is divided among the splits");
  EXPECT_EQ(status["observedGeneration"], 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_TRUE(Children(resources::kJobs, "invalid").empty());
  EXPECT_TRUE(Children(resources::kConfigMaps, "invalid").empty());
  bool warned = false;
  auto events = client_->List(resources::kEvents, kNamespace);
  ASSERT_TRUE(events.ok());
  for (const auto& event : (*events)["items"]) {
    warned |= event.value("reason", "") == "InvalidSpec" && event.value("type", "") == "Warning";
  }
  EXPECT_TRUE(warned) << events->dump(2);
}

TEST_F(ImportJobControllerTest, TheClusterNeedsATargetVolume) {
  Json manifest = Manifest("no-volume");
  manifest["spec"]["target"].erase("volume");
  ASSERT_TRUE(client_->Create(resources::kImportJobs, manifest).ok());
  ASSERT_TRUE(WaitForPhase("no-volume", "Failed")) << Describe("no-volume");
  const Json status = Get("no-volume")["status"];
  const Json* failed = controllers::FindCondition(status["conditions"], "Failed");
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ((*failed)["reason"], "InvalidSpec");
  EXPECT_EQ((*failed)["message"].get<std::string>().rfind(
                "spec.target.volume.persistentVolumeClaim: required in the cluster", 0),
            0u);
  EXPECT_TRUE(Children(resources::kJobs, "no-volume").empty());
}

TEST_F(ImportJobControllerTest, DeletingTheImportJobRemovesItsJobsAndConfigMaps) {
  ASSERT_TRUE(client_->Create(resources::kImportJobs, Manifest("gone")).ok());
  ASSERT_TRUE(WaitForPhase("gone", "Succeeded")) << Describe("gone");
  EXPECT_EQ(Get("gone")["metadata"]["finalizers"], Json::array({render::kImportFinalizer}));
  EXPECT_FALSE(Children(resources::kJobs, "gone").empty());
  EXPECT_FALSE(Children(resources::kConfigMaps, "gone").empty());
  ASSERT_TRUE(client_->Delete(resources::kImportJobs, kNamespace, "gone").ok());
  EXPECT_TRUE(WaitFor(
      [&] {
        return !client_->Get(resources::kImportJobs, kNamespace, "gone").ok() &&
               Children(resources::kJobs, "gone").empty() &&
               Children(resources::kConfigMaps, "gone").empty() &&
               Children(resources::kPods, "gone").empty();
      },
      std::chrono::seconds(20)));
}

}  // namespace
}  // namespace acequia::testing
