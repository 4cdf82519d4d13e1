// An interceptor sees every batch between a source and its channel selector: it may change
// events (add headers) or remove them (filters). Removed events are counted as dropped.
// Threading: a source may call Intercept from several I/O threads at once, so implementations
// keep no mutable state or guard it.
#pragma once

#include <vector>

#include "sidecar/core/event.h"

namespace acequia::sidecar {

class Interceptor {
 public:
  virtual ~Interceptor() = default;
  virtual void Intercept(std::vector<Event>& events) = 0;
};

}  // namespace acequia::sidecar
