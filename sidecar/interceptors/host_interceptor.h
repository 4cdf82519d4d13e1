// The host interceptor (Flume's HostInterceptor): sets a header, "host" by default, to this
// agent's first non-loopback IPv4 address (useIP, the default) or its host name. The value is
// resolved once, when the interceptor is built, never per event. With preserveExisting an event
// that already has the header keeps it.
// Threading: immutable after construction; Intercept may run on several threads at once.
#pragma once

#include <string>
#include <vector>

#include "api/flow.h"
#include "sidecar/core/interceptor.h"

namespace acequia::sidecar {

class HostInterceptor final : public Interceptor {
 public:
  explicit HostInterceptor(const api::ComponentConfig& config);

  void Intercept(std::vector<Event>& events) override;

  // The value this interceptor sets.
  const std::string& value() const { return value_; }

  // This machine's host name (gethostname), or "localhost" when it has none.
  static std::string LocalHostName();
  // The first non-loopback IPv4 address of an interface that is up, else "127.0.0.1".
  static std::string LocalIpv4Address();

 private:
  const std::string header_;
  const bool preserve_existing_;
  const std::string value_;
};

}  // namespace acequia::sidecar
