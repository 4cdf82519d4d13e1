// The regex_filter interceptor (Flume's RegexFilteringInterceptor): keeps the events whose body
// contains a match of regex and drops the others, or with excludeEvents the reverse. Bodies are
// matched as bytes (UTF-8 where the pattern needs characters). Dropped events are counted by the
// ChannelProcessor.
// Threading: immutable after construction; Intercept may run on several threads at once.
#pragma once

#include <re2/re2.h>

#include <memory>
#include <vector>

#include "api/flow.h"
#include "common/status.h"
#include "sidecar/core/interceptor.h"

namespace acequia::sidecar {

class RegexFilterInterceptor final : public Interceptor {
 public:
  // An invalid regex is InvalidArgument naming the property's field path.
  static Result<std::unique_ptr<RegexFilterInterceptor>> Create(const api::ComponentConfig& config);

  void Intercept(std::vector<Event>& events) override;

 private:
  RegexFilterInterceptor(std::unique_ptr<const RE2> regex, bool exclude);

  const std::unique_ptr<const RE2> regex_;
  const bool exclude_;
};

}  // namespace acequia::sidecar
