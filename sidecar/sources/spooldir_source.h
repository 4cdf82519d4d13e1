// The spooldir source (Flume's Spooling Directory source): takes the files of a directory one at
// a time (consumeOrder), cuts each into events (one per line, or the whole file with the blob
// deserializer), commits them in batches, and renames the file with fileSuffix (or deletes it)
// only once all of its events are committed.
//
// Progress record: after every committed batch, <trackerDir>/progress.json is replaced
// atomically (write to a temporary file, rename) with {file, inode, size, mtimeNs, offset}: the
// current file (relative to spoolDir), its identity when it was picked up, and the offset just
// past its last committed event. On start the recorded file, if it still has that inode, is
// continued from that offset, so kill -9 repeats no committed batch (only the batch whose
// commit was under way, at-least-once). A file that changes while it is read (size or mtime) is
// an error: logged, the file left as it is, and the source stops taking files until restarted.
// Threading: one runner thread per source, started by Start and joined by Stop; Start/Stop from
// the control thread.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "api/flow.h"
#include "sidecar/core/channel_processor.h"
#include "sidecar/core/component_context.h"
#include "sidecar/core/runner_thread.h"
#include "sidecar/core/source.h"

namespace re2 {
class RE2;
}

namespace acequia::sidecar {

class SpoolDirSource final : public Source {
 public:
  SpoolDirSource(const api::SourceConfig& config, const ComponentContext& context,
                 ChannelProcessor& processor);
  ~SpoolDirSource() override;

  Status Start() override;
  void Stop() override;

  // Files completed (renamed or deleted) since Start; true once an error stopped the source.
  uint64_t completed() const { return completed_.load(); }
  bool halted() const { return halted_.load(); }

 private:
  // A file as found in the directory, or as recorded in the progress record.
  struct SpoolFile {
    std::string path;      // absolute
    std::string relative;  // to spoolDir
    uint64_t inode = 0;
    uint64_t size = 0;
    int64_t mtime_ns = 0;
    uint64_t offset = 0;  // committed offset (progress record only)
  };

  void Run();
  std::vector<SpoolFile> List() const;
  std::optional<SpoolFile> Pick(std::vector<SpoolFile> files);
  // The recorded current file, when it is still there; nullopt otherwise.
  std::optional<SpoolFile> Resume();
  // Reads `file` from file.offset to its end, committing as it goes, then completes it.
  void Consume(SpoolFile file);
  bool Complete(const SpoolFile& file);
  Status SaveProgress(const SpoolFile& file) const;
  void ClearProgress() const;
  void Halt(const std::string& why);

  const std::string name_;
  const std::string spool_dir_;
  const std::string suffix_;
  const bool delete_;
  const std::string tracker_dir_;  // absolute
  const std::string order_;
  const bool recursive_;
  const std::chrono::milliseconds poll_delay_;
  const size_t batch_size_;
  const bool blob_;
  const size_t max_line_;
  const size_t max_blob_;
  const std::string file_header_;      // empty: not set
  const std::string basename_header_;  // empty: not set
  std::unique_ptr<re2::RE2> include_;
  std::unique_ptr<re2::RE2> ignore_;
  ChannelProcessor& processor_;

  std::atomic<uint64_t> completed_{0};
  std::atomic<bool> halted_{false};
  std::mt19937 random_;  // runner thread only
  RunnerThread runner_;  // last: stopped (in ~SpoolDirSource) before the members above go
};

}  // namespace acequia::sidecar
