#include "sidecar/interceptors/regex_extractor_interceptor.h"

#include "sidecar/core/registry.h"
#include "sidecar/interceptors/regex_property.h"

namespace acequia::sidecar {

Result<std::unique_ptr<RegexExtractorInterceptor>> RegexExtractorInterceptor::Create(
    const api::ComponentConfig& config) {
  auto regex = CompileRegexProperty(config, "regex");
  if (!regex.ok()) return regex.status();
  const std::vector<std::string>& headers = config.properties.GetList("serializers");
  const auto groups = static_cast<size_t>((*regex)->NumberOfCapturingGroups());
  if (headers.size() > groups) {
    return Status::InvalidArgument(config.path + ".serializers: names " +
                                   std::to_string(headers.size()) + " headers but regex has only " +
                                   std::to_string(groups) + " capture groups");
  }
  return std::unique_ptr<RegexExtractorInterceptor>(
      new RegexExtractorInterceptor(std::move(regex).value(), headers));
}

RegexExtractorInterceptor::RegexExtractorInterceptor(std::unique_ptr<const RE2> regex,
                                                     std::vector<std::string> headers)
    : regex_(std::move(regex)), headers_(std::move(headers)) {}

void RegexExtractorInterceptor::Intercept(std::vector<Event>& events) {
  if (headers_.empty()) return;
  // Group 0 is the whole match; groups 1..n follow.
  std::vector<re2::StringPiece> groups(headers_.size() + 1);
  for (auto& event : events) {
    if (!regex_->Match(event.body, 0, event.body.size(), RE2::UNANCHORED, groups.data(),
                       static_cast<int>(groups.size()))) {
      continue;
    }
    for (size_t i = 0; i < headers_.size(); ++i) {
      const re2::StringPiece& group = groups[i + 1];
      if (group.data() == nullptr) continue;  // the group did not take part in the match
      event.headers.Set(headers_[i], std::string(group.data(), group.size()));
    }
  }
}

ACEQUIA_REGISTER_INTERCEPTOR("regex_extractor",
                             [](const api::ComponentConfig& config,
                                const ComponentContext&) -> Result<std::unique_ptr<Interceptor>> {
                               auto interceptor = RegexExtractorInterceptor::Create(config);
                               if (!interceptor.ok()) return interceptor.status();
                               return std::unique_ptr<Interceptor>(std::move(interceptor).value());
                             });

}  // namespace acequia::sidecar
