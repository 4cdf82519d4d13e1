#include "api/reference.h"

#include <gtest/gtest.h>

#include "api/catalog.h"
#include "tests/support/test_env.h"

namespace acequia::api {
namespace {

TEST(ReferenceTest, DocsReferenceMatchesTheCatalogue) {
  const std::string committed =
      testing::ReadFile(std::string(ACEQUIA_SOURCE_DIR) + "/docs/reference.md");
  EXPECT_EQ(committed, ComponentReferenceMarkdown())
      << "docs/reference.md is stale: run `make reference` and commit it";
}

TEST(ReferenceTest, EveryPropertyOfEveryTypeIsDocumented) {
  const std::string doc = ComponentReferenceMarkdown();
  for (auto kind : {ComponentKind::kSource, ComponentKind::kChannel, ComponentKind::kSink,
                    ComponentKind::kInterceptor, ComponentKind::kSelector}) {
    for (const auto& type : CatalogOf(kind)) {
      EXPECT_NE(doc.find("### `" + std::string(type.name) + "`"), std::string::npos) << type.name;
      for (const auto& p : type.properties) {
        EXPECT_FALSE(p.description.empty()) << type.name << "." << p.name << " has no description";
        EXPECT_NE(doc.find("| `" + std::string(p.name) + "` |"), std::string::npos) << p.name;
      }
    }
  }
}

}  // namespace
}  // namespace acequia::api
