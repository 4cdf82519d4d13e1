#include "sidecar/sources/spooldir_source.h"

#include <fcntl.h>
#include <re2/re2.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/logging.h"
#include "sidecar/core/registry.h"
#include "sidecar/sources/commit_until_stopped.h"
#include "sidecar/sources/spooldir_line_reader.h"

namespace acequia::sidecar {

namespace fs = std::filesystem;

namespace {

constexpr std::chrono::milliseconds kErrorRetryPause{1000};
constexpr char kProgressFile[] = "progress.json";

int64_t MtimeNs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

std::string Absolute(const std::string& base, const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  return base + "/" + path;
}

// Closes a file descriptor when it goes out of scope.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

}  // namespace

SpoolDirSource::SpoolDirSource(const api::SourceConfig& config, const ComponentContext&,
                               ChannelProcessor& processor)
    : name_(config.name),
      spool_dir_(config.properties.GetString("spoolDir")),
      suffix_(config.properties.GetString("fileSuffix")),
      delete_(config.properties.GetString("deletePolicy") == "immediate"),
      tracker_dir_(Absolute(spool_dir_, config.properties.GetString("trackerDir"))),
      order_(config.properties.GetString("consumeOrder")),
      recursive_(config.properties.GetBool("recursiveDirectorySearch")),
      poll_delay_(config.properties.GetDuration("pollDelay")),
      batch_size_(static_cast<size_t>(config.properties.GetInt("batchSize"))),
      blob_(config.properties.GetString("deserializer") == "blob"),
      max_line_(static_cast<size_t>(config.properties.GetInt("maxLineLength"))),
      max_blob_(static_cast<size_t>(config.properties.GetSize("maxBlobLength"))),
      file_header_(config.properties.GetBool("fileHeader")
                       ? config.properties.GetString("fileHeaderKey")
                       : std::string()),
      basename_header_(config.properties.GetBool("basenameHeader")
                           ? config.properties.GetString("basenameHeaderKey")
                           : std::string()),
      include_(std::make_unique<re2::RE2>(config.properties.GetString("includePattern"))),
      ignore_(std::make_unique<re2::RE2>(config.properties.GetString("ignorePattern"))),
      processor_(processor),
      random_(std::random_device{}()) {}

SpoolDirSource::~SpoolDirSource() { Stop(); }

Status SpoolDirSource::Start() {
  if (runner_.running()) return Status::Ok();
  struct stat st {};
  if (stat(spool_dir_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status::NotFound("spoolDir " + spool_dir_ + " is not a directory");
  }
  std::error_code ec;
  fs::create_directories(tracker_dir_, ec);
  if (ec) return Status::IoError("trackerDir " + tracker_dir_ + ": " + ec.message());
  halted_ = false;
  runner_.Start([this] { Run(); });
  LogMessage(LogLevel::kInfo, "source/" + name_) << "spooling " << spool_dir_;
  return Status::Ok();
}

void SpoolDirSource::Stop() { runner_.Stop(); }

void SpoolDirSource::Halt(const std::string& why) {
  halted_ = true;
  LogMessage(LogLevel::kError, "source/" + name_)
      << why << "; this source takes no more files until it is restarted";
}

void SpoolDirSource::Run() {
  std::optional<SpoolFile> next = Resume();
  while (runner_.PauseUnlessStopped(std::chrono::milliseconds(0))) {
    if (halted_) {
      runner_.PauseUnlessStopped(std::chrono::hours(1));
      continue;
    }
    if (!next) next = Pick(List());
    if (!next) {
      runner_.PauseUnlessStopped(poll_delay_);
      continue;
    }
    Consume(std::move(*next));
    next.reset();
  }
}

std::vector<SpoolDirSource::SpoolFile> SpoolDirSource::List() const {
  std::vector<SpoolFile> files;
  std::error_code ec;
  auto consider = [&](const fs::directory_entry& entry) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.') return;
    if (name.size() >= suffix_.size() && !suffix_.empty() &&
        name.compare(name.size() - suffix_.size(), suffix_.size(), suffix_) == 0) {
      return;
    }
    if (!re2::RE2::FullMatch(name, *include_) || re2::RE2::FullMatch(name, *ignore_)) return;
    struct stat st {};
    const std::string path = entry.path().string();
    if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return;
    SpoolFile f;
    f.path = path;
    f.relative = fs::relative(entry.path(), spool_dir_, ec).string();
    f.inode = st.st_ino;
    f.size = static_cast<uint64_t>(st.st_size);
    f.mtime_ns = MtimeNs(st);
    files.push_back(std::move(f));
  };
  if (recursive_) {
    fs::recursive_directory_iterator it(spool_dir_, fs::directory_options::skip_permission_denied,
                                        ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (it->is_directory(ec)) {
        if (name.empty() || name[0] == '.' || it->path().string() == tracker_dir_) {
          it.disable_recursion_pending();
        }
        continue;
      }
      consider(*it);
    }
  } else {
    for (fs::directory_iterator it(spool_dir_, ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
      consider(*it);
    }
  }
  if (ec) LogMessage(LogLevel::kWarn, "source/" + name_) << spool_dir_ << ": " << ec.message();
  return files;
}

std::optional<SpoolDirSource::SpoolFile> SpoolDirSource::Pick(std::vector<SpoolFile> files) {
  if (files.empty()) return std::nullopt;
  if (order_ == "random") {
    std::uniform_int_distribution<size_t> pick(0, files.size() - 1);
    return files[pick(random_)];
  }
  auto older = [](const SpoolFile& a, const SpoolFile& b) {
    return a.mtime_ns != b.mtime_ns ? a.mtime_ns < b.mtime_ns : a.relative < b.relative;
  };
  if (order_ == "youngest") {
    return *std::max_element(files.begin(), files.end(), older);
  }
  return *std::min_element(files.begin(), files.end(), older);
}

std::optional<SpoolDirSource::SpoolFile> SpoolDirSource::Resume() {
  const std::string record_path = tracker_dir_ + "/" + kProgressFile;
  std::ifstream in(record_path);
  if (!in) return std::nullopt;
  const std::string scope = "source/" + name_;
  SpoolFile recorded;
  try {
    auto json = nlohmann::json::parse(in);
    recorded.relative = json.at("file").get<std::string>();
    recorded.inode = json.at("inode").get<uint64_t>();
    recorded.size = json.at("size").get<uint64_t>();
    recorded.mtime_ns = json.at("mtimeNs").get<int64_t>();
    recorded.offset = json.at("offset").get<uint64_t>();
  } catch (const std::exception& e) {
    LogMessage(LogLevel::kWarn, scope)
        << record_path << " is unreadable (" << e.what() << "); files are taken from the start";
    return std::nullopt;
  }
  recorded.path = spool_dir_ + "/" + recorded.relative;
  struct stat st {};
  if (stat(recorded.path.c_str(), &st) != 0 || st.st_ino != recorded.inode) {
    // Completed (renamed or deleted) just before the agent stopped.
    ClearProgress();
    return std::nullopt;
  }
  if (static_cast<uint64_t>(st.st_size) < recorded.offset) {
    Halt(recorded.path + " is shorter (" + std::to_string(st.st_size) +
         " bytes) than the offset already committed (" + std::to_string(recorded.offset) + ")");
    return std::nullopt;
  }
  if (static_cast<uint64_t>(st.st_size) != recorded.size || MtimeNs(st) != recorded.mtime_ns) {
    LogMessage(LogLevel::kWarn, scope)
        << recorded.path << " changed since it was picked up; continuing at offset "
        << recorded.offset << " as it is now";
  }
  LogMessage(LogLevel::kInfo, scope)
      << "continuing " << recorded.path << " at offset " << recorded.offset;
  return recorded;
}

void SpoolDirSource::Consume(SpoolFile file) {
  const std::string scope = "source/" + name_;
  const int fd = open(file.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) LogMessage(LogLevel::kWarn, scope) << file.path << ": " << strerror(errno);
    return;
  }
  FdCloser closer(fd);
  struct stat st {};
  if (fstat(fd, &st) != 0 || st.st_ino != file.inode) return;  // replaced since listed
  file.size = static_cast<uint64_t>(st.st_size);
  file.mtime_ns = MtimeNs(st);
  if (Status s = SaveProgress(file); !s.ok()) {
    Halt(s.message());
    return;
  }
  auto changed = [&]() -> bool {
    struct stat now {};
    if (fstat(fd, &now) != 0) return true;
    if (static_cast<uint64_t>(now.st_size) == file.size && MtimeNs(now) == file.mtime_ns) {
      return false;
    }
    Halt(file.path + " changed while it was read (size " + std::to_string(file.size) + " → " +
         std::to_string(now.st_size) + " bytes): files must not change once in spoolDir; " +
         "events up to offset " + std::to_string(file.offset) +
         " are committed and the file is left as it is");
    return true;
  };
  const size_t limit = std::max<size_t>(1, std::min(batch_size_, processor_.MaxBatch()));
  auto make_event = [&](std::string body) {
    Event e{{}, std::move(body)};
    if (!file_header_.empty()) e.headers.Set(file_header_, file.path);
    if (!basename_header_.empty()) {
      e.headers.Set(basename_header_, fs::path(file.path).filename().string());
    }
    return e;
  };

  LineReader reader(max_line_, /*final_line_at_eof=*/true);
  reader.Reset(fd, file.offset);
  for (bool done = false; !done;) {
    std::vector<Event> batch;
    uint64_t end = file.offset;
    if (blob_) {
      std::string body(std::min<uint64_t>(max_blob_, file.size - file.offset), '\0');
      size_t got = 0;
      while (got < body.size()) {
        const ssize_t n =
            pread(fd, body.data() + got, body.size() - got, static_cast<off_t>(file.offset + got));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<size_t>(n);
      }
      body.resize(got);
      end = file.offset + got;
      done = end >= file.size;
      if (!body.empty()) batch.push_back(make_event(std::move(body)));
      if (got == 0 && !done) {
        changed();
        return;
      }
    } else {
      auto lines = reader.Read(limit);
      if (!lines.ok()) {
        LogMessage(LogLevel::kError, scope) << file.path << ": " << lines.status().message();
        runner_.PauseUnlessStopped(kErrorRetryPause);
        return;  // taken again from the progress record's offset
      }
      for (auto& line : lines->lines) batch.push_back(make_event(std::move(line)));
      for (const auto& r : lines->rejected) {
        LogMessage(LogLevel::kWarn, scope)
            << "rejected the line of " << r.length << " bytes at offset " << r.offset << " of "
            << file.path << ": longer than maxLineLength " << max_line_;
      }
      const size_t seen = lines->lines.size() + lines->rejected.size();
      if (seen > 0) processor_.metrics().received->Increment(static_cast<double>(seen));
      if (!lines->rejected.empty()) {
        processor_.metrics().rejected->Increment(static_cast<double>(lines->rejected.size()));
      }
      end = lines->end;
      done = lines->at_eof;
    }
    if (blob_ && !batch.empty()) processor_.metrics().received->Increment();
    if (changed()) return;
    if (!batch.empty() && !CommitUntilStopped(processor_, batch, runner_, name_)) {
      return;  // stopped: resumes at file.offset
    }
    if (end != file.offset) {
      file.offset = end;
      if (Status s = SaveProgress(file); !s.ok()) {
        Halt(s.message());
        return;
      }
    }
  }
  if (changed()) return;
  if (Complete(file)) ++completed_;
}

bool SpoolDirSource::Complete(const SpoolFile& file) {
  const std::string scope = "source/" + name_;
  if (delete_) {
    if (unlink(file.path.c_str()) != 0 && errno != ENOENT) {
      Halt("cannot delete " + file.path + ": " + strerror(errno));
      return false;
    }
    LogMessage(LogLevel::kInfo, scope)
        << "deleted " << file.path << " (" << file.size << " bytes committed)";
  } else {
    std::string target = file.path + suffix_;
    struct stat st {};
    if (lstat(target.c_str(), &st) == 0) {
      // The name was used before: keep both completed files.
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
      target = file.path + "." + std::to_string(ms) + suffix_;
      LogMessage(LogLevel::kWarn, scope)
          << file.path + suffix_ << " already exists (a file name was reused); completing as "
          << target;
    }
    if (rename(file.path.c_str(), target.c_str()) != 0) {
      Halt("cannot rename " + file.path + " to " + target + ": " + strerror(errno));
      return false;
    }
    LogMessage(LogLevel::kInfo, scope)
        << "completed " << file.path << " (" << file.size << " bytes committed)";
  }
  ClearProgress();
  return true;
}

Status SpoolDirSource::SaveProgress(const SpoolFile& file) const {
  nlohmann::json json = {{"file", file.relative},
                         {"inode", file.inode},
                         {"size", file.size},
                         {"mtimeNs", file.mtime_ns},
                         {"offset", file.offset}};
  const std::string path = tracker_dir_ + "/" + kProgressFile;
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << json.dump() << "\n";
    out.flush();
    if (!out) return Status::IoError("cannot write " + temporary);
  }
  if (rename(temporary.c_str(), path.c_str()) != 0) {
    return Status::IoError("cannot rename " + temporary + ": " + strerror(errno));
  }
  return Status::Ok();
}

void SpoolDirSource::ClearProgress() const {
  (void)unlink((tracker_dir_ + "/" + kProgressFile).c_str());
}

ACEQUIA_REGISTER_SOURCE("spooldir",
                        [](const api::SourceConfig& config, const ComponentContext& context,
                           ChannelProcessor& processor) -> Result<std::unique_ptr<Source>> {
                          return std::unique_ptr<Source>(
                              std::make_unique<SpoolDirSource>(config, context, processor));
                        });

}  // namespace acequia::sidecar
