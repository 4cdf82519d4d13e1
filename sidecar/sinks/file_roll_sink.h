// The file_roll sink (Flume's RollingFileSink, with the HDFS sink's path escapes and rolling):
// writes each event to a file under `directory` — with serializer text its body followed by
// '\n', with serializer json one {"headers": {...}, "body": "..."} object per line (a body that
// is not valid UTF-8 is base64-encoded and marked "encoding": "base64", as the http sink does),
// with serializer avro_event as a record of Flume's Event schema in an Avro object container
// file (common/avro_container): the header with the file's first write, then one block per
// write, compressed by the codec `compression` names.
// `directory` may hold the escapes
// %Y %m %d %H %M %S (from the event's "timestamp" header in ms since the epoch, in the local time
// zone; the current clock when the header is missing or useLocalTimeStamp is set), %{header}
// (the header's value, with '/' and ".." made harmless so an event cannot leave the directory)
// and %% (a literal %); other escapes are kept as written. With round set, the time is first
// rounded down (in local time) to a multiple of roundValue roundUnits, as Flume's HDFS sink does.
//
// Files are named <filePrefix><creation ms>-<n><fileSuffix> and carry <inUseSuffix> while they
// are written; rolling closes a file and renames it without inUseSuffix, so readers never see a
// partial file. A file rolls after rollInterval, rollSize bytes or rollCount events, or once it
// received nothing for idleTimeout (checked on Tick); it is only created when its first event
// arrives, and no existing file is ever overwritten. At most maxOpenFiles are open at once (the
// least recently written one rolls first).
//
// A batch is appended to per-file buffers and written with one write per file (more for a
// buffer that grows past 4 MiB, or past syncIntervalBytes with avro_event); when a write fails,
// every file the batch touched is truncated back to its length before the batch, so the
// runner's retry does not duplicate lines. Every write is whole on its own (a gzip member, a
// zstd frame, an Avro block), so the truncated file stays readable.
// Threading: every call comes from the sink's runner thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "api/flow.h"
#include "common/avro_container.h"
#include "sidecar/core/sink.h"

namespace acequia::sidecar {

class FileRollSink final : public Sink {
 public:
  explicit FileRollSink(const api::SinkConfig& config);
  ~FileRollSink() override;
  FileRollSink(const FileRollSink&) = delete;
  FileRollSink& operator=(const FileRollSink&) = delete;

  Status Start() override;
  Status Deliver(std::span<const Event> events) override;
  Status Tick() override;
  void Stop() override;
  size_t BatchSize() const override { return batch_size_; }

  size_t OpenFileCount() const { return files_.size(); }

 private:
  using Clock = std::chrono::steady_clock;

  enum class Serializer { kText, kJson, kAvroEvent };
  enum class RoundUnit { kSecond, kMinute, kHour };

  // One piece of the directory pattern.
  struct Segment {
    enum class Kind { kLiteral, kYear, kMonth, kDay, kHour, kMinute, kSecond, kHeader };
    Kind kind;
    std::string text;  // the literal, or the header name
  };

  // A file being written. `bytes`/`events` include the batch in flight; `written` is what the
  // file holds on disk.
  struct OpenFile {
    std::string directory;
    std::string name;  // without inUseSuffix
    std::string in_use_path;
    int fd = -1;
    int64_t created_ms = 0;
    Clock::time_point opened_at;
    Clock::time_point last_write_at;  // of the last committed batch that wrote to it
    uint64_t last_used = 0;
    int64_t bytes = 0;
    int64_t events = 0;
    int64_t written = 0;
    std::string pending;
    int64_t pending_events = 0;
    std::string sync;  // avro_event: the file's sync marker
    // Bookkeeping of the batch in flight, to undo it when a write fails.
    bool touched = false;
    bool created_in_batch = false;
    int64_t bytes_before_batch = 0;
    int64_t events_before_batch = 0;
    int64_t written_before_batch = 0;
  };

  static std::vector<Segment> ParsePattern(const std::string& pattern);

  // The directory of `event`: a reference to a cache or to dir_buf_, valid until the next call.
  const std::string& ResolveDirectory(const Event& event);
  const std::tm& LocalTime(int64_t seconds);
  // Rounds `tm` down to a multiple of round_value_ units of round_unit_ (when round_ is set).
  void RoundDown(std::tm* tm) const;
  // Appends `event` as serialized by serializer_.
  void Serialize(const Event& event, std::string* out) const;
  int64_t NowMs();
  // The open file for `event`, opened (with its directories) when needed; nullptr and *status on
  // failure.
  OpenFile* FileFor(const Event& event, Status* status);
  Result<std::unique_ptr<OpenFile>> Open(const std::string& directory);
  Status Flush(OpenFile& file);
  // Takes `file` out of the open set: closed and renamed now, or after the batch when the batch
  // in flight wrote to it.
  void Retire(OpenFile* file);
  // Rolls the files older than rollInterval or idle for idleTimeout.
  void RollExpired(Clock::time_point now);
  // Closes and renames a file whose writes are complete.
  void Finalize(OpenFile& file);
  void CommitBatch();
  void AbortBatch();

  const std::string scope_;
  const std::string pattern_;
  const std::vector<Segment> segments_;
  bool has_escapes_ = false;
  bool has_time_ = false;
  bool has_header_ = false;
  const std::chrono::milliseconds roll_interval_;
  const int64_t roll_size_;
  const int64_t roll_count_;
  const size_t batch_size_;
  const std::string file_prefix_;
  const std::string file_suffix_;
  const std::string in_use_suffix_;
  const bool use_local_timestamp_;
  const std::chrono::milliseconds idle_timeout_;
  const size_t max_open_files_;
  const bool round_;
  const int round_value_;
  const std::string compression_;   // none | gzip | zstd | deflate | snappy
  std::string compression_suffix_;  // "", ".gz", ".zst" (text and json only)
  avro::Codec avro_codec_ = avro::Codec::kNull;
  size_t flush_bytes_;  // a file's buffer is written once it holds this much
  RoundUnit round_unit_ = RoundUnit::kSecond;
  Serializer serializer_ = Serializer::kText;

  std::unordered_map<std::string, std::unique_ptr<OpenFile>> files_;
  std::vector<std::unique_ptr<OpenFile>> retiring_;  // rolled during the batch in flight
  std::vector<OpenFile*> touched_;                   // written by the batch in flight
  OpenFile* last_ = nullptr;                         // the most recently used open file
  uint64_t use_clock_ = 0;
  uint64_t file_counter_ = 0;

  std::string dir_buf_;
  int64_t batch_now_ms_ = -1;  // the clock, read once per batch when needed
  int64_t tm_second_ = INT64_MIN;
  std::tm tm_{};
  int64_t dir_second_ = INT64_MIN;  // patterns with time escapes only: directory per second
  std::string dir_cache_;
};

}  // namespace acequia::sidecar
