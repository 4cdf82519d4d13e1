// The timestamp interceptor (Flume's TimestampInterceptor): sets a header, "timestamp" by
// default, to the time the batch passed, in milliseconds since the epoch. With preserveExisting
// an event that already has the header keeps it.
// Threading: immutable after construction; Intercept may run on several threads at once.
#pragma once

#include <string>
#include <vector>

#include "api/flow.h"
#include "sidecar/core/interceptor.h"

namespace acequia::sidecar {

class TimestampInterceptor final : public Interceptor {
 public:
  explicit TimestampInterceptor(const api::ComponentConfig& config);

  void Intercept(std::vector<Event>& events) override;

 private:
  const std::string header_;
  const bool preserve_existing_;
};

}  // namespace acequia::sidecar
