#include "sidecar/interceptors/timestamp_interceptor.h"

#include <chrono>

#include "sidecar/core/registry.h"

namespace acequia::sidecar {

TimestampInterceptor::TimestampInterceptor(const api::ComponentConfig& config)
    : header_(config.properties.GetString("header")),
      preserve_existing_(config.properties.GetBool("preserveExisting")) {}

void TimestampInterceptor::Intercept(std::vector<Event>& events) {
  // One clock read per batch: the events of a batch pass together.
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const std::string value = std::to_string(now);
  for (auto& event : events) {
    if (preserve_existing_ && event.headers.Has(header_)) continue;
    event.headers.Set(header_, value);
  }
}

ACEQUIA_REGISTER_INTERCEPTOR("timestamp",
                             [](const api::ComponentConfig& config,
                                const ComponentContext&) -> Result<std::unique_ptr<Interceptor>> {
                               return std::unique_ptr<Interceptor>(
                                   std::make_unique<TimestampInterceptor>(config));
                             });

}  // namespace acequia::sidecar
