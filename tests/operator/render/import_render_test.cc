// Rendering one ImportJob run (operator/render/import_render.h): the snapshot ConfigMap carries
// the status' lastValue; the Jobs run acequia-import with the documented arguments, restricted
// pods, credentials only as a mounted Secret, the claim at target.path, labels and owner.
#include "operator/render/import_render.h"

#include <gtest/gtest.h>

namespace acequia::render {
namespace {

Json ImportJobObject() {
  return Json::parse(R"({
    "apiVersion": "acequia.io/v1alpha1", "kind": "ImportJob",
    "metadata": {"name": "orders", "namespace": "shop", "uid": "u-1", "generation": 3},
    "spec": {
      "source": {"driver": "postgresql", "host": "pg", "database": "shop",
                 "credentialsSecret": "pg-reader", "table": "orders"},
      "split": {"by": "id", "count": 4},
      "incremental": {"mode": "append", "checkColumn": "id", "lastValue": "0"},
      "target": {"volume": {"persistentVolumeClaim": "warehouse"}, "path": "/warehouse/orders/"},
      "parallelism": 2, "backoffLimitPerIndex": 5
    }})");
}

api::ImportJob Parsed(const Json& object) {
  auto parsed = api::ParseImportJob(object.dump());
  EXPECT_TRUE(parsed.job) << api::JoinErrors(parsed.errors);
  return parsed.job ? *parsed.job : api::ImportJob{};
}

const Json& Container(const Json& job) { return job["spec"]["template"]["spec"]["containers"][0]; }

TEST(ImportRenderTest, SnapshotCarriesTheStatusLastValue) {
  const Json cm = RenderImportRunConfigMap(ImportJobObject(), "r1", std::string("1200"));
  EXPECT_EQ(cm["metadata"]["name"], "orders-r1");
  EXPECT_EQ(cm["metadata"]["namespace"], "shop");
  EXPECT_EQ(cm["metadata"]["labels"]["acequia.io/run"], "r1");
  EXPECT_EQ(cm["metadata"]["ownerReferences"][0]["uid"], "u-1");
  const std::string text = cm["data"]["importjob.yaml"];
  auto snapshot = api::ParseImportJob(text);
  ASSERT_TRUE(snapshot.job) << api::JoinErrors(snapshot.errors);
  EXPECT_EQ(snapshot.job->name, "orders");
  EXPECT_EQ(snapshot.job->spec.incremental.last_value, "1200");
  EXPECT_EQ(snapshot.job->spec.parallelism, 2);
  // Without a carried value the spec's own stays.
  const Json first = RenderImportRunConfigMap(ImportJobObject(), "r0", std::nullopt);
  EXPECT_EQ(
      Json::parse(
          first["data"]["importjob.yaml"].get<std::string>())["spec"]["incremental"]["lastValue"],
      "0");
}

TEST(ImportRenderTest, PlanJobWritesThePlanFileOnTheSharedVolume) {
  const Json ij = ImportJobObject();
  OperatorSettings settings;
  settings.import_image = "registry.example/acequia-import:1.2";
  const Json job = RenderImportPhaseJob(ij, Parsed(ij), settings, "r1", ImportPhase::kPlan);
  EXPECT_EQ(job["apiVersion"], "batch/v1");
  EXPECT_EQ(job["metadata"]["name"], "orders-r1-plan");
  EXPECT_EQ(job["spec"]["completions"], 1);
  EXPECT_EQ(job["spec"]["backoffLimit"], 5);
  const Json& c = Container(job);
  EXPECT_EQ(c["image"], "registry.example/acequia-import:1.2");
  EXPECT_EQ(c["args"], Json::array({"plan", "--job", "/etc/acequia/import/importjob.yaml",
                                    "--termination-log", "/dev/termination-log", "--credentials",
                                    "/var/run/secrets/acequia/db", "--run-id", "r1", "--plan-file",
                                    "/warehouse/orders/_temporary/r1/plan.json"}));
  EXPECT_EQ(c["terminationMessagePolicy"], "File");
  EXPECT_EQ(c["resources"], settings.import_resources);
  EXPECT_EQ(job["spec"]["template"]["metadata"]["labels"]["acequia.io/phase"], "plan");
  EXPECT_EQ(job["metadata"]["labels"]["app.kubernetes.io/managed-by"], "acequia-operator");
  EXPECT_EQ(job["metadata"]["labels"]["acequia.io/importjob"], "orders");
}

TEST(ImportRenderTest, RunJobIsIndexedWithTheIndexFromTheAnnotation) {
  const Json ij = ImportJobObject();
  const Json job =
      RenderImportPhaseJob(ij, Parsed(ij), OperatorSettings{}, "r1", ImportPhase::kRun, 5);
  EXPECT_EQ(job["metadata"]["name"], "orders-r1-run");
  EXPECT_EQ(job["spec"]["completionMode"], "Indexed");
  EXPECT_EQ(job["spec"]["completions"], 5);
  EXPECT_EQ(job["spec"]["parallelism"], 2);
  EXPECT_EQ(job["spec"]["backoffLimitPerIndex"], 5);
  EXPECT_EQ(job["spec"]["template"]["spec"]["restartPolicy"], "Never");
  const Json& c = Container(job);
  EXPECT_EQ(c["args"][0], "run");
  EXPECT_EQ(c["args"][1], "--split");
  EXPECT_EQ(c["args"][2], "$(JOB_COMPLETION_INDEX)");
  EXPECT_EQ(c["args"].back(), "/warehouse/orders/_temporary/r1/plan.json");
  EXPECT_EQ(c["env"][0]["valueFrom"]["fieldRef"]["fieldPath"],
            "metadata.annotations['batch.kubernetes.io/job-completion-index']");

  Json no_parallelism = ij;
  no_parallelism["spec"].erase("parallelism");
  const Json all = RenderImportPhaseJob(no_parallelism, Parsed(no_parallelism), OperatorSettings{},
                                        "r1", ImportPhase::kRun, 5);
  EXPECT_EQ(all["spec"]["parallelism"], 5) << "default: every split at once";
}

TEST(ImportRenderTest, PodsAreRestrictedAndCredentialsAreOnlyAMountedSecret) {
  const Json ij = ImportJobObject();
  const Json job =
      RenderImportPhaseJob(ij, Parsed(ij), OperatorSettings{}, "r1", ImportPhase::kCommit);
  const Json& pod = job["spec"]["template"]["spec"];
  EXPECT_EQ(pod["securityContext"]["runAsNonRoot"], true);
  EXPECT_EQ(pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault");
  EXPECT_EQ(pod["automountServiceAccountToken"], false);
  const Json& c = Container(job);
  EXPECT_EQ(c["securityContext"]["allowPrivilegeEscalation"], false);
  EXPECT_EQ(c["securityContext"]["readOnlyRootFilesystem"], true);
  EXPECT_EQ(c["securityContext"]["capabilities"]["drop"], Json::array({"ALL"}));
  EXPECT_FALSE(c.contains("env")) << "no credentials, nor anything else, in env";
  EXPECT_EQ(c["args"].dump().find("pg-reader"), std::string::npos);

  std::map<std::string, Json> volumes;
  for (const auto& v : pod["volumes"]) volumes[v["name"]] = v;
  EXPECT_EQ(volumes["db-credentials"]["secret"]["secretName"], "pg-reader");
  EXPECT_EQ(volumes["target"]["persistentVolumeClaim"]["claimName"], "warehouse");
  EXPECT_EQ(volumes["job"]["configMap"]["name"], "orders-r1");
  std::map<std::string, std::string> mounts;
  for (const auto& m : c["volumeMounts"]) mounts[m["name"]] = m["mountPath"];
  EXPECT_EQ(mounts["db-credentials"], "/var/run/secrets/acequia/db");
  EXPECT_EQ(mounts["target"], "/warehouse/orders") << "target.path resolves on the claim";
  EXPECT_EQ(mounts["job"], "/etc/acequia/import");
  EXPECT_EQ(c["args"][0], "commit");
}

TEST(ImportRenderTest, LongNamesStayValidLabels) {
  const std::string long_name(60, 'a');
  const std::string name =
      ImportRunJobName(long_name, "20261121-070512-3fa1", ImportPhase::kCommit);
  EXPECT_LE(name.size(), 63u);
  EXPECT_NE(name, ImportRunJobName(long_name, "20261121-070512-3fa1", ImportPhase::kPlan));
}

}  // namespace
}  // namespace acequia::render
