#include "api/crd_schema.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "api/catalog.h"
#include "api/flow.h"
#include "api/import_job.h"

namespace acequia::api {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

const std::string kSourceDir = ACEQUIA_SOURCE_DIR;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(CrdSchemaTest, CommittedCrdsMatchTheGenerator) {
  for (const auto& file : GeneratedCrds()) {
    for (const char* dir : {"crds", "helm/acequia/crds"}) {
      const fs::path path = fs::path(kSourceDir) / dir / file.file_name;
      EXPECT_EQ(ReadFile(path), file.yaml)
          << path << " is stale: run `make crds` (acequia-crdgen --out crds --out "
          << "helm/acequia/crds) and commit it";
    }
  }
}

const Json& ItemsOf(const Json& spec_properties, const char* list) {
  return spec_properties.at(list).at("items");
}

// Every type and every property of the catalogue appears in the Flow CRD, where it is declared.
TEST(CrdSchemaTest, FlowSchemaDeclaresEveryCatalogueTypeAndProperty) {
  const Json crd = FlowCrd();
  const Json& spec =
      crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"];
  const Json& source = ItemsOf(spec, "sources");
  const std::vector<std::pair<ComponentKind, const Json*>> objects = {
      {ComponentKind::kSource, &source},
      {ComponentKind::kChannel, &ItemsOf(spec, "channels")},
      {ComponentKind::kSink, &ItemsOf(spec, "sinks")},
      {ComponentKind::kInterceptor, &source["properties"]["interceptors"]["items"]},
      {ComponentKind::kSelector, &source["properties"]["selector"]},
      {ComponentKind::kSinkProcessor, &ItemsOf(spec, "sinkGroups")["properties"]["processor"]}};
  for (const auto& [kind, object] : objects) {
    const Json& props = object->at("properties");
    std::set<std::string> types(props.at("type").at("enum").begin(),
                                props.at("type").at("enum").end());
    std::set<std::string> expected;
    for (const auto& type : CatalogOf(kind)) {
      expected.emplace(type.name);
      for (const auto& p : type.properties) {
        ASSERT_TRUE(props.contains(std::string(p.name))) << type.name << "." << p.name;
        const Json& schema = props.at(std::string(p.name));
        EXPECT_NE(schema.at("description").get<std::string>().find(std::string(p.description)),
                  std::string::npos)
            << type.name << "." << p.name;
      }
      for (auto key : StructuralKeys(kind)) {
        if (kind == ComponentKind::kSource || kind == ComponentKind::kChannel ||
            kind == ComponentKind::kSink) {
          EXPECT_TRUE(props.contains(std::string(key))) << ComponentKindName(kind) << "." << key;
        }
      }
    }
    EXPECT_EQ(types, expected) << ComponentKindName(kind);
  }
}

TEST(CrdSchemaTest, FlowSpecFieldsAndDefaultsComeFromFlowSpec) {
  const Json crd = FlowCrd();
  const Json& spec =
      crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"];
  std::vector<std::string> keys;
  for (const auto& [key, value] : spec.items()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"mode", "replicas", "inject", "sources", "channels",
                                            "sinks", "sinkGroups", "storage", "metrics"}));
  const FlowSpec defaults;
  EXPECT_EQ(spec["mode"]["default"], defaults.mode);
  EXPECT_EQ(spec["replicas"]["default"], defaults.replicas);
  EXPECT_EQ(spec["metrics"]["properties"]["port"]["default"], defaults.metrics_port);
}

TEST(CrdSchemaTest, NamesShortNamesCategoriesAndStatusSubresource) {
  for (const auto& [crd, short_name] :
       std::vector<std::pair<Json, std::string>>{{FlowCrd(), "fl"}, {ImportJobCrd(), "ij"}}) {
    EXPECT_EQ(crd["spec"]["names"]["shortNames"], Json::array({short_name}));
    EXPECT_EQ(crd["spec"]["names"]["categories"], Json::array({"acequia"}));
    EXPECT_TRUE(crd["spec"]["versions"][0]["subresources"].contains("status"));
  }
}

// ---- The C++ validators judge tests/tools/testdata as the CRDs do ----------------------------

// The `# cpp: …` lines of a testdata file.
std::vector<std::string> ExpectedCppErrors(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# cpp: ", 0) == 0) out.push_back(line.substr(7));
  }
  return out;
}

std::vector<fs::path> TestdataFiles(const std::string& kind, const std::string& verdict) {
  std::vector<fs::path> files;
  for (const auto& entry :
       fs::directory_iterator(fs::path(kSourceDir) / "tests/tools/testdata" / kind / verdict)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<FieldError> CppErrors(const std::string& kind, const std::string& text) {
  return kind == "flows" ? ParseFlow(text).errors : ParseImportJob(text).errors;
}

class TestdataTest : public ::testing::TestWithParam<std::string> {};

TEST_P(TestdataTest, ValidManifestsPass) {
  const auto files = TestdataFiles(GetParam(), "valid");
  ASSERT_FALSE(files.empty());
  for (const auto& file : files) {
    const auto errors = CppErrors(GetParam(), ReadFile(file));
    EXPECT_TRUE(errors.empty()) << file << ":\n" << JoinErrors(errors);
  }
}

TEST_P(TestdataTest, InvalidManifestsFailWithTheExpectedError) {
  const auto files = TestdataFiles(GetParam(), "invalid");
  ASSERT_FALSE(files.empty());
  for (const auto& file : files) {
    const std::string text = ReadFile(file);
    const std::string errors = JoinErrors(CppErrors(GetParam(), text));
    EXPECT_FALSE(errors.empty()) << file << " is accepted by the C++ validator";
    const auto expected = ExpectedCppErrors(text);
    EXPECT_FALSE(expected.empty()) << file << " has no `# cpp:` line";
    for (const auto& e : expected) {
      EXPECT_NE(errors.find(e), std::string::npos) << file << ": expected \"" << e << "\" among:\n"
                                                   << errors;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Kinds, TestdataTest, ::testing::Values("flows", "imports"));

// The examples the users copy are valid for the C++ validators too (the CRDs are checked by
// tests/tools/validate_manifests.mjs).
TEST(CrdSchemaTest, ExamplesPassTheCppValidators) {
  for (const auto& [dir, kind] : std::vector<std::pair<std::string, std::string>>{
           {"examples/flows", "flows"}, {"examples/imports", "imports"}}) {
    for (const auto& entry : fs::directory_iterator(fs::path(kSourceDir) / dir)) {
      if (entry.path().extension() != ".yaml") continue;
      const auto errors = CppErrors(kind, ReadFile(entry.path()));
      EXPECT_TRUE(errors.empty()) << entry.path() << ":\n" << JoinErrors(errors);
    }
  }
}

}  // namespace
}  // namespace acequia::api
