#include "sidecar/interceptors/static_interceptor.h"

#include "sidecar/core/registry.h"

namespace acequia::sidecar {

StaticInterceptor::StaticInterceptor(const api::ComponentConfig& config)
    : key_(config.properties.GetString("key")),
      value_(config.properties.GetString("value")),
      preserve_existing_(config.properties.GetBool("preserveExisting")) {}

void StaticInterceptor::Intercept(std::vector<Event>& events) {
  for (auto& event : events) {
    if (preserve_existing_ && event.headers.Has(key_)) continue;
    event.headers.Set(key_, value_);
  }
}

ACEQUIA_REGISTER_INTERCEPTOR("static",
                             [](const api::ComponentConfig& config,
                                const ComponentContext&) -> Result<std::unique_ptr<Interceptor>> {
                               return std::unique_ptr<Interceptor>(
                                   std::make_unique<StaticInterceptor>(config));
                             });

}  // namespace acequia::sidecar
