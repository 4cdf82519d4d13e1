// A channel selector decides, per event, which of its source's channels must take it (a failed
// put fails the batch) and which may (a failed put is ignored). Channels are named by their
// index in the source's channel list. Threading: const after construction; call from any thread.
#pragma once

#include <cstdint>
#include <vector>

#include "sidecar/core/event.h"

namespace acequia::sidecar {

class ChannelSelector {
 public:
  virtual ~ChannelSelector() = default;
  // Clears and fills `required` and `optional` with channel indices for `event`.
  virtual void Route(const Event& event, std::vector<uint32_t>* required,
                     std::vector<uint32_t>* optional) const = 0;
  // True when every event goes to every channel as required: lets the processor skip routing.
  virtual bool RoutesAllToAll() const { return false; }
};

}  // namespace acequia::sidecar
