// The file channel: a durable queue of events (Flume's FileChannel). Events live in a
// write-ahead log on disk (file_channel_format.h); memory holds only the queue of pointers to
// them, plus a bounded cache of recent event bodies, so millions of queued events cost tens of
// MiB. A checkpoint of the queue, written every checkpointInterval, bounds start-up replay.
//
// Transactions behave as the memory channel's: Put stages; Prepare reserves room (capacity and
// minimumRequiredSpace on disk, waiting up to keepAlive) and writes the events' records; Commit
// writes one kPuts or kTakes record and, for puts with fsync: commit, waits for the group fsync;
// Rollback writes nothing. Capacity counts queued events, events taken by open transactions and
// room reserved by prepared puts.
//
// Threading: thread-safe. mu_ guards the queue; the log writer has its own locks (taken after
// mu_ when both are held: kPuts/kTakes records are appended under mu_ so that a checkpoint sees
// the queue and the log position agree). Disk reads of event bodies and fsyncs happen outside
// mu_. Transactions must not outlive the channel.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "sidecar/channels/file_channel_format.h"
#include "sidecar/channels/file_channel_lock.h"
#include "sidecar/channels/file_channel_log_writer.h"
#include "sidecar/core/agent_metrics.h"
#include "sidecar/core/channel.h"

namespace acequia::sidecar {

class FileTransaction;

class FileChannel final : public Channel {
 public:
  // What start-up found, for logs and tests.
  struct Recovery {
    bool from_checkpoint = false;
    size_t events = 0;             // queued after replay
    size_t segments_replayed = 0;  // segments read after the checkpoint's position
    size_t corrupt_records = 0;    // torn/corrupt records and dangling pointers skipped
    uint64_t corrupt_bytes = 0;
    double seconds = 0;
  };

  // Locks the directories, loads the checkpoint, replays the log after it and starts a new
  // segment. `flow` names the default directories.
  static Result<std::unique_ptr<FileChannel>> Open(const api::ComponentConfig& config,
                                                   const std::string& flow, ChannelMetrics metrics,
                                                   FileChannelMetrics file_metrics);
  ~FileChannel() override;  // writes a last checkpoint

  std::unique_ptr<Transaction> Begin() override;
  bool WaitForEvents(std::chrono::milliseconds timeout) override;
  size_t Size() const override;
  size_t Capacity() const override;
  size_t TransactionCapacity() const override;
  Status Reconfigure(const api::ComponentConfig& config) override;
  void WakeWaiters() override;
  void Close() override;

  // Writes a checkpoint now and deletes the segments no queued event needs any more.
  Status WriteCheckpoint();
  const Recovery& recovery() const { return recovery_; }

 private:
  friend class FileTransaction;

  struct Settings {
    std::string checkpoint_dir;
    std::vector<std::string> data_dirs;
    size_t capacity = 0;
    size_t transaction_capacity = 0;
    std::chrono::milliseconds checkpoint_interval{0};
    uint64_t max_file_size = 0;
    uint64_t minimum_required_space = 0;
    std::chrono::milliseconds keep_alive{0};
    bool fsync = true;
  };
  struct Slot {
    file_channel::EventPointer pointer;
    std::unique_ptr<Event> cached;  // the event itself while the bounded cache has room
  };

  static Settings SettingsOf(const api::ComponentConfig& config, const std::string& flow);
  FileChannel(const api::ComponentConfig& config, std::string flow, Settings settings,
              ChannelMetrics metrics, FileChannelMetrics file_metrics);
  Status Recover();
  void CheckpointLoop();

  // Called by transactions.
  Status Reserve(size_t count, uint64_t bytes);
  void Unreserve(size_t count);
  Status WritePuts(std::vector<Event>& events, std::vector<file_channel::EventPointer>* pointers);
  void ForgetPuts(const std::vector<file_channel::EventPointer>& pointers);
  Result<uint64_t> CommitPuts(std::vector<Event>& events,
                              std::vector<file_channel::EventPointer>& pointers);
  void TakeInto(size_t max, FileTransaction& tx);
  Status CommitTakes(FileTransaction& tx);
  void ReturnTakes(FileTransaction& tx);
  Status Sync(uint64_t lsn);
  void ReadEvent(const file_channel::EventPointer& pointer, Event* event, bool* ok);
  uint64_t FreeDiskBytes() const;
  void PublishGaugesLocked();

  const std::string name_;
  const std::string flow_;
  const std::string scope_;
  ChannelMetrics metrics_;
  FileChannelMetrics file_metrics_;
  Recovery recovery_;
  std::vector<std::unique_ptr<file_channel::DirectoryLock>> locks_;
  std::unique_ptr<file_channel::LogWriter> writer_;

  mutable std::mutex mu_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  Settings settings_;
  std::deque<Slot> queue_;
  std::set<FileTransaction*> open_;  // transactions that may hold taken events
  size_t taken_ = 0;                 // events taken by open transactions
  size_t reserved_ = 0;              // room reserved by prepared puts
  uint64_t cached_bytes_ = 0;        // bytes of events held in Slot::cached
  std::map<uint32_t, size_t> live_;  // segment -> events queued, taken or prepared in it
  std::set<uint32_t> segments_;      // segments on disk
  std::multiset<uint32_t> pinned_;   // segments a put may be appending to right now
  uint64_t wake_generation_ = 0;
  bool closed_ = false;

  std::mutex read_mu_;  // guards read_fds_ and segment_paths_
  std::map<uint32_t, std::shared_ptr<int>> read_fds_;
  std::map<uint32_t, std::string> segment_paths_;  // of segments found at start-up

  std::mutex checkpoint_mu_;  // one checkpoint at a time
  std::mutex loop_mu_;
  std::condition_variable loop_cv_;
  bool stop_loop_ = false;
  std::thread checkpoint_thread_;
};

}  // namespace acequia::sidecar
