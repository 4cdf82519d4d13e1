// Server-side apply and strategic merge patch semantics of the API test server.
#include "tests/support/kube_api_server/field_manager.h"

#include <gtest/gtest.h>

namespace acequia::testing::kube {
namespace {

const FieldScope kConfigMap{false, false, false};

Json Cm(Json data) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", "x"}, {"namespace", "default"}}},
          {"data", std::move(data)}};
}

TEST(ServerSideApplyTest, CreatesAndRecordsTheManagersFields) {
  Json live = nullptr;
  auto conflicts = ServerSideApply(live, Cm({{"a", "1"}}), "alice", false, kConfigMap, "v1", "t");
  EXPECT_TRUE(conflicts.empty());
  EXPECT_EQ(live["data"]["a"], "1");
  ASSERT_EQ(live["metadata"]["managedFields"].size(), 1u);
  EXPECT_EQ(live["metadata"]["managedFields"][0]["manager"], "alice");
  EXPECT_EQ(live["metadata"]["managedFields"][0]["operation"], "Apply");
  EXPECT_EQ(live["metadata"]["managedFields"][0]["fieldsV1"],
            Json::parse(R"({"f:data":{"f:a":{}}})"));
}

TEST(ServerSideApplyTest, ConflictsOnlyWhenAnotherManagersValueWouldChange) {
  Json live = nullptr;
  ASSERT_TRUE(
      ServerSideApply(live, Cm({{"a", "1"}}), "alice", false, kConfigMap, "v1", "t").empty());
  // Same value: shared ownership, no conflict.
  EXPECT_TRUE(ServerSideApply(live, Cm({{"a", "1"}}), "bob", false, kConfigMap, "v1", "t").empty());
  auto conflicts = ServerSideApply(live, Cm({{"a", "2"}}), "carol", false, kConfigMap, "v1", "t");
  ASSERT_EQ(conflicts.size(), 2u);
  EXPECT_EQ(conflicts[0].field, ".data.a");
  EXPECT_EQ(live["data"]["a"], "1");  // untouched
  EXPECT_TRUE(
      ServerSideApply(live, Cm({{"a", "2"}}), "carol", true, kConfigMap, "v1", "t").empty());
  EXPECT_EQ(live["data"]["a"], "2");
}

TEST(ServerSideApplyTest, FieldsDroppedFromTheAppliedConfigAreRemovedUnlessOwnedElsewhere) {
  Json live = nullptr;
  ASSERT_TRUE(ServerSideApply(live, Cm({{"a", "1"}, {"b", "2"}, {"c", "3"}}), "alice", false,
                              kConfigMap, "v1", "t")
                  .empty());
  ASSERT_TRUE(ServerSideApply(live, Cm({{"c", "3"}}), "bob", false, kConfigMap, "v1", "t").empty());
  ASSERT_TRUE(
      ServerSideApply(live, Cm({{"a", "1"}}), "alice", false, kConfigMap, "v1", "t").empty());
  EXPECT_EQ(live["data"], Json::parse(R"({"a":"1","c":"3"})"));
}

TEST(ServerSideApplyTest, UpdatesTakeOwnershipFromAppliers) {
  Json live = nullptr;
  ASSERT_TRUE(
      ServerSideApply(live, Cm({{"a", "1"}}), "alice", false, kConfigMap, "v1", "t").empty());
  Json old = live;
  live["data"]["a"] = "changed";
  RecordUpdate(&old, live, "kubectl-edit", kConfigMap, "v1", "t");
  auto conflicts = ServerSideApply(live, Cm({{"a", "1"}}), "alice", false, kConfigMap, "v1", "t");
  ASSERT_EQ(conflicts.size(), 1u);
  EXPECT_EQ(conflicts[0].manager, "kubectl-edit");
}

TEST(ServerSideApplyTest, ContainersMergeByName) {
  const FieldScope deployment{false, true, false};
  auto dep = [](Json containers) {
    return Json{{"apiVersion", "apps/v1"},
                {"kind", "Deployment"},
                {"metadata", {{"name", "d"}}},
                {"spec", {{"template", {{"spec", {{"containers", std::move(containers)}}}}}}}};
  };
  Json live = nullptr;
  ASSERT_TRUE(ServerSideApply(live, dep({{{"name", "app"}, {"image", "a:1"}}}), "op", false,
                              deployment, "apps/v1", "t")
                  .empty());
  ASSERT_TRUE(ServerSideApply(live, dep({{{"name", "sidecar"}, {"image", "s:1"}}}), "injector",
                              false, deployment, "apps/v1", "t")
                  .empty());
  auto& containers = live["spec"]["template"]["spec"]["containers"];
  ASSERT_EQ(containers.size(), 2u);
  auto conflicts = ServerSideApply(live, dep({{{"name", "sidecar"}, {"image", "s:2"}}}), "op",
                                   false, deployment, "apps/v1", "t");
  ASSERT_EQ(conflicts.size(), 1u);
  EXPECT_EQ(conflicts[0].field, R"(.spec.template.spec.containers[{"name":"sidecar"}].image)");
}

TEST(StrategicMergePatchTest, MergesListsByKeyAndHonoursDirectives) {
  Json pod = Json::parse(
      R"({"spec":{"containers":[{"name":"a","image":"a:1"},{"name":"b","image":"b:1"}]}})");
  auto patched = StrategicMergePatch(pod, Json::parse(R"({"spec":{
      "$setElementOrder/containers":[{"name":"b"},{"name":"a"}],
      "containers":[{"name":"a","image":"a:2"}]}})"));
  ASSERT_TRUE(patched.ok());
  EXPECT_EQ((*patched)["spec"]["containers"][0]["name"], "b");
  EXPECT_EQ((*patched)["spec"]["containers"][1]["image"], "a:2");
  auto deleted = StrategicMergePatch(
      pod, Json::parse(R"({"spec":{"containers":[{"name":"a","$patch":"delete"}]}})"));
  ASSERT_TRUE(deleted.ok());
  ASSERT_EQ((*deleted)["spec"]["containers"].size(), 1u);
  EXPECT_EQ((*deleted)["spec"]["containers"][0]["name"], "b");
}

}  // namespace
}  // namespace acequia::testing::kube
