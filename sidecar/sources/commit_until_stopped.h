// How a polling source (spooldir, taildir) hands a batch to its channels: offer it to the
// ChannelProcessor until it is committed, pausing 20 ms after a full channel and 1 s after any
// other failure, each kind logged once per batch, and giving up only when Stop is asked for.
// Threading: call from the source's runner thread.
#pragma once

#include <string>
#include <vector>

#include "sidecar/core/channel_processor.h"
#include "sidecar/core/event.h"
#include "sidecar/core/runner_thread.h"

namespace acequia::sidecar {

// True once `batch` is committed (and emptied); false when `runner` was stopped first, leaving
// the batch uncommitted. `source` names the source in the log.
bool CommitUntilStopped(ChannelProcessor& processor, std::vector<Event>& batch,
                        RunnerThread& runner, const std::string& source);

}  // namespace acequia::sidecar
