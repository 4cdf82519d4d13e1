// The Flume mapping tables agree with the catalogue: every target exists with a fitting type,
// every duration says its Flume unit, every supported type name resolves.
#include "sidecar/convert/flume_mapping.h"

#include <gtest/gtest.h>

#include <set>

namespace acequia::sidecar::convert {
namespace {

using api::PropertyType;

TEST(FlumeMappingTest, EveryTypeNameMapsToACataloguedType) {
  for (const auto& t : FlumeTypeNames()) {
    EXPECT_NE(api::FindComponentType(t.kind, t.ours), nullptr)
        << api::ComponentKindName(t.kind) << " " << t.ours;
    EXPECT_EQ(FindUnsupportedType(t.kind, t.flume), nullptr) << t.flume;
  }
}

TEST(FlumeMappingTest, EveryCataloguedTypeWithAFlumeTwinHasItsAlias) {
  // forward (our own protocol) and uuid (a class name only in Flume) have no alias of their own.
  const std::set<std::string_view> ours_only = {"forward", "uuid"};
  for (auto kind :
       {ComponentKind::kSource, ComponentKind::kChannel, ComponentKind::kSink,
        ComponentKind::kInterceptor, ComponentKind::kSelector, ComponentKind::kSinkProcessor}) {
    for (const auto& type : api::CatalogOf(kind)) {
      if (ours_only.count(type.name)) continue;
      auto resolved = OurTypeName(kind, type.name);
      ASSERT_TRUE(resolved.has_value()) << type.name;
      EXPECT_EQ(*resolved, type.name);
    }
  }
}

TEST(FlumeMappingTest, EveryPropertyRowNamesACataloguePropertyOfAFittingType) {
  for (const auto& p : FlumeProperties()) {
    SCOPED_TRACE(std::string(p.type) + " " + std::string(p.flume));
    const auto* type = api::FindComponentType(p.kind, p.type);
    ASSERT_NE(type, nullptr);
    if (p.conversion == ValueConversion::kAcceptedValue ||
        p.conversion == ValueConversion::kIgnored) {
      EXPECT_TRUE(p.ours.empty());
      EXPECT_FALSE(p.arg.empty());
      continue;
    }
    const auto* spec = type->Find(p.ours);
    ASSERT_NE(spec, nullptr) << p.ours;
    switch (p.conversion) {
      case ValueConversion::kMillis:
      case ValueConversion::kSeconds:
        EXPECT_EQ(spec->type, PropertyType::kDuration);
        break;
      case ValueConversion::kList:
        EXPECT_TRUE(spec->type == PropertyType::kStringList ||
                    spec->type == PropertyType::kIntList);
        break;
      case ValueConversion::kBool:
        EXPECT_EQ(spec->type, PropertyType::kBool);
        break;
      case ValueConversion::kMapEntry:
        EXPECT_EQ(p.flume.back(), '.');
        [[fallthrough]];
      case ValueConversion::kFixedMapEntry:
        EXPECT_TRUE(spec->type == PropertyType::kStringMap ||
                    spec->type == PropertyType::kListMap || spec->type == PropertyType::kIntMap ||
                    spec->type == PropertyType::kBoolMap);
        break;
      default:
        // A duration must say whether Flume wrote milliseconds or seconds.
        EXPECT_NE(spec->type, PropertyType::kDuration);
        EXPECT_NE(spec->type, PropertyType::kBool);
        break;
    }
  }
}

TEST(FlumeMappingTest, ValueNamesAndImpliedPropertiesExistInTheCatalogue) {
  for (const auto& v : FlumeValueNames()) {
    const auto* type = api::FindComponentType(v.kind, v.type);
    ASSERT_NE(type, nullptr);
    const auto* spec = type->Find(v.ours);
    ASSERT_NE(spec, nullptr) << v.ours;
    if (!spec->one_of.empty()) {
      EXPECT_NE(std::find(spec->one_of.begin(), spec->one_of.end(), v.our_value),
                spec->one_of.end())
          << v.our_value;
    }
  }
  for (const auto& i : ImpliedProperties()) {
    const auto* type = api::FindComponentType(i.kind, i.type);
    ASSERT_NE(type, nullptr);
    EXPECT_NE(type->Find(i.ours), nullptr) << i.ours;
    EXPECT_FALSE(i.reason.empty());
  }
}

TEST(FlumeMappingTest, TypeAliasesIgnoreCaseButClassNamesDoNot) {
  EXPECT_EQ(OurTypeName(ComponentKind::kSource, "TAILDIR"), "taildir");
  EXPECT_EQ(OurTypeName(ComponentKind::kSink, "File_Roll"), "file_roll");
  EXPECT_EQ(OurTypeName(ComponentKind::kSource, "org.apache.flume.source.SpoolDirectorySource"),
            "spooldir");
  EXPECT_FALSE(OurTypeName(ComponentKind::kSource, "org.apache.flume.source.spooldirectorysource"));
  EXPECT_NE(FindUnsupportedType(ComponentKind::kSink, "AVRO"), nullptr);
}

TEST(FlumeMappingTest, MapEntriesMatchByTheLongestPrefix) {
  const auto* p = FindFlumeProperty(ComponentKind::kSink, "http", "backoff.4XX");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->ours, "backoff");
  EXPECT_EQ(FindFlumeProperty(ComponentKind::kSink, "http", "backoff."), nullptr);
  p = FindFlumeProperty(ComponentKind::kSinkProcessor, "load_balance", "selector.maxTimeOut");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->ours, "maxTimeOut");
}

}  // namespace
}  // namespace acequia::sidecar::convert
