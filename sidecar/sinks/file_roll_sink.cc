#include "sidecar/sinks/file_roll_sink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <utility>

#include "common/compression.h"
#include "common/logging.h"
#include "sidecar/core/event_json.h"
#include "sidecar/core/registry.h"

namespace acequia::sidecar {
namespace {

// A batch's buffer for one file is written early once it grows past this, to bound memory.
constexpr size_t kFlushBytes = 4 << 20;
// Flume's Event record, as its avro_event serializer writes it.
constexpr std::string_view kEventSchema =
    R"({"type":"record","name":"Event","fields":[{"name":"headers","type":{"type":"map",)"
    R"("values":"string"}},{"name":"body","type":"bytes"}]})";
// Buffers bigger than this are released after their batch instead of being kept for the next.
constexpr size_t kKeptBufferBytes = 1 << 20;
constexpr int kMaxNameAttempts = 1000;

std::string ErrnoText(int error) {
  char buffer[256];
  return strerror_r(error, buffer, sizeof buffer);  // the GNU variant: returns the text
}

// mkdir -p.
Status MakeDirectories(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return Status::Ok();
  for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    const std::string prefix = path.substr(0, slash);
    if (!prefix.empty() && mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      return Status::IoError("creating directory " + path + ": " + ErrnoText(errno));
    }
    if (slash == std::string::npos) break;
  }
  if (stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status::IoError("creating directory " + path + ": " + ErrnoText(ENOTDIR));
  }
  return Status::Ok();
}

// An Avro string: UTF-8 (strict readers refuse anything else), a bad byte becoming U+FFFD.
void PutAvroString(const std::string& text, std::string* out) {
  if (IsValidUtf8(text)) {
    avro::PutBytes(out, text);
  } else {
    avro::PutBytes(out, ToValidUtf8(text));
  }
}

bool Exists(const std::string& path) {
  struct stat st {};
  return lstat(path.c_str(), &st) == 0;
}

void AppendTwoDigits(int value, std::string* out) {
  out->push_back(static_cast<char>('0' + (value / 10) % 10));
  out->push_back(static_cast<char>('0' + value % 10));
}

void AppendInt(int64_t value, std::string* out) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  out->append(digits, end);
}

// Appends a header value so that it stays inside one path component and is never "." or "..".
void AppendSanitized(const std::string& value, std::string* out) {
  const size_t start = out->size();
  out->append(value);
  char* begin = out->data() + start;
  char* end = out->data() + out->size();
  for (char* p = begin; p != end; ++p) {
    if (*p == '/' || *p == '\0') *p = '_';
  }
  for (char* p = begin; p + 1 < end; ++p) {
    if (p[0] == '.' && p[1] == '.') p[0] = p[1] = '_';
  }
  if (end - begin == 1 && *begin == '.') *begin = '_';
}

}  // namespace

FileRollSink::FileRollSink(const api::SinkConfig& config)
    : scope_("sink/" + config.name),
      pattern_(config.properties.GetString("directory")),
      segments_(ParsePattern(pattern_)),
      roll_interval_(config.properties.GetDuration("rollInterval")),
      roll_size_(config.properties.GetSize("rollSize")),
      roll_count_(config.properties.GetInt("rollCount")),
      batch_size_(static_cast<size_t>(config.properties.GetInt("batchSize"))),
      file_prefix_(config.properties.GetString("filePrefix")),
      file_suffix_(config.properties.GetString("fileSuffix")),
      in_use_suffix_(config.properties.GetString("inUseSuffix")),
      use_local_timestamp_(config.properties.GetBool("useLocalTimeStamp")),
      idle_timeout_(config.properties.GetDuration("idleTimeout")),
      max_open_files_(static_cast<size_t>(config.properties.GetInt("maxOpenFiles"))),
      round_(config.properties.GetBool("round")),
      round_value_(static_cast<int>(config.properties.GetInt("roundValue"))),
      compression_(config.properties.GetString("compression")),
      flush_bytes_(kFlushBytes) {
  const std::string& round_unit = config.properties.GetString("roundUnit");
  if (round_unit == "minute") round_unit_ = RoundUnit::kMinute;
  if (round_unit == "hour") round_unit_ = RoundUnit::kHour;
  const std::string& serializer = config.properties.GetString("serializer");
  if (serializer == "json") serializer_ = Serializer::kJson;
  if (serializer == "avro_event") {
    serializer_ = Serializer::kAvroEvent;
    avro_codec_ = compression_ == "gzip" || compression_ == "deflate" ? avro::Codec::kDeflate
                  : compression_ == "zstd"                            ? avro::Codec::kZstandard
                  : compression_ == "snappy"                          ? avro::Codec::kSnappy
                                                                      : avro::Codec::kNull;
    flush_bytes_ =
        std::min(kFlushBytes, static_cast<size_t>(config.properties.GetSize("syncIntervalBytes")));
  } else {
    compression_suffix_ = compression_ == "gzip" ? ".gz" : compression_ == "zstd" ? ".zst" : "";
  }
  for (const auto& segment : segments_) {
    using Kind = Segment::Kind;
    if (segment.kind == Kind::kLiteral) continue;
    has_escapes_ = true;
    (segment.kind == Kind::kHeader ? has_header_ : has_time_) = true;
  }
  if (!has_escapes_) {
    dir_buf_ = segments_.empty() ? std::string() : segments_.front().text;
    if (dir_buf_.empty()) dir_buf_ = ".";
  }
}

FileRollSink::~FileRollSink() { Stop(); }

std::vector<FileRollSink::Segment> FileRollSink::ParsePattern(const std::string& pattern) {
  using Kind = Segment::Kind;
  std::vector<Segment> segments;
  auto literal = [&](std::string_view text) {
    if (segments.empty() || segments.back().kind != Kind::kLiteral) {
      segments.push_back({Kind::kLiteral, ""});
    }
    segments.back().text.append(text);
  };
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%' || i + 1 == pattern.size()) {
      literal(std::string_view(&pattern[i], 1));
      continue;
    }
    const char c = pattern[i + 1];
    Kind kind = Kind::kLiteral;
    switch (c) {
      case 'Y':
        kind = Kind::kYear;
        break;
      case 'm':
        kind = Kind::kMonth;
        break;
      case 'd':
        kind = Kind::kDay;
        break;
      case 'H':
        kind = Kind::kHour;
        break;
      case 'M':
        kind = Kind::kMinute;
        break;
      case 'S':
        kind = Kind::kSecond;
        break;
      case '%':
        literal("%");
        ++i;
        continue;
      case '{': {
        const size_t close = pattern.find('}', i + 2);
        if (close == std::string::npos) break;
        segments.push_back({Kind::kHeader, pattern.substr(i + 2, close - i - 2)});
        i = close;
        continue;
      }
      default:
        break;
    }
    if (kind == Kind::kLiteral) {  // unknown escape: kept as written
      literal("%");
      continue;
    }
    segments.push_back({kind, ""});
    ++i;
  }
  return segments;
}

int64_t FileRollSink::NowMs() {
  if (batch_now_ms_ < 0) {
    batch_now_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  }
  return batch_now_ms_;
}

const std::tm& FileRollSink::LocalTime(int64_t seconds) {
  if (seconds != tm_second_) {
    const auto t = static_cast<std::time_t>(seconds);
    if (localtime_r(&t, &tm_) == nullptr) tm_ = std::tm{};
    tm_second_ = seconds;
  }
  return tm_;
}

const std::string& FileRollSink::ResolveDirectory(const Event& event) {
  if (!has_escapes_) return dir_buf_;
  int64_t second = 0;
  if (has_time_) {
    int64_t ms = -1;
    if (!use_local_timestamp_) {
      if (const std::string* header = event.headers.Find("timestamp")) {
        const char* end = header->data() + header->size();
        auto [ptr, ec] = std::from_chars(header->data(), end, ms);
        if (ec != std::errc() || ptr != end) ms = -1;
      }
    }
    if (ms < 0) ms = NowMs();
    second = ms / 1000;
    if (!has_header_ && second == dir_second_) return dir_cache_;
  }
  std::string& out = has_header_ ? dir_buf_ : dir_cache_;
  out.clear();
  std::tm rounded{};
  const std::tm* tm = has_time_ ? &LocalTime(second) : nullptr;
  if (tm != nullptr && round_) {
    rounded = *tm;
    RoundDown(&rounded);
    tm = &rounded;
  }
  using Kind = Segment::Kind;
  for (const auto& segment : segments_) {
    switch (segment.kind) {
      case Kind::kLiteral:
        out.append(segment.text);
        break;
      case Kind::kYear:
        AppendInt(tm->tm_year + 1900, &out);
        break;
      case Kind::kMonth:
        AppendTwoDigits(tm->tm_mon + 1, &out);
        break;
      case Kind::kDay:
        AppendTwoDigits(tm->tm_mday, &out);
        break;
      case Kind::kHour:
        AppendTwoDigits(tm->tm_hour, &out);
        break;
      case Kind::kMinute:
        AppendTwoDigits(tm->tm_min, &out);
        break;
      case Kind::kSecond:
        AppendTwoDigits(tm->tm_sec, &out);
        break;
      case Kind::kHeader:
        if (const std::string* value = event.headers.Find(segment.text)) {
          AppendSanitized(*value, &out);
        }
        break;
    }
  }
  if (out.empty()) out = ".";
  if (!has_header_) dir_second_ = second;
  return out;
}

void FileRollSink::RoundDown(std::tm* tm) const {
  if (round_value_ < 1) return;  // rejected by the catalogue
  switch (round_unit_) {
    case RoundUnit::kSecond:
      tm->tm_sec -= tm->tm_sec % round_value_;
      break;
    case RoundUnit::kMinute:
      tm->tm_min -= tm->tm_min % round_value_;
      tm->tm_sec = 0;
      break;
    case RoundUnit::kHour:
      tm->tm_hour -= tm->tm_hour % round_value_;
      tm->tm_min = 0;
      tm->tm_sec = 0;
      break;
  }
}

void FileRollSink::Serialize(const Event& event, std::string* out) const {
  if (serializer_ == Serializer::kText) {
    out->append(event.body);
    out->push_back('\n');
    return;
  }
  if (serializer_ == Serializer::kAvroEvent) {
    // headers: a map (one block of pairs, then the zero count that ends it); body: bytes.
    if (event.headers.size() > 0) {
      avro::PutLong(out, static_cast<int64_t>(event.headers.size()));
      for (const auto& [key, value] : event.headers) {
        PutAvroString(key, out);
        PutAvroString(value, out);
      }
    }
    avro::PutLong(out, 0);
    avro::PutBytes(out, event.body);
    return;
  }
  AppendEventJson(event, out);
  out->push_back('\n');
}

FileRollSink::OpenFile* FileRollSink::FileFor(const Event& event, Status* status) {
  OpenFile* file = nullptr;
  if (!has_escapes_ && last_ != nullptr) {
    file = last_;
  } else {
    const std::string& directory = ResolveDirectory(event);
    if (last_ != nullptr && last_->directory == directory) {
      file = last_;
    } else if (auto it = files_.find(directory); it != files_.end()) {
      file = it->second.get();
    } else {
      while (!files_.empty() && files_.size() >= max_open_files_) {
        auto lru = files_.begin();
        for (auto it2 = files_.begin(); it2 != files_.end(); ++it2) {
          if (it2->second->last_used < lru->second->last_used) lru = it2;
        }
        Retire(lru->second.get());
      }
      auto opened = Open(directory);
      if (!opened.ok()) {
        *status = opened.status();
        return nullptr;
      }
      file = opened->get();
      files_.emplace(file->directory, std::move(*opened));
    }
  }
  file->last_used = ++use_clock_;
  last_ = file;
  return file;
}

Result<std::unique_ptr<FileRollSink::OpenFile>> FileRollSink::Open(const std::string& directory) {
  if (Status s = MakeDirectories(directory); !s.ok()) return s;
  auto file = std::make_unique<OpenFile>();
  file->directory = directory;
  file->created_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  for (int attempt = 0; attempt < kMaxNameAttempts; ++attempt) {
    file->name = file_prefix_ + std::to_string(file->created_ms) + "-" +
                 std::to_string(++file_counter_) + file_suffix_ + compression_suffix_;
    const std::string final_path = directory + "/" + file->name;
    if (!in_use_suffix_.empty() && Exists(final_path)) continue;
    file->in_use_path = final_path + in_use_suffix_;
    file->fd = open(file->in_use_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (file->fd >= 0) break;
    if (errno != EEXIST) {
      return Status::IoError("opening " + file->in_use_path + ": " + ErrnoText(errno));
    }
  }
  if (file->fd < 0) {
    return Status::IoError("opening a new file in " + directory + ": every name is taken");
  }
  file->opened_at = Clock::now();
  file->last_write_at = file->opened_at;
  file->created_in_batch = true;
  return file;
}

Status FileRollSink::Flush(OpenFile& file) {
  std::string compressed;
  const std::string* out = &file.pending;
  if (serializer_ == Serializer::kAvroEvent) {
    if (file.written == 0) {
      file.sync = avro::NewSyncMarker();
      avro::AppendHeader(kEventSchema, avro_codec_, file.sync, &compressed);
    }
    if (Status s = avro::AppendBlock(avro_codec_, file.pending_events, file.pending, file.sync,
                                     &compressed);
        !s.ok()) {
      return s.Annotate("writing an Avro block for " + file.in_use_path);
    }
    out = &compressed;
  } else if (compression_suffix_ != "") {
    // One complete gzip member / zstd frame per write: a reader decompresses the concatenation,
    // and truncating at a batch's first offset still leaves whole members.
    Status s = compression_ == "zstd" ? ZstdCompress(file.pending, 3, &compressed)
                                      : Deflate(file.pending, DeflateFormat::kGzip, &compressed);
    if (!s.ok()) {
      return s.Annotate("compressing for " + file.in_use_path);
    }
    out = &compressed;
  }
  const char* data = out->data();
  size_t left = out->size();
  while (left > 0) {
    const ssize_t n = pwrite(file.fd, data, left, file.written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IoError("writing " + file.in_use_path + ": " + ErrnoText(errno));
    }
    data += n;
    left -= static_cast<size_t>(n);
    file.written += n;
  }
  file.pending.clear();
  file.pending_events = 0;
  return Status::Ok();
}

Status FileRollSink::Start() {
  // Every property was checked by the catalogue and its rules (api/catalog.cc) before the sink
  // was built; files are opened when their first event arrives.
  return Status::Ok();
}

Status FileRollSink::Deliver(std::span<const Event> events) {
  batch_now_ms_ = -1;
  RollExpired(Clock::now());
  Status status;
  for (const auto& event : events) {
    OpenFile* file = FileFor(event, &status);
    if (file == nullptr) break;
    if (!file->touched) {
      file->touched = true;
      file->bytes_before_batch = file->bytes;
      file->events_before_batch = file->events;
      file->written_before_batch = file->written;
      touched_.push_back(file);
    }
    const size_t before = file->pending.size();
    Serialize(event, &file->pending);
    file->bytes += static_cast<int64_t>(file->pending.size() - before);
    ++file->events;
    ++file->pending_events;
    if (file->pending.size() >= flush_bytes_) {
      status = Flush(*file);
      if (!status.ok()) break;
    }
    if ((roll_count_ > 0 && file->events >= roll_count_) ||
        (roll_size_ > 0 && file->bytes >= roll_size_)) {
      Retire(file);
    }
  }
  if (status.ok()) {
    for (OpenFile* file : touched_) {
      if (file->pending.empty()) continue;
      status = Flush(*file);
      if (!status.ok()) break;
    }
  }
  if (status.ok()) {
    CommitBatch();
  } else {
    AbortBatch();
  }
  return status;
}

void FileRollSink::CommitBatch() {
  const Clock::time_point now = Clock::now();
  for (OpenFile* file : touched_) {
    file->last_write_at = now;
    file->touched = false;
    file->created_in_batch = false;
    if (file->pending.capacity() > kKeptBufferBytes) std::string().swap(file->pending);
  }
  touched_.clear();
  for (auto& file : retiring_) Finalize(*file);
  retiring_.clear();
}

void FileRollSink::AbortBatch() {
  for (OpenFile* file : touched_) {
    file->pending.clear();
    file->pending_events = 0;
    if (file->created_in_batch) {  // nothing of it survives: remove the file
      close(file->fd);
      file->fd = -1;
      if (unlink(file->in_use_path.c_str()) != 0) {
        LogMessage(LogLevel::kError, scope_)
            << "removing " << file->in_use_path << ": " << ErrnoText(errno);
      }
      continue;
    }
    // On disk, what the batch wrote starts at written_before_batch (compressed or framed, this
    // is not bytes_before_batch, which counts what was serialized).
    if (file->written > file->written_before_batch) {
      if (ftruncate(file->fd, file->written_before_batch) != 0) {
        LogMessage(LogLevel::kError, scope_)
            << "truncating " << file->in_use_path << " after a failed write: " << ErrnoText(errno);
      } else {
        file->written = file->written_before_batch;
      }
    }
    file->bytes = file->bytes_before_batch;
    file->events = file->events_before_batch;
    file->touched = false;
  }
  touched_.clear();
  for (auto it = files_.begin(); it != files_.end();) {
    it = it->second->fd < 0 ? files_.erase(it) : std::next(it);
  }
  // Files rolled during the batch hold only earlier batches now: close them as they are.
  for (auto& file : retiring_) {
    if (file->fd >= 0) Finalize(*file);
  }
  retiring_.clear();
  last_ = nullptr;
}

void FileRollSink::Retire(OpenFile* file) {
  if (last_ == file) last_ = nullptr;
  auto it = files_.find(file->directory);
  if (it == files_.end() || it->second.get() != file) return;
  std::unique_ptr<OpenFile> owned = std::move(it->second);
  files_.erase(it);
  if (owned->touched) {
    retiring_.push_back(std::move(owned));
  } else {
    Finalize(*owned);
  }
}

void FileRollSink::RollExpired(Clock::time_point now) {
  const bool by_age = roll_interval_.count() > 0;
  const bool by_idleness = idle_timeout_.count() > 0;
  if (!by_age && !by_idleness) return;
  for (auto it = files_.begin(); it != files_.end();) {
    const OpenFile& file = *it->second;
    if (!(by_age && now - file.opened_at >= roll_interval_) &&
        !(by_idleness && now - file.last_write_at >= idle_timeout_)) {
      ++it;
      continue;
    }
    if (last_ == it->second.get()) last_ = nullptr;
    Finalize(*it->second);
    it = files_.erase(it);
  }
}

void FileRollSink::Finalize(OpenFile& file) {
  if (file.fd < 0) return;
  if (close(file.fd) != 0) {
    LogMessage(LogLevel::kError, scope_)
        << "closing " << file.in_use_path << ": " << ErrnoText(errno);
  }
  file.fd = -1;
  std::string final_path = file.directory + "/" + file.name;
  if (!in_use_suffix_.empty()) {
    for (int attempt = 0;; ++attempt) {
      // RENAME_NOREPLACE: a file that appeared under our name meanwhile is never overwritten.
      int rc = renameat2(AT_FDCWD, file.in_use_path.c_str(), AT_FDCWD, final_path.c_str(),
                         RENAME_NOREPLACE);
      if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {  // file system without it
        rc = Exists(final_path) ? (errno = EEXIST, -1)
                                : rename(file.in_use_path.c_str(), final_path.c_str());
      }
      if (rc == 0) break;
      if (errno != EEXIST || attempt == kMaxNameAttempts) {
        LogMessage(LogLevel::kError, scope_)
            << "renaming " << file.in_use_path << " to " << final_path << ": " << ErrnoText(errno);
        return;
      }
      file.name = file_prefix_ + std::to_string(file.created_ms) + "-" +
                  std::to_string(++file_counter_) + file_suffix_ + compression_suffix_;
      final_path = file.directory + "/" + file.name;
    }
  }
  LogMessage(LogLevel::kInfo, scope_)
      << "rolled " << final_path << " (" << file.events << " events)";
}

Status FileRollSink::Tick() {
  RollExpired(Clock::now());
  return Status::Ok();
}

void FileRollSink::Stop() {
  for (auto& [directory, file] : files_) Finalize(*file);
  files_.clear();
  for (auto& file : retiring_) Finalize(*file);
  retiring_.clear();
  touched_.clear();
  last_ = nullptr;
}

ACEQUIA_REGISTER_SINK("file_roll",
                      [](const api::SinkConfig& config,
                         const ComponentContext&) -> Result<std::unique_ptr<Sink>> {
                        return std::unique_ptr<Sink>(std::make_unique<FileRollSink>(config));
                      });

}  // namespace acequia::sidecar
