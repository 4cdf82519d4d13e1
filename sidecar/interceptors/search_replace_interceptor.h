// The search_replace interceptor (Flume's SearchAndReplaceInterceptor): replaces every match of
// searchPattern in the body with replaceString. replaceString is written as in Java: $1…$9 insert
// a capture group and a backslash makes the next character literal ("\$"). Bodies are bytes;
// Flume's charset property is accepted and ignored.
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

class SearchReplaceInterceptor final : public Interceptor {
 public:
  // An invalid searchPattern, or a replaceString naming a group the pattern lacks, is
  // InvalidArgument naming the property's field path.
  static Result<std::unique_ptr<SearchReplaceInterceptor>> Create(
      const api::ComponentConfig& config);

  void Intercept(std::vector<Event>& events) override;

 private:
  SearchReplaceInterceptor(std::unique_ptr<const RE2> search, std::string rewrite);

  const std::unique_ptr<const RE2> search_;
  const std::string rewrite_;  // in RE2's syntax: \1 for a group, \\ for a backslash
};

}  // namespace acequia::sidecar
