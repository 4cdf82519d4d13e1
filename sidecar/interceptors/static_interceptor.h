// The static interceptor (Flume's StaticInterceptor): sets one fixed header on every event.
// With preserveExisting (the default, as in Flume) an event that already has the header keeps it.
// Threading: immutable after construction; Intercept may run on several threads at once.
#pragma once

#include <string>
#include <vector>

#include "api/flow.h"
#include "sidecar/core/interceptor.h"

namespace acequia::sidecar {

class StaticInterceptor final : public Interceptor {
 public:
  explicit StaticInterceptor(const api::ComponentConfig& config);

  void Intercept(std::vector<Event>& events) override;

 private:
  const std::string key_;
  const std::string value_;
  const bool preserve_existing_;
};

}  // namespace acequia::sidecar
