// The exec source (Flume's ExecSource): runs a command (through `shell`, /bin/sh -c by default)
// and turns every line it writes to stdout into an event, committed in batches of batchSize or
// after batchTimeout, whichever comes first. stderr lines are logged with logStdErr, discarded
// otherwise. When the command exits its exit code is logged and, with restart, it is run again
// after restartThrottle. A full channel stops the source reading the pipe, so the command blocks
// on its next write; no line it wrote is dropped. Lines longer than maxLineLength are rejected
// (counted and logged), never truncated. Stop sends SIGTERM to the command's process group, then
// SIGKILL after stopTimeout.
// Threading: one runner thread per source (spawns, reads, commits, reaps), started by Start and
// joined by Stop; Start/Stop from the control thread.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "api/flow.h"
#include "sidecar/core/channel_processor.h"
#include "sidecar/core/component_context.h"
#include "sidecar/core/source.h"

namespace acequia::sidecar {

class ExecSource final : public Source {
 public:
  ExecSource(const api::SourceConfig& config, const ComponentContext& context,
             ChannelProcessor& processor);
  ~ExecSource() override;

  Status Start() override;
  void Stop() override;

  // How many times the command was started (for tests).
  int runs() const { return runs_.load(); }
  // The process id of the running command, or -1.
  pid_t child() const { return child_.load(); }

 private:
  void Run();
  Status Spawn(int* out_fd, int* err_fd);
  // Reads the command's output until it closes stdout or Stop is asked for.
  void Pump(int out_fd, int err_fd);
  // Cuts complete lines out of `buffer` into pending_; at EOF the rest is a line too.
  void CutLines(std::string& buffer, bool eof);
  void CutStderr(std::string& buffer, bool eof);
  // Commits pending_, retrying on a full channel until it succeeds or Stop is asked for; with
  // `once`, tries a single time (on the way out).
  void Commit(bool once);
  // Ends the command: SIGTERM to its group, SIGKILL after stopTimeout; logs how it exited.
  void Reap(bool kill);
  // Waits up to `pause` or until Stop; false once Stop was asked for.
  bool PauseUnlessStopped(std::chrono::milliseconds pause);

  const std::string name_;
  const std::string command_;
  const std::string shell_;
  const bool restart_;
  const std::chrono::milliseconds restart_throttle_;
  const bool log_stderr_;
  const size_t batch_size_;
  const std::chrono::milliseconds batch_timeout_;
  const size_t max_line_;
  const std::chrono::milliseconds stop_timeout_;
  ChannelProcessor& processor_;

  int wake_fd_ = -1;  // eventfd: Stop writes to it to interrupt poll()
  std::atomic<bool> stopping_{false};
  std::atomic<int> runs_{0};
  std::atomic<pid_t> child_{-1};
  std::thread thread_;

  // Runner thread only.
  std::vector<Event> pending_;
  std::chrono::steady_clock::time_point batch_started_;
  bool skipping_ = false;  // dropping the rest of an over-long line
  bool full_logged_ = false;
};

}  // namespace acequia::sidecar
