// The file channel's checkpoint (format in file_channel_format.h): the queue of event pointers
// as of one log position, so that start-up replays only the log written after it.
// Threading: pure functions on files; callers serialise writes to one directory.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "sidecar/channels/file_channel_format.h"

namespace acequia::sidecar::file_channel {

struct Checkpoint {
  uint32_t segment = 0;  // log position: replay starts here
  uint64_t offset = 0;
  std::vector<EventPointer> queue;  // head first
};

std::string CheckpointPath(const std::string& dir);

// Writes dir/checkpoint.tmp, syncs it (when `fsync`), renames it over dir/checkpoint and syncs
// the directory: a crash leaves the old checkpoint or the new one, never a mix.
Status WriteCheckpoint(const std::string& dir, const Checkpoint& checkpoint, bool fsync);
// nullopt when there is no checkpoint yet; InvalidArgument when it is torn or corrupt.
Result<std::optional<Checkpoint>> ReadCheckpoint(const std::string& dir);

}  // namespace acequia::sidecar::file_channel
