// Tests of operator/webhook/resource_validator and admission_review: a bad Flow or ImportJob is
// refused with the validator's exact field paths, in the shape kubectl prints.
#include "operator/webhook/resource_validator.h"

#include <cpprest/asyncrt_utils.h>
#include <gtest/gtest.h>

#include "operator/kube/yaml_json.h"

namespace acequia::webhook {
namespace {

Json Object(const std::string& yaml) {
  auto json = kube::ParseYamlOrJson(yaml);
  EXPECT_TRUE(json.ok()) << json.status().ToString();
  return *json;
}

AdmissionRequest Request(const std::string& kind, const std::string& operation, Json object,
                         Json old = Json()) {
  Json review = {{"apiVersion", "admission.k8s.io/v1"},
                 {"kind", "AdmissionReview"},
                 {"request",
                  {{"uid", "4b6b3f2e-1"},
                   {"kind", {{"group", "acequia.io"}, {"version", "v1alpha1"}, {"kind", kind}}},
                   {"namespace", "shop"},
                   {"name", (object.is_object() ? object : old)["metadata"].value("name", "")},
                   {"operation", operation},
                   {"object", object},
                   {"oldObject", old}}}};
  auto request = ParseAdmissionReview(review);
  EXPECT_TRUE(request.ok()) << request.status().ToString();
  return *request;
}

constexpr const char* kBadFlow = R"(
apiVersion: acequia.io/v1alpha1
kind: Flow
metadata: {name: web, namespace: shop}
spec:
  sources: [{name: in, type: netcat, port: 6666, channels: [main]}]
  channels: [{name: main, type: memory}]
  sinks: [{name: out, type: logger, channel: nowhere}]
)";

constexpr const char* kGoodFlow = R"(
apiVersion: acequia.io/v1alpha1
kind: Flow
metadata: {name: web, namespace: shop}
spec:
  sources: [{name: in, type: netcat, port: 6666, channels: [main]}]
  channels: [{name: main, type: memory}]
  sinks: [{name: out, type: logger, channel: main}]
)";

TEST(ResourceValidatorTest, AnInvalidFlowIsRefusedWithFieldPaths) {
  auto response = ValidateFlow(Request("Flow", "CREATE", Object(kBadFlow)), {});
  EXPECT_FALSE(response.allowed());
  const Json review = response.ToReview();
  EXPECT_EQ(review["apiVersion"], "admission.k8s.io/v1");
  EXPECT_EQ(review["response"]["uid"], "4b6b3f2e-1");
  const Json& status = review["response"]["status"];
  EXPECT_EQ(status["code"], 422);
  EXPECT_EQ(status["reason"], "Invalid");
  const std::string message = status["message"];
  EXPECT_EQ(message.rfind("Flow.acequia.io \"web\" is invalid: spec.sinks[0].channel: ", 0), 0u)
      << message;
  EXPECT_NE(message.find("nowhere"), std::string::npos) << message;
  ASSERT_FALSE(status["details"]["causes"].empty());
  EXPECT_EQ(status["details"]["causes"][0]["field"], "spec.sinks[0].channel");
  EXPECT_EQ(status["details"]["kind"], "Flow");
}

// Rules of a sink's own (status-code keys, codecs that need a serializer) are the validator's,
// so the webhook refuses them at kubectl apply, not the agent at start-up.
TEST(ResourceValidatorTest, PropertyRulesOfASinkAreRefusedAtAdmission) {
  Json flow = Object(kGoodFlow);
  flow["spec"]["sinks"] = Json::array({{{"name", "out"},
                                        {"type", "http"},
                                        {"channel", "main"},
                                        {"endpoint", "http://x/"},
                                        {"rollback", {{"4xy", false}}}},
                                       {{"name", "files"},
                                        {"type", "file_roll"},
                                        {"channel", "main"},
                                        {"directory", "/d"},
                                        {"compression", "snappy"}}});
  const Json status =
      ValidateFlow(Request("Flow", "CREATE", flow), {}).ToReview()["response"]["status"];
  EXPECT_EQ(status["code"], 422);
  const Json& causes = status["details"]["causes"];
  ASSERT_EQ(causes.size(), 2u) << status.dump();
  EXPECT_EQ(causes[0]["field"], "spec.sinks[0].rollback");
  EXPECT_EQ(causes[0]["message"],
            "key \"4xy\": expected a status code such as \"503\" or a class such as \"5XX\"");
  EXPECT_EQ(causes[1]["field"], "spec.sinks[1].compression");
  EXPECT_EQ(causes[1]["message"],
            "snappy compresses Avro blocks: it needs serializer avro_event (use gzip or zstd to "
            "compress text or json)");
}

TEST(ResourceValidatorTest, AValidFlowIsAllowed) {
  EXPECT_TRUE(ValidateFlow(Request("Flow", "CREATE", Object(kGoodFlow)), {}).allowed());
}

TEST(ResourceValidatorTest, WhatOnlyRenderingSeesIsRefusedToo) {
  // Port 514 in a sidecar: the agent runs as non-root in someone else's pod.
  Json flow = Object(kGoodFlow);
  flow["spec"]["mode"] = "sidecar";
  flow["spec"]["sources"][0]["port"] = 514;
  auto response = ValidateFlow(Request("Flow", "CREATE", flow), {});
  ASSERT_FALSE(response.allowed());
  const Json& cause = response.response()["status"]["details"]["causes"][0];
  EXPECT_EQ(cause["field"], "spec.sources[0].port") << response.response().dump();
}

TEST(ResourceValidatorTest, UpdatesThatLeaveTheSpecAloneAndDeletesPass) {
  Json bad = Object(kBadFlow);
  Json relabelled = bad;
  relabelled["metadata"]["labels"] = {{"team", "web"}};
  EXPECT_TRUE(ValidateFlow(Request("Flow", "UPDATE", relabelled, bad), {}).allowed());
  EXPECT_FALSE(ValidateFlow(Request("Flow", "UPDATE", bad, Object(kGoodFlow)), {}).allowed());
  EXPECT_TRUE(ValidateFlow(Request("Flow", "DELETE", Json(), bad), {}).allowed());
}

TEST(ResourceValidatorTest, AnImportJobIsCheckedLikeTheControllerDoes) {
  const char* job = R"(
apiVersion: acequia.io/v1alpha1
kind: ImportJob
metadata: {name: orders, namespace: shop}
spec:
  source: {driver: postgresql, host: pg, database: shop, table: orders}
  split: {count: 4}
  target: {path: /warehouse/orders, volume: {persistentVolumeClaim: warehouse}}
)";
  auto response = ValidateImportJob(Request("ImportJob", "CREATE", Object(job)));
  ASSERT_FALSE(response.allowed());
  const Json& status = response.response()["status"];
  EXPECT_EQ(status["details"]["causes"][0]["field"], "spec.split.by") << status.dump();

  // Valid locally, but the cluster needs the volume every pod of a run shares.
  Json no_volume = Object(job);
  no_volume["spec"]["split"] = {{"by", "id"}, {"count", 4}};
  no_volume["spec"]["target"].erase("volume");
  response = ValidateImportJob(Request("ImportJob", "CREATE", no_volume));
  ASSERT_FALSE(response.allowed());
  EXPECT_NE(response.response()["status"]["message"].get<std::string>().find("spec.target.volume"),
            std::string::npos)
      << response.response().dump();

  Json good = no_volume;
  good["spec"]["target"]["volume"] = {{"persistentVolumeClaim", "warehouse"}};
  EXPECT_TRUE(ValidateImportJob(Request("ImportJob", "CREATE", good)).allowed());
}

TEST(AdmissionReviewTest, RejectsWhatIsNotAnAdmissionReview) {
  EXPECT_FALSE(ParseAdmissionReview(Json::object()).ok());
  EXPECT_FALSE(ParseAdmissionReview({{"apiVersion", "admission.k8s.io/v1beta1"},
                                     {"kind", "AdmissionReview"},
                                     {"request", {{"uid", "x"}}}})
                   .ok());
  EXPECT_FALSE(
      ParseAdmissionReview({{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}})
          .ok());
}

TEST(AdmissionReviewTest, APatchIsBase64JsonPatch) {
  Json ops = Json::array({{{"op", "add"}, {"path", "/metadata/labels"}, {"value", {{"a", "b"}}}}});
  auto response = AdmissionResponse::Allow("u").WithPatch(ops);
  EXPECT_EQ(response.response()["patchType"], "JSONPatch");
  auto bytes = utility::conversions::from_base64(response.response()["patch"].get<std::string>());
  EXPECT_EQ(Json::parse(std::string(bytes.begin(), bytes.end())), ops);
  EXPECT_FALSE(AdmissionResponse::Allow("u").WithPatch(Json::array()).response().contains("patch"));
}

}  // namespace
}  // namespace acequia::webhook
