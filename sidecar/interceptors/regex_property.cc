#include "sidecar/interceptors/regex_property.h"

#include <string>

namespace acequia::sidecar {

Result<std::unique_ptr<const RE2>> CompileRegexProperty(const api::ComponentConfig& config,
                                                        std::string_view property) {
  RE2::Options options;
  options.set_log_errors(false);
  const std::string& pattern = config.properties.GetString(property);
  auto regex = std::make_unique<const RE2>(pattern, options);
  if (!regex->ok()) {
    return Status::InvalidArgument(config.path + "." + std::string(property) +
                                   ": invalid regular expression \"" + pattern +
                                   "\": " + regex->error());
  }
  return regex;
}

}  // namespace acequia::sidecar
