// The uuid interceptor (Flume's UUIDInterceptor): sets a header to prefix + a random RFC 4122
// version 4 UUID. With preserveExisting (the default, as in Flume) an event that already has the
// header keeps it. The random bits come from a per-thread std::mt19937_64 seeded from
// std::random_device, so two agents (or threads) never share a sequence.
// Threading: immutable after construction; Intercept may run on several threads at once.
#pragma once

#include <string>
#include <vector>

#include "api/flow.h"
#include "sidecar/core/interceptor.h"

namespace acequia::sidecar {

class UuidInterceptor final : public Interceptor {
 public:
  explicit UuidInterceptor(const api::ComponentConfig& config);

  void Intercept(std::vector<Event>& events) override;

  // A fresh version 4 UUID in its 36-character text form, lower-case hex.
  static std::string NewUuid();

 private:
  const std::string header_;
  const bool preserve_existing_;
  const std::string prefix_;
};

}  // namespace acequia::sidecar
