#include "sidecar/channels/file_channel.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unordered_set>

#include "common/logging.h"
#include "sidecar/channels/file_channel_checkpoint.h"
#include "sidecar/channels/file_channel_log_reader.h"
#include "sidecar/core/registry.h"

namespace acequia::sidecar {

using file_channel::EventPointer;
using file_channel::RecordType;
using Clock = std::chrono::steady_clock;

namespace {

// Bodies of recently committed events stay in memory up to this many bytes (of log records),
// so a sink that keeps up never reads the disk; beyond it a take reads the event back.
constexpr uint64_t kCacheBytes = 32u << 20;
// Disk space is not a condition variable: a put waiting for it looks again this often.
constexpr auto kDiskPollInterval = std::chrono::milliseconds(100);

uint64_t KeyOf(const EventPointer& p) { return (uint64_t{p.segment} << 32) | p.offset; }

std::string PointerPayload(const std::vector<EventPointer>& pointers) {
  std::string payload;
  payload.reserve(4 + pointers.size() * file_channel::kPointerSize);
  file_channel::PutFixed32(payload, static_cast<uint32_t>(pointers.size()));
  for (const auto& p : pointers) file_channel::PutPointer(payload, p);
  return payload;
}

// Decodes a kPuts/kTakes payload; false when its size does not match its count.
bool DecodePointers(std::string_view payload, std::vector<EventPointer>* out) {
  if (payload.size() < 4) return false;
  const uint32_t count = file_channel::DecodeFixed32(payload.data());
  if (payload.size() != 4 + uint64_t{count} * file_channel::kPointerSize) return false;
  out->clear();
  out->reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    out->push_back(
        file_channel::DecodePointer(payload.data() + 4 + i * file_channel::kPointerSize));
  }
  return true;
}

uint64_t EventBytes(const Event& e) {
  uint64_t n = file_channel::kRecordHeaderSize + 4 + e.body.size();
  for (const auto& [k, v] : e.headers) n += 8 + k.size() + v.size();
  return n;
}

}  // namespace

class FileTransaction final : public Transaction {
 public:
  explicit FileTransaction(FileChannel& channel) : channel_(channel) {}
  ~FileTransaction() override {
    Rollback(nullptr);
    std::lock_guard lock(channel_.mu_);
    channel_.open_.erase(this);
  }

  Status Put(std::vector<Event>&& events) override {
    channel_.metrics_.put_attempts->Increment(static_cast<double>(events.size()));
    const size_t limit = channel_.TransactionCapacity();
    if (prepared_ || puts_.size() + events.size() > limit) {
      if (prepared_) return Status::Internal("put after prepare in channel " + channel_.name_);
      return Status::ResourceExhausted("transaction of " +
                                       std::to_string(puts_.size() + events.size()) +
                                       " events exceeds transactionCapacity " +
                                       std::to_string(limit) + " of channel " + channel_.name_);
    }
    for (const auto& e : events) put_bytes_ += EventBytes(e);
    if (puts_.empty()) {
      puts_ = std::move(events);
    } else {
      puts_.insert(puts_.end(), std::make_move_iterator(events.begin()),
                   std::make_move_iterator(events.end()));
    }
    return Status::Ok();
  }

  std::span<const Event> Take(size_t max) override {
    const size_t limit = channel_.TransactionCapacity();
    const size_t room = limit > taken_.size() ? limit - taken_.size() : 0;
    const size_t first = takes_.size();
    channel_.TakeInto(std::min(max, room), *this);
    return std::span<const Event>(takes_).subspan(first);
  }

  Status Prepare() override {
    if (prepared_ || puts_.empty()) return Status::Ok();
    if (Status s = channel_.Reserve(puts_.size(), put_bytes_); !s.ok()) return s;
    if (Status s = channel_.WritePuts(puts_, &pointers_); !s.ok()) {
      channel_.Unreserve(puts_.size());
      return s;
    }
    prepared_ = true;
    return Status::Ok();
  }

  Status Commit() override {
    if (!puts_.empty()) {
      if (Status s = Prepare(); !s.ok()) return s;
      auto lsn = channel_.CommitPuts(puts_, pointers_);
      if (!lsn.ok()) return lsn.status();
      prepared_ = false;
      puts_.clear();
      pointers_.clear();
      put_bytes_ = 0;
      if (Status s = channel_.Sync(*lsn); !s.ok()) {
        // Visible but maybe not durable: say so, so that the source does not acknowledge.
        LogMessage(LogLevel::kError, channel_.scope_) << s.message();
        return s;
      }
    }
    if (!taken_.empty()) {
      if (Status s = channel_.CommitTakes(*this); !s.ok()) return s;
      takes_.clear();
      take_pointers_.clear();
    }
    return Status::Ok();
  }

  void Rollback(std::vector<Event>* unput) override {
    if (prepared_) {
      channel_.ForgetPuts(pointers_);
      channel_.Unreserve(puts_.size());
      pointers_.clear();
      prepared_ = false;
    }
    if (unput != nullptr) *unput = std::move(puts_);
    puts_.clear();
    put_bytes_ = 0;
    if (!taken_.empty()) channel_.ReturnTakes(*this);
    takes_.clear();
    take_pointers_.clear();
  }

 private:
  friend class FileChannel;

  FileChannel& channel_;
  std::vector<Event> puts_;
  uint64_t put_bytes_ = 0;
  std::vector<EventPointer> pointers_;  // of puts_, once prepared
  bool prepared_ = false;
  // Every event taken, readable or not: changed only under channel_.mu_ (a checkpoint reads it).
  std::vector<EventPointer> taken_;
  std::vector<Event> takes_;                 // the readable ones, handed to the caller
  std::vector<EventPointer> take_pointers_;  // where each of takes_ lives
};

// ---------------------------------------------------------------------------------------------

FileChannel::Settings FileChannel::SettingsOf(const api::ComponentConfig& config,
                                              const std::string& flow) {
  const auto& p = config.properties;
  Settings s;
  const std::string base = "/var/lib/acequia/" + flow + "/" + config.name;
  s.checkpoint_dir = p.GetString("checkpointDir");
  if (s.checkpoint_dir.empty()) s.checkpoint_dir = base + "/checkpoint";
  s.data_dirs = p.GetList("dataDirs");
  if (s.data_dirs.empty()) s.data_dirs = {base + "/data"};
  s.capacity = static_cast<size_t>(p.GetInt("capacity"));
  s.transaction_capacity = static_cast<size_t>(p.GetInt("transactionCapacity"));
  s.checkpoint_interval = p.GetDuration("checkpointInterval");
  if (s.checkpoint_interval.count() <= 0) s.checkpoint_interval = std::chrono::seconds(30);
  s.max_file_size = static_cast<uint64_t>(p.GetSize("maxFileSize"));
  s.minimum_required_space = static_cast<uint64_t>(p.GetSize("minimumRequiredSpace"));
  s.keep_alive = p.GetDuration("keepAlive");
  s.fsync = p.GetString("fsync") == "commit";
  return s;
}

FileChannel::FileChannel(const api::ComponentConfig& config, std::string flow, Settings settings,
                         ChannelMetrics metrics, FileChannelMetrics file_metrics)
    : name_(config.name),
      flow_(flow),
      scope_("channel/" + config.name),
      metrics_(metrics),
      file_metrics_(file_metrics),
      settings_(std::move(settings)) {}

Result<std::unique_ptr<FileChannel>> FileChannel::Open(const api::ComponentConfig& config,
                                                       const std::string& flow,
                                                       ChannelMetrics metrics,
                                                       FileChannelMetrics file_metrics) {
  Settings settings = SettingsOf(config, flow);
  std::unique_ptr<FileChannel> channel(
      new FileChannel(config, flow, settings, metrics, file_metrics));
  std::vector<std::pair<std::string, std::string>> dirs = {
      {settings.checkpoint_dir, "checkpointDir"}};
  for (const auto& d : settings.data_dirs) dirs.emplace_back(d, "dataDir");
  std::set<std::string> seen;
  for (const auto& [dir, what] : dirs) {
    if (!seen.insert(dir).second) continue;
    auto lock = file_channel::DirectoryLock::Acquire(dir, what);
    if (!lock.ok()) return lock.status().Annotate("file channel " + config.name);
    channel->locks_.push_back(std::move(lock).value());
  }
  if (Status s = channel->Recover(); !s.ok()) return s.Annotate("file channel " + config.name);
  channel->checkpoint_thread_ = std::thread([c = channel.get()] { c->CheckpointLoop(); });
  return channel;
}

FileChannel::~FileChannel() {
  Close();
  {
    std::lock_guard lock(loop_mu_);
    stop_loop_ = true;
  }
  loop_cv_.notify_all();
  if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
  if (writer_) {
    if (Status s = WriteCheckpoint(); !s.ok()) {
      LogMessage(LogLevel::kWarn, scope_) << "last checkpoint failed: " << s.message();
    }
  }
}

Status FileChannel::Recover() {
  const auto start = Clock::now();
  const Settings& s = settings_;
  std::optional<file_channel::Checkpoint> checkpoint;
  auto read = file_channel::ReadCheckpoint(s.checkpoint_dir);
  if (!read.ok()) {
    if (read.status().code() != Status::Code::kInvalidArgument) return read.status();
    LogMessage(LogLevel::kWarn, scope_)
        << read.status().message() << "; replaying the whole log instead";
    ++recovery_.corrupt_records;
  } else {
    checkpoint = std::move(*read);
  }

  std::map<uint32_t, std::string> segments;
  for (const auto& dir : s.data_dirs) {
    DIR* d = opendir(dir.c_str());
    if (d == nullptr) return Status::IoError("listing " + dir + ": " + std::strerror(errno));
    while (const dirent* entry = readdir(d)) {
      uint32_t id;
      if (file_channel::ParseSegmentFileName(entry->d_name, &id)) {
        segments[id] = dir + "/" + entry->d_name;
      }
    }
    closedir(d);
  }

  std::vector<EventPointer> queue;
  if (checkpoint) queue = std::move(checkpoint->queue);
  std::unordered_set<uint64_t> removed;
  std::vector<EventPointer> pointers;
  for (const auto& [id, path] : segments) {
    if (checkpoint && id < checkpoint->segment) continue;
    const uint64_t offset = checkpoint && id == checkpoint->segment ? checkpoint->offset : 0;
    auto reader = file_channel::LogReader::Open(path, id, offset);
    if (!reader.ok()) return reader.status();
    ++recovery_.segments_replayed;
    RecordType type;
    std::string_view payload;
    uint64_t at;
    while ((*reader)->ReadRecord(&type, &payload, &at)) {
      if (type == RecordType::kEvent) continue;
      if (!DecodePointers(payload, &pointers)) {
        ++recovery_.corrupt_records;
        LogMessage(LogLevel::kWarn, scope_)
            << path << ": malformed commit record at offset " << at << " skipped";
        continue;
      }
      if (type == RecordType::kPuts) {
        queue.insert(queue.end(), pointers.begin(), pointers.end());
      } else {
        for (const auto& p : pointers) removed.insert(KeyOf(p));
      }
    }
    if ((*reader)->corrupt_bytes() > 0) {
      ++recovery_.corrupt_records;
      recovery_.corrupt_bytes += (*reader)->corrupt_bytes();
      LogMessage(LogLevel::kWarn, scope_)
          << path << " is torn or corrupt at offset " << (*reader)->valid_end() << " ("
          << (*reader)->corruption() << "): kept the records before it, skipped "
          << (*reader)->corrupt_bytes() << " bytes";
    }
  }

  size_t dangling = 0;
  for (const auto& p : queue) {
    if (removed.count(KeyOf(p))) continue;
    if (!segments.count(p.segment)) {
      ++dangling;
      continue;
    }
    queue_.push_back(Slot{p, nullptr});
    ++live_[p.segment];
  }
  if (dangling > 0) {
    recovery_.corrupt_records += dangling;
    LogMessage(LogLevel::kWarn, scope_)
        << dangling << " queued events point into missing log segments; dropped";
  }
  for (const auto& [id, path] : segments) segments_.insert(id);
  segment_paths_ = segments;

  uint32_t next = segments.empty() ? 1 : segments.rbegin()->first + 1;
  if (checkpoint) next = std::max(next, checkpoint->segment + 1);
  auto writer = file_channel::LogWriter::Create(s.data_dirs, next, s.max_file_size, s.fsync,
                                                file_metrics_.fsync_duration);
  if (!writer.ok()) return writer.status();
  writer_ = std::move(writer).value();
  segments_.insert(next);

  recovery_.from_checkpoint = checkpoint.has_value();
  recovery_.events = queue_.size();
  recovery_.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  file_metrics_.corrupt_records->Increment(static_cast<double>(recovery_.corrupt_records));
  {
    std::lock_guard lock(mu_);
    PublishGaugesLocked();
  }
  LogMessage(LogLevel::kInfo, scope_)
      << "recovered " << recovery_.events << " events in " << recovery_.seconds << " s ("
      << (recovery_.from_checkpoint ? "checkpoint + " : "no checkpoint, ")
      << recovery_.segments_replayed << " log segments replayed, " << recovery_.corrupt_records
      << " corrupt records skipped)";
  return WriteCheckpoint();
}

void FileChannel::CheckpointLoop() {
  std::unique_lock lock(loop_mu_);
  while (!stop_loop_) {
    std::chrono::milliseconds interval;
    {
      std::lock_guard channel_lock(mu_);
      interval = settings_.checkpoint_interval;
    }
    loop_cv_.wait_for(lock, interval, [&] { return stop_loop_; });
    if (stop_loop_) break;
    lock.unlock();
    if (Status s = WriteCheckpoint(); !s.ok()) {
      LogMessage(LogLevel::kWarn, scope_) << "checkpoint failed: " << s.message();
    }
    lock.lock();
  }
}

Status FileChannel::WriteCheckpoint() {
  std::lock_guard checkpoint_lock(checkpoint_mu_);
  const auto start = Clock::now();
  file_channel::Checkpoint checkpoint;
  uint64_t lsn;
  std::string dir;
  bool fsync;
  {
    std::lock_guard lock(mu_);
    const auto position = writer_->position();
    checkpoint.segment = position.segment;
    checkpoint.offset = position.offset;
    lsn = position.lsn;
    dir = settings_.checkpoint_dir;
    fsync = settings_.fsync;
    checkpoint.queue.reserve(queue_.size() + taken_);
    // Events taken by open transactions go back to the head if we crash: they come first.
    for (const FileTransaction* tx : open_) {
      checkpoint.queue.insert(checkpoint.queue.end(), tx->taken_.begin(), tx->taken_.end());
    }
    for (const auto& slot : queue_) checkpoint.queue.push_back(slot.pointer);
  }
  // The checkpoint vouches for the log before its position: that part must be on disk first.
  if (Status s = writer_->Sync(lsn); !s.ok()) return s;
  if (Status s = file_channel::WriteCheckpoint(dir, checkpoint, fsync); !s.ok()) return s;

  std::vector<uint32_t> doomed;
  {
    std::lock_guard lock(mu_);
    const uint32_t floor =
        pinned_.empty() ? checkpoint.segment : std::min(checkpoint.segment, *pinned_.begin());
    for (auto it = segments_.begin(); it != segments_.end() && *it < floor;) {
      if (live_.count(*it)) {
        ++it;
        continue;
      }
      doomed.push_back(*it);
      it = segments_.erase(it);
    }
  }
  for (uint32_t id : doomed) {
    std::string path;
    {
      std::lock_guard lock(read_mu_);
      read_fds_.erase(id);
      auto it = segment_paths_.find(id);
      path = it != segment_paths_.end() ? it->second
                                        : file_channel::SegmentPath(settings_.data_dirs, id);
      if (it != segment_paths_.end()) segment_paths_.erase(it);
    }
    if (unlink(path.c_str()) != 0 && errno != ENOENT) {
      LogMessage(LogLevel::kWarn, scope_) << "deleting " << path << ": " << std::strerror(errno);
    }
  }
  file_metrics_.checkpoint_duration->Observe(
      std::chrono::duration<double>(Clock::now() - start).count());
  return Status::Ok();
}

std::unique_ptr<Transaction> FileChannel::Begin() {
  auto tx = std::make_unique<FileTransaction>(*this);
  std::lock_guard lock(mu_);
  open_.insert(tx.get());
  return tx;
}

bool FileChannel::WaitForEvents(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  const uint64_t generation = wake_generation_;
  not_empty_.wait_for(lock, timeout,
                      [&] { return !queue_.empty() || closed_ || wake_generation_ != generation; });
  return !queue_.empty();
}

void FileChannel::WakeWaiters() {
  {
    std::lock_guard lock(mu_);
    ++wake_generation_;
  }
  not_empty_.notify_all();
}

size_t FileChannel::Size() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

size_t FileChannel::Capacity() const {
  std::lock_guard lock(mu_);
  return settings_.capacity;
}

size_t FileChannel::TransactionCapacity() const {
  std::lock_guard lock(mu_);
  return settings_.transaction_capacity;
}

Status FileChannel::Reconfigure(const api::ComponentConfig& config) {
  if (config.type != "file") return Status::InvalidArgument("channel type changed");
  const Settings next = SettingsOf(config, flow_);
  {
    std::lock_guard lock(mu_);
    if (next.checkpoint_dir != settings_.checkpoint_dir || next.data_dirs != settings_.data_dirs) {
      return Status::InvalidArgument(
          "checkpointDir and dataDirs of a file channel cannot change while it runs");
    }
    // The directories never change after start-up, so they are read without mu_.
    settings_.capacity = next.capacity;
    settings_.transaction_capacity = next.transaction_capacity;
    settings_.checkpoint_interval = next.checkpoint_interval;
    settings_.max_file_size = next.max_file_size;
    settings_.minimum_required_space = next.minimum_required_space;
    settings_.keep_alive = next.keep_alive;
    settings_.fsync = next.fsync;
    writer_->set_max_file_size(next.max_file_size);
    writer_->set_fsync(next.fsync);
    PublishGaugesLocked();
  }
  not_full_.notify_all();
  loop_cv_.notify_all();
  return Status::Ok();
}

void FileChannel::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  not_empty_.notify_all();
  not_full_.notify_all();
}

uint64_t FileChannel::FreeDiskBytes() const {
  std::vector<std::string> dirs;
  {
    std::lock_guard lock(mu_);
    dirs = settings_.data_dirs;
    dirs.push_back(settings_.checkpoint_dir);
  }
  uint64_t free = UINT64_MAX;
  for (const auto& dir : dirs) {
    struct statvfs st {};
    if (statvfs(dir.c_str(), &st) != 0) return 0;
    free = std::min<uint64_t>(free, uint64_t{st.f_bavail} * st.f_frsize);
  }
  return free;
}

Status FileChannel::Reserve(size_t count, uint64_t bytes) {
  const auto deadline = Clock::now() + [&] {
    std::lock_guard lock(mu_);
    return settings_.keep_alive;
  }();
  std::unique_lock lock(mu_);
  while (true) {
    const bool room = queue_.size() + taken_ + reserved_ + count <= settings_.capacity;
    uint64_t free = 0;
    if (room) {
      const uint64_t needed = settings_.minimum_required_space + bytes;
      lock.unlock();
      free = FreeDiskBytes();
      lock.lock();
      if (free >= needed && queue_.size() + taken_ + reserved_ + count <= settings_.capacity) {
        reserved_ += count;
        return Status::Ok();
      }
    }
    if (closed_ || Clock::now() >= deadline) {
      if (!room) {
        return Status::ResourceExhausted("channel " + name_ + " is full (" +
                                         std::to_string(queue_.size() + taken_ + reserved_) +
                                         " of " + std::to_string(settings_.capacity) + " events)");
      }
      return Status::ResourceExhausted("channel " + name_ + " is full: " + std::to_string(free) +
                                       " bytes free on its disk, minimumRequiredSpace is " +
                                       std::to_string(settings_.minimum_required_space));
    }
    not_full_.wait_until(lock, std::min(deadline, Clock::now() + kDiskPollInterval));
  }
}

void FileChannel::Unreserve(size_t count) {
  {
    std::lock_guard lock(mu_);
    reserved_ -= count;
  }
  not_full_.notify_all();
}

Status FileChannel::WritePuts(std::vector<Event>& events, std::vector<EventPointer>* pointers) {
  std::string records;
  std::vector<std::pair<uint64_t, uint32_t>> extents;  // offset in `records`, size
  extents.reserve(events.size());
  for (const auto& e : events) {
    const size_t at = records.size();
    file_channel::AppendEventRecord(records, e);
    extents.emplace_back(at, static_cast<uint32_t>(records.size() - at));
  }
  uint32_t pin;
  {
    std::lock_guard lock(mu_);
    pin = writer_->position().segment;
    pinned_.insert(pin);  // no checkpoint deletes a segment we may be writing into
  }
  auto position = writer_->Append(records);
  std::lock_guard lock(mu_);
  pinned_.erase(pinned_.find(pin));
  if (!position.ok()) return position.status().Annotate("channel " + name_);
  pointers->clear();
  pointers->reserve(events.size());
  for (const auto& [offset, size] : extents) {
    pointers->push_back(EventPointer{position->segment, position->offset + offset, size});
  }
  live_[position->segment] += events.size();
  segments_.insert(position->segment);
  return Status::Ok();
}

void FileChannel::ForgetPuts(const std::vector<EventPointer>& pointers) {
  std::lock_guard lock(mu_);
  for (const auto& p : pointers) {
    auto it = live_.find(p.segment);
    if (it != live_.end() && --it->second == 0) live_.erase(it);
  }
}

Result<uint64_t> FileChannel::CommitPuts(std::vector<Event>& events,
                                         std::vector<EventPointer>& pointers) {
  std::string record;
  file_channel::AppendRecord(record, RecordType::kPuts, PointerPayload(pointers));
  const size_t count = events.size();
  uint64_t lsn;
  {
    std::lock_guard lock(mu_);
    auto position = writer_->Append(record);
    if (!position.ok()) return position.status().Annotate("channel " + name_);
    lsn = position->lsn;
    for (size_t i = 0; i < count; ++i) {
      Slot slot{pointers[i], nullptr};
      if (cached_bytes_ + slot.pointer.size <= kCacheBytes) {
        slot.cached = std::make_unique<Event>(std::move(events[i]));
        cached_bytes_ += slot.pointer.size;
      }
      queue_.push_back(std::move(slot));
    }
    segments_.insert(position->segment);
    reserved_ -= count;
    PublishGaugesLocked();
  }
  not_empty_.notify_all();
  metrics_.put_successes->Increment(static_cast<double>(count));
  return lsn;
}

Status FileChannel::Sync(uint64_t lsn) { return writer_->Sync(lsn); }

void FileChannel::TakeInto(size_t max, FileTransaction& tx) {
  std::vector<Slot> got;
  {
    std::lock_guard lock(mu_);
    const size_t n = std::min(max, queue_.size());
    got.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      Slot& slot = queue_.front();
      if (slot.cached) cached_bytes_ -= slot.pointer.size;
      tx.taken_.push_back(slot.pointer);
      got.push_back(std::move(slot));
      queue_.pop_front();
    }
    taken_ += n;
    if (n > 0) PublishGaugesLocked();
  }
  size_t read = 0;
  for (auto& slot : got) {
    if (slot.cached) {
      tx.takes_.push_back(std::move(*slot.cached));
    } else {
      Event event;
      bool ok = false;
      ReadEvent(slot.pointer, &event, &ok);
      if (!ok) continue;  // counted and logged; committed as taken, never delivered
      tx.takes_.push_back(std::move(event));
    }
    tx.take_pointers_.push_back(slot.pointer);
    ++read;
  }
  // Flume counts one attempt per take() call, and a batch stops at the first empty take.
  metrics_.take_attempts->Increment(
      static_cast<double>(got.size() < max ? got.size() + 1 : got.size()));
  metrics_.take_successes->Increment(static_cast<double>(read));
}

void FileChannel::ReadEvent(const EventPointer& pointer, Event* event, bool* ok) {
  std::shared_ptr<int> fd;
  std::string path;
  {
    std::lock_guard lock(read_mu_);
    auto it = read_fds_.find(pointer.segment);
    if (it != read_fds_.end()) {
      fd = it->second;
    } else {
      auto p = segment_paths_.find(pointer.segment);
      path = p != segment_paths_.end()
                 ? p->second
                 : file_channel::SegmentPath(settings_.data_dirs, pointer.segment);
      const int raw = open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (raw >= 0) {
        fd = std::shared_ptr<int>(new int(raw), [](int* f) {
          close(*f);
          delete f;
        });
        read_fds_[pointer.segment] = fd;
      } else {
        LogMessage(LogLevel::kError, scope_) << "opening " << path << ": " << std::strerror(errno);
      }
    }
  }
  Status s = fd ? file_channel::ReadEventAt(*fd, pointer, event)
                : Status::IoError("log segment " + std::to_string(pointer.segment) + " missing");
  *ok = s.ok();
  if (!s.ok()) {
    file_metrics_.corrupt_records->Increment();
    LogMessage(LogLevel::kError, scope_)
        << "event at segment " << pointer.segment << " offset " << pointer.offset
        << " is unreadable (" << s.message() << "); dropped";
  }
}

Status FileChannel::CommitTakes(FileTransaction& tx) {
  std::string record;
  file_channel::AppendRecord(record, RecordType::kTakes, PointerPayload(tx.taken_));
  {
    std::lock_guard lock(mu_);
    auto position = writer_->Append(record);
    if (!position.ok()) return position.status().Annotate("channel " + name_);
    segments_.insert(position->segment);
    for (const auto& p : tx.taken_) {
      auto it = live_.find(p.segment);
      if (it != live_.end() && --it->second == 0) live_.erase(it);
    }
    taken_ -= tx.taken_.size();
    tx.taken_.clear();
  }
  // Not waiting for the fsync: a lost take record only means a redelivery after a power loss.
  not_full_.notify_all();
  return Status::Ok();
}

void FileChannel::ReturnTakes(FileTransaction& tx) {
  {
    std::lock_guard lock(mu_);
    // Unreadable events (taken but not handed out) are not returned: they would fail again.
    size_t returned = 0;
    for (size_t i = tx.takes_.size(); i-- > 0;) {
      Slot slot{tx.take_pointers_[i], std::make_unique<Event>(std::move(tx.takes_[i]))};
      cached_bytes_ += slot.pointer.size;
      queue_.push_front(std::move(slot));
      ++returned;
    }
    if (returned < tx.taken_.size()) {
      std::unordered_set<uint64_t> kept;
      for (const auto& p : tx.take_pointers_) kept.insert(KeyOf(p));
      for (const auto& p : tx.taken_) {
        if (kept.count(KeyOf(p))) continue;
        auto it = live_.find(p.segment);
        if (it != live_.end() && --it->second == 0) live_.erase(it);
      }
    }
    taken_ -= tx.taken_.size();
    tx.taken_.clear();
    PublishGaugesLocked();
  }
  not_empty_.notify_all();
  not_full_.notify_all();
}

void FileChannel::PublishGaugesLocked() {
  const double size = static_cast<double>(queue_.size());
  metrics_.size->Set(size);
  metrics_.capacity->Set(static_cast<double>(settings_.capacity));
  metrics_.fill_ratio->Set(settings_.capacity ? size / static_cast<double>(settings_.capacity) : 0);
}

ACEQUIA_REGISTER_CHANNEL("file",
                         [](const api::ComponentConfig& config,
                            const ComponentContext& context) -> Result<std::unique_ptr<Channel>> {
                           auto channel = FileChannel::Open(
                               config, context.flow,
                               context.metrics->ForChannel(config.name, config.type),
                               context.metrics->ForFileChannel(config.name, config.type));
                           if (!channel.ok()) return channel.status();
                           return std::unique_ptr<Channel>(std::move(channel).value());
                         });

}  // namespace acequia::sidecar
