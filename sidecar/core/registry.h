// Plugin registries: every source, channel, sink, interceptor and selector type registers its
// factory by name with one line in its own .cc file:
//
//   ACEQUIA_REGISTER_SINK("null", [](const api::SinkConfig& c, const ComponentContext& ctx) {...});
//
// A duplicate name is recorded and turned into a start-up error by CheckRegistries(), which also
// checks that the registries and the api/ catalogue name the same types.
// Threading: registration happens during static initialisation; afterwards the registries are
// read-only and safe to read from any thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/flow.h"
#include "common/status.h"
#include "sidecar/core/channel.h"
#include "sidecar/core/channel_selector.h"
#include "sidecar/core/component_context.h"
#include "sidecar/core/interceptor.h"
#include "sidecar/core/sink.h"
#include "sidecar/core/source.h"

namespace acequia::sidecar {

class ChannelProcessor;

template <typename Factory>
class PluginRegistry {
 public:
  explicit PluginRegistry(api::ComponentKind kind) : kind_(kind) {}

  // Returns false (and remembers the name) when `type` is already registered.
  bool Register(std::string_view type, Factory factory) {
    auto [it, inserted] = factories_.emplace(std::string(type), std::move(factory));
    if (!inserted) duplicates_.emplace_back(type);
    return inserted;
  }
  const Factory* Find(std::string_view type) const {
    auto it = factories_.find(std::string(type));
    return it == factories_.end() ? nullptr : &it->second;
  }
  std::vector<std::string> Types() const {
    std::vector<std::string> types;
    for (const auto& [name, _] : factories_) types.push_back(name);
    return types;
  }
  const std::vector<std::string>& duplicates() const { return duplicates_; }
  api::ComponentKind kind() const { return kind_; }

 private:
  api::ComponentKind kind_;
  std::map<std::string, Factory> factories_;
  std::vector<std::string> duplicates_;
};

using SourceFactory = std::function<Result<std::unique_ptr<Source>>(
    const api::SourceConfig&, const ComponentContext&, ChannelProcessor&)>;
using ChannelFactory = std::function<Result<std::unique_ptr<Channel>>(const api::ComponentConfig&,
                                                                      const ComponentContext&)>;
using SinkFactory =
    std::function<Result<std::unique_ptr<Sink>>(const api::SinkConfig&, const ComponentContext&)>;
using InterceptorFactory = std::function<Result<std::unique_ptr<Interceptor>>(
    const api::ComponentConfig&, const ComponentContext&)>;
// Selectors also get the source's channel names, to map names to indices.
using SelectorFactory = std::function<Result<std::unique_ptr<ChannelSelector>>(
    const api::ComponentConfig&, const std::vector<std::string>& channels)>;

PluginRegistry<SourceFactory>& SourceRegistry();
PluginRegistry<ChannelFactory>& ChannelRegistry();
PluginRegistry<SinkFactory>& SinkRegistry();
PluginRegistry<InterceptorFactory>& InterceptorRegistry();
PluginRegistry<SelectorFactory>& SelectorRegistry();

// Every duplicate registration, and every type the catalogue and the registries disagree on.
Status CheckRegistries();

}  // namespace acequia::sidecar

#define ACEQUIA_PLUGIN_CONCAT_INNER(a, b) a##b
#define ACEQUIA_PLUGIN_CONCAT(a, b) ACEQUIA_PLUGIN_CONCAT_INNER(a, b)
#define ACEQUIA_REGISTER_PLUGIN(registry, type, ...)                                       \
  [[maybe_unused]] static const bool ACEQUIA_PLUGIN_CONCAT(kAcequiaRegistered, __LINE__) = \
      ::acequia::sidecar::registry().Register(type, __VA_ARGS__)
#define ACEQUIA_REGISTER_SOURCE(type, ...) \
  ACEQUIA_REGISTER_PLUGIN(SourceRegistry, type, __VA_ARGS__)
#define ACEQUIA_REGISTER_CHANNEL(type, ...) \
  ACEQUIA_REGISTER_PLUGIN(ChannelRegistry, type, __VA_ARGS__)
#define ACEQUIA_REGISTER_SINK(type, ...) ACEQUIA_REGISTER_PLUGIN(SinkRegistry, type, __VA_ARGS__)
#define ACEQUIA_REGISTER_INTERCEPTOR(type, ...) \
  ACEQUIA_REGISTER_PLUGIN(InterceptorRegistry, type, __VA_ARGS__)
#define ACEQUIA_REGISTER_SELECTOR(type, ...) \
  ACEQUIA_REGISTER_PLUGIN(SelectorRegistry, type, __VA_ARGS__)
