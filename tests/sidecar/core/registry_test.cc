#include "sidecar/core/registry.h"

#include <gtest/gtest.h>

namespace acequia::sidecar {
namespace {

TEST(RegistryTest, EveryCataloguedTypeHasExactlyOneImplementation) {
  Status s = CheckRegistries();
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST(RegistryTest, ADuplicateNameIsRefusedAndReported) {
  PluginRegistry<SinkFactory> registry(api::ComponentKind::kSink);
  auto factory = [](const api::SinkConfig&,
                    const ComponentContext&) -> Result<std::unique_ptr<Sink>> {
    return Status::Internal("unused");
  };
  EXPECT_TRUE(registry.Register("dup", factory));
  EXPECT_FALSE(registry.Register("dup", factory));
  EXPECT_EQ(registry.duplicates(), std::vector<std::string>{"dup"});
  EXPECT_NE(registry.Find("dup"), nullptr);
  EXPECT_EQ(registry.Find("other"), nullptr);
}

}  // namespace
}  // namespace acequia::sidecar
