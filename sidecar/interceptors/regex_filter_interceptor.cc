#include "sidecar/interceptors/regex_filter_interceptor.h"

#include <algorithm>

#include "sidecar/core/registry.h"
#include "sidecar/interceptors/regex_property.h"

namespace acequia::sidecar {

Result<std::unique_ptr<RegexFilterInterceptor>> RegexFilterInterceptor::Create(
    const api::ComponentConfig& config) {
  auto regex = CompileRegexProperty(config, "regex");
  if (!regex.ok()) return regex.status();
  return std::unique_ptr<RegexFilterInterceptor>(new RegexFilterInterceptor(
      std::move(regex).value(), config.properties.GetBool("excludeEvents")));
}

RegexFilterInterceptor::RegexFilterInterceptor(std::unique_ptr<const RE2> regex, bool exclude)
    : regex_(std::move(regex)), exclude_(exclude) {}

void RegexFilterInterceptor::Intercept(std::vector<Event>& events) {
  std::erase_if(events, [this](const Event& event) {
    return RE2::PartialMatch(event.body, *regex_) == exclude_;
  });
}

ACEQUIA_REGISTER_INTERCEPTOR("regex_filter",
                             [](const api::ComponentConfig& config,
                                const ComponentContext&) -> Result<std::unique_ptr<Interceptor>> {
                               auto interceptor = RegexFilterInterceptor::Create(config);
                               if (!interceptor.ok()) return interceptor.status();
                               return std::unique_ptr<Interceptor>(std::move(interceptor).value());
                             });

}  // namespace acequia::sidecar
