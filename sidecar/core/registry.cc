#include "sidecar/core/registry.h"

#include <set>

namespace acequia::sidecar {
namespace {

template <typename Factory>
void CheckOne(const PluginRegistry<Factory>& registry, std::string* problems) {
  const std::string kind(api::ComponentKindName(registry.kind()));
  for (const auto& d : registry.duplicates()) {
    *problems += "\n" + kind + " type \"" + d + "\" is registered twice";
  }
  std::set<std::string> registered;
  for (const auto& t : registry.Types()) registered.insert(t);
  std::set<std::string> catalogued;
  for (const auto& t : api::CatalogOf(registry.kind())) catalogued.emplace(t.name);
  for (const auto& t : registered) {
    if (!catalogued.count(t))
      *problems += "\n" + kind + " type \"" + t + "\" has no catalogue entry";
  }
  for (const auto& t : catalogued) {
    if (!registered.count(t))
      *problems += "\n" + kind + " type \"" + t + "\" has no implementation";
  }
}

}  // namespace

PluginRegistry<SourceFactory>& SourceRegistry() {
  static PluginRegistry<SourceFactory> registry(api::ComponentKind::kSource);
  return registry;
}
PluginRegistry<ChannelFactory>& ChannelRegistry() {
  static PluginRegistry<ChannelFactory> registry(api::ComponentKind::kChannel);
  return registry;
}
PluginRegistry<SinkFactory>& SinkRegistry() {
  static PluginRegistry<SinkFactory> registry(api::ComponentKind::kSink);
  return registry;
}
PluginRegistry<InterceptorFactory>& InterceptorRegistry() {
  static PluginRegistry<InterceptorFactory> registry(api::ComponentKind::kInterceptor);
  return registry;
}
PluginRegistry<SelectorFactory>& SelectorRegistry() {
  static PluginRegistry<SelectorFactory> registry(api::ComponentKind::kSelector);
  return registry;
}

Status CheckRegistries() {
  std::string problems;
  CheckOne(SourceRegistry(), &problems);
  CheckOne(ChannelRegistry(), &problems);
  CheckOne(SinkRegistry(), &problems);
  CheckOne(InterceptorRegistry(), &problems);
  CheckOne(SelectorRegistry(), &problems);
  if (problems.empty()) return Status::Ok();
  return Status::Internal("plugin registry is inconsistent:" + problems);
}

}  // namespace acequia::sidecar
