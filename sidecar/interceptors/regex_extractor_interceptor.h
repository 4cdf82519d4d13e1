// The regex_extractor interceptor (Flume's RegexExtractorInterceptor): searches the body for the
// first match of regex and sets one header per capture group: group i goes to the header named
// by the i-th entry of serializers. Groups that did not take part in the match set nothing, and
// an existing header of that name is overwritten, as in Flume. Only Flume's default
// (pass-through) serializer exists, so serializers is simply the list of header names.
// Threading: immutable after construction; Intercept may run on several threads at once.
#pragma once

#include <re2/re2.h>

#include <memory>
#include <string>
#include <vector>

#include "api/flow.h"
#include "common/status.h"
#include "sidecar/core/interceptor.h"

namespace acequia::sidecar {

class RegexExtractorInterceptor final : public Interceptor {
 public:
  // An invalid regex, or more serializers than the regex has groups, is InvalidArgument naming
  // the property's field path.
  static Result<std::unique_ptr<RegexExtractorInterceptor>> Create(
      const api::ComponentConfig& config);

  void Intercept(std::vector<Event>& events) override;

 private:
  RegexExtractorInterceptor(std::unique_ptr<const RE2> regex, std::vector<std::string> headers);

  const std::unique_ptr<const RE2> regex_;
  const std::vector<std::string> headers_;  // one per capture group, in group order
};

}  // namespace acequia::sidecar
