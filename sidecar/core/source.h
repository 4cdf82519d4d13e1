// A source receives or generates events and hands them, one batch per transaction, to its
// ChannelProcessor. It acknowledges a client only after the processor committed the batch.
// Threading: Start and Stop are called from one control thread; a source runs its own I/O
// threads in between. The ChannelProcessor passed at construction outlives the source.
#pragma once

#include "common/status.h"

namespace acequia::sidecar {

class Source {
 public:
  virtual ~Source() = default;
  // Binds sockets and starts serving; a port in use or similar is returned, not thrown.
  virtual Status Start() = 0;
  // Stops accepting input and returns once no batch is in flight. Input that was not committed
  // is not acknowledged, so its clients send it again.
  virtual void Stop() = 0;
};

}  // namespace acequia::sidecar
