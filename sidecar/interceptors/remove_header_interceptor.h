// The remove_header interceptor (Flume's RemoveHeaderInterceptor): removes the headers named
// withName, those listed in fromList (split on the regular expression fromListSeparator), and
// those whose whole name matches the regular expression matching. Unset criteria match nothing.
// Threading: immutable after construction; Intercept may run on several threads at once.
#pragma once

#include <re2/re2.h>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/flow.h"
#include "common/status.h"
#include "sidecar/core/interceptor.h"

namespace acequia::sidecar {

class RemoveHeaderInterceptor final : public Interceptor {
 public:
  // Invalid regular expressions are InvalidArgument naming the property's field path.
  static Result<std::unique_ptr<RemoveHeaderInterceptor>> Create(
      const api::ComponentConfig& config);

  void Intercept(std::vector<Event>& events) override;

 private:
  RemoveHeaderInterceptor(std::optional<std::string> with_name, std::set<std::string> from_list,
                          std::unique_ptr<const RE2> matching);
  bool Removes(const std::string& name) const;

  const std::optional<std::string> with_name_;
  const std::set<std::string> from_list_;
  const std::unique_ptr<const RE2> matching_;  // null when unset
};

}  // namespace acequia::sidecar
