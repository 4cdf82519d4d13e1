#include "sidecar/core/agent_metrics.h"

#include <gtest/gtest.h>

#include <set>

#include "tests/support/test_env.h"

namespace acequia::sidecar {
namespace {

TEST(AgentMetricsTest, DocsListEveryMetricAndNothingElse) {
  AgentMetrics metrics("docs");
  metrics.ForSource("s", "netcat");
  metrics.ForChannel("c", "memory");
  metrics.ForChannel("f", "file");
  metrics.ForFileChannel("f", "file");
  metrics.ForSink("k", "null");
  metrics.ForSinkGroup("g", "failover", {"k"});
  metrics.ForInterceptor("s.0", "static");
  metrics.ConfigReloads("applied");
  const std::string doc =
      testing::ReadFile(std::string(ACEQUIA_SOURCE_DIR) + "/docs/metrics.md");
  std::set<std::string> exported;
  for (const auto& family : metrics.registry()->Collect()) {
    exported.insert(family.name);
    EXPECT_NE(doc.find("`" + family.name), std::string::npos)
        << family.name << " is missing from docs/metrics.md";
  }
  // Every acequia_ name the docs mention is exported.
  for (size_t at = doc.find("`acequia_"); at != std::string::npos; at = doc.find("`acequia_", at + 1)) {
    size_t end = doc.find_first_of("`{", at + 1);
    const std::string name = doc.substr(at + 1, end - at - 1);
    EXPECT_TRUE(exported.count(name)) << name << " is documented but not exported";
  }
}

TEST(AgentMetricsTest, ForgettingAComponentRemovesItsSeries) {
  AgentMetrics metrics("f");
  metrics.ForSink("gone", "null").drained->Increment();
  metrics.ForSink("kept", "null");
  metrics.ForgetSink("gone", "null");
  metrics.ForSource("gone", "netcat");
  metrics.ForgetSource("gone", "netcat");
  metrics.ForChannel("gone", "memory");
  metrics.ForgetChannel("gone", "memory");
  metrics.ForInterceptor("gone", "static");
  metrics.ForgetInterceptor("gone", "static");
  for (const auto& family : metrics.registry()->Collect()) {
    for (const auto& metric : family.metric) {
      for (const auto& label : metric.label) {
        EXPECT_NE(label.value, "gone") << family.name;
      }
    }
  }
}

}  // namespace
}  // namespace acequia::sidecar
