// The taildir source (Flume's TaildirSource): follows the files of its file groups (a directory
// and a glob on file names) as they grow, and turns every complete line into an event.
//
// Files are tracked by inode. A file's offset advances only after the channel committed its
// lines, and the position file — a JSON array of {inode, pos, file}, as Flume writes it — is
// replaced atomically (temporary file, rename) after every commit and every writePosInterval.
// A restart therefore continues every file at its last committed line: kill -9 repeats at most
// the batch whose commit was under way. Rotation:
//  - by rename: the old inode keeps being read (through the open descriptor, or found again by
//    inode in the group's directory after a restart) to its end, then the new file from 0;
//  - by copytruncate: a file shorter than its offset, or whose bytes before the offset changed,
//    is read again from 0.
// A rotated-away file is forgotten after idleTimeout without growth (or once deleted and read).
// Threading: one runner thread per source (scans, reads, commits, writes positions), started by
// Start and joined by Stop; Start/Stop from the control thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "api/flow.h"
#include "sidecar/core/channel_processor.h"
#include "sidecar/core/component_context.h"
#include "sidecar/core/runner_thread.h"
#include "sidecar/core/source.h"
#include "sidecar/sources/spooldir_line_reader.h"

namespace acequia::sidecar {

class TaildirSource final : public Source {
 public:
  struct Group {
    std::string name;
    std::string dir;
    std::string glob;
    std::vector<std::pair<std::string, std::string>> headers;
  };

  // Checks filegroups and headers (absolute paths, globs only in the file name, header keys
  // naming a group) and builds the source.
  static Result<std::unique_ptr<TaildirSource>> Create(const api::SourceConfig& config,
                                                       const ComponentContext& context,
                                                       ChannelProcessor& processor);
  TaildirSource(const api::SourceConfig& config, const ComponentContext& context,
                ChannelProcessor& processor, std::vector<Group> groups);
  ~TaildirSource() override;

  Status Start() override;
  void Stop() override;

  const std::string& position_file() const { return position_file_; }

 private:
  using Clock = std::chrono::steady_clock;
  struct TailFile {
    const Group* group = nullptr;
    std::string path;
    uint64_t inode = 0;
    uint64_t pos = 0;  // committed offset
    int fd = -1;
    std::unique_ptr<LineReader> reader;  // set while fd is open
    bool rotated = false;                // its name no longer matches the group's glob
    bool gone = false;                   // no longer in the directory at all
    uint64_t seen_size = 0;
    int64_t seen_mtime_ns = -1;
    std::string tail;  // up to kTailBytes bytes before pos, to notice a copytruncate
    Clock::time_point last_growth;
  };
  struct Recorded {
    uint64_t pos;
    std::string file;
  };

  void Run();
  void LoadPositions();
  Status WritePositions();
  // Finds new, renamed and vanished files.
  void Scan(bool first);
  // Reads every file with new lines; true when anything was read.
  bool ReadAll();
  // Reads `file` to its end (or Stop); true when lines were read. With `final`, an
  // unterminated last line counts too (the file is rotated away and idle).
  bool ReadFile(TailFile& file, bool final);
  bool Open(TailFile& file);
  void Close(TailFile& file);
  void Forget(uint64_t inode, const std::string& why);
  void RememberTail(TailFile& file);

  const std::string name_;
  const std::vector<Group> groups_;
  const std::string position_file_;
  const bool byte_offset_header_;
  const bool skip_to_end_;
  const std::chrono::milliseconds idle_timeout_;
  const std::chrono::milliseconds write_pos_interval_;
  const std::chrono::milliseconds poll_interval_;
  const size_t batch_size_;
  const size_t max_line_;
  const std::string file_header_;  // empty: not set
  ChannelProcessor& processor_;

  // Runner thread only.
  std::map<uint64_t, TailFile> files_;     // by inode
  std::map<uint64_t, Recorded> recorded_;  // from the position file, until the first scan
  Clock::time_point positions_written_;

  RunnerThread runner_;  // last: stopped (in ~TaildirSource) before the members above go
};

}  // namespace acequia::sidecar
