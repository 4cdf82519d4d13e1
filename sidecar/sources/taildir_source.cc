#include "sidecar/sources/taildir_source.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "common/logging.h"
#include "sidecar/core/registry.h"
#include "sidecar/sources/commit_until_stopped.h"

namespace acequia::sidecar {

namespace fs = std::filesystem;

namespace {

constexpr size_t kTailBytes = 64;
// Batches read from one file before the others get their turn.
constexpr int kBatchesPerVisit = 100;

int64_t MtimeNs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

}  // namespace

Result<std::unique_ptr<TaildirSource>> TaildirSource::Create(const api::SourceConfig& config,
                                                             const ComponentContext& context,
                                                             ChannelProcessor& processor) {
  const std::string where = config.path.empty() ? config.name : config.path;
  std::vector<Group> groups;
  for (const auto& [name, path] : config.properties.GetMap("filegroups")) {
    const size_t slash = path.rfind('/');
    if (path.empty() || path[0] != '/' || slash + 1 == path.size()) {
      return Status::InvalidArgument(where + ".filegroups." + name + ": \"" + path +
                                     "\" must be an absolute path ending in a file name glob");
    }
    Group g{name, slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1), {}};
    if (g.dir.find_first_of("*?[") != std::string::npos) {
      return Status::InvalidArgument(where + ".filegroups." + name + ": \"" + path +
                                     "\": only the file name may hold a glob");
    }
    groups.push_back(std::move(g));
  }
  if (groups.empty()) {
    return Status::InvalidArgument(where + ".filegroups: names no file group");
  }
  for (const auto& entry : config.properties.GetMap("headers")) {
    // Named copies rather than a structured binding: clang 14 cannot capture those.
    const std::string& key = entry.first;
    const std::string& value = entry.second;
    const size_t dot = key.find('.');
    auto group = std::find_if(groups.begin(), groups.end(), [&](const Group& g) {
      return dot != std::string::npos && key.compare(0, dot, g.name) == 0 && g.name.size() == dot;
    });
    if (group == groups.end() || dot + 1 == key.size()) {
      return Status::InvalidArgument(where + ".headers: key \"" + key +
                                     "\" must be <group>.<header> with a group of filegroups");
    }
    group->headers.emplace_back(key.substr(dot + 1), value);
  }
  return std::make_unique<TaildirSource>(config, context, processor, std::move(groups));
}

TaildirSource::TaildirSource(const api::SourceConfig& config, const ComponentContext& context,
                             ChannelProcessor& processor, std::vector<Group> groups)
    : name_(config.name),
      groups_(std::move(groups)),
      position_file_(config.properties.GetString("positionFile").empty()
                         ? "/var/lib/acequia/" + context.flow + "/" + config.name +
                               "/taildir_position.json"
                         : config.properties.GetString("positionFile")),
      byte_offset_header_(config.properties.GetBool("byteOffsetHeader")),
      skip_to_end_(config.properties.GetBool("skipToEnd")),
      idle_timeout_(config.properties.GetDuration("idleTimeout")),
      write_pos_interval_(config.properties.GetDuration("writePosInterval")),
      poll_interval_(config.properties.GetDuration("pollInterval")),
      batch_size_(static_cast<size_t>(config.properties.GetInt("batchSize"))),
      max_line_(static_cast<size_t>(config.properties.GetInt("maxLineLength"))),
      file_header_(config.properties.GetBool("fileHeader")
                       ? config.properties.GetString("fileHeaderKey")
                       : std::string()),
      processor_(processor) {}

TaildirSource::~TaildirSource() { Stop(); }

Status TaildirSource::Start() {
  if (runner_.running()) return Status::Ok();
  std::error_code ec;
  fs::create_directories(fs::path(position_file_).parent_path(), ec);
  if (ec) return Status::IoError("positionFile " + position_file_ + ": " + ec.message());
  runner_.Start([this] { Run(); });
  return Status::Ok();
}

void TaildirSource::Stop() { runner_.Stop(); }

void TaildirSource::Run() {
  LoadPositions();
  Scan(/*first=*/true);
  recorded_.clear();
  (void)WritePositions();
  while (runner_.PauseUnlessStopped(std::chrono::milliseconds(0))) {
    const bool read = ReadAll();
    if (Clock::now() - positions_written_ >= write_pos_interval_) (void)WritePositions();
    if (!read && !runner_.PauseUnlessStopped(poll_interval_)) break;
    Scan(/*first=*/false);
  }
  (void)WritePositions();
  for (auto& [inode, file] : files_) Close(file);
  files_.clear();
}

void TaildirSource::LoadPositions() {
  std::ifstream in(position_file_);
  if (!in) return;
  try {
    auto json = nlohmann::json::parse(in);
    for (const auto& entry : json) {
      recorded_[entry.at("inode").get<uint64_t>()] =
          Recorded{entry.at("pos").get<uint64_t>(), entry.at("file").get<std::string>()};
    }
  } catch (const std::exception& e) {
    LogMessage(LogLevel::kError, "source/" + name_)
        << position_file_ << " is unreadable (" << e.what() << "); files are read from the "
        << (skip_to_end_ ? "end (skipToEnd)" : "start");
    recorded_.clear();
  }
}

Status TaildirSource::WritePositions() {
  positions_written_ = Clock::now();
  nlohmann::json json = nlohmann::json::array();
  for (const auto& [inode, file] : files_) {
    json.push_back({{"inode", inode}, {"pos", file.pos}, {"file", file.path}});
  }
  const std::string temporary = position_file_ + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << json.dump() << "\n";
    out.flush();
    if (!out) {
      LogMessage(LogLevel::kError, "source/" + name_) << "cannot write " << temporary;
      return Status::IoError("cannot write " + temporary);
    }
  }
  if (rename(temporary.c_str(), position_file_.c_str()) != 0) {
    LogMessage(LogLevel::kError, "source/" + name_)
        << "cannot rename " << temporary << ": " << strerror(errno);
    return Status::IoError("cannot rename " + temporary);
  }
  return Status::Ok();
}

void TaildirSource::Scan(bool first) {
  const std::string scope = "source/" + name_;
  const auto now = Clock::now();
  std::vector<uint64_t> forget;
  for (const Group& g : groups_) {
    std::map<uint64_t, std::pair<std::string, struct stat>> present;  // regular files by inode
    std::set<uint64_t> live;
    std::error_code ec;
    for (fs::directory_iterator it(g.dir, ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
      const std::string path = it->path().string();
      struct stat st {};
      if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      present[st.st_ino] = {path, st};
      const std::string name = it->path().filename().string();
      if (fnmatch(g.glob.c_str(), name.c_str(), FNM_PERIOD) == 0) live.insert(st.st_ino);
    }
    for (uint64_t inode : live) {
      const auto& [path, st] = present[inode];
      auto found = files_.find(inode);
      if (found != files_.end()) {
        TailFile& f = found->second;
        if (f.group != &g) continue;  // an earlier group has it
        if (f.path != path) {
          LogMessage(LogLevel::kInfo, scope) << f.path << " is now " << path;
          f.path = path;
        }
        f.rotated = false;
        f.gone = false;
        continue;
      }
      TailFile f;
      f.group = &g;
      f.path = path;
      f.inode = inode;
      f.last_growth = now;
      const auto size = static_cast<uint64_t>(st.st_size);
      if (auto rec = recorded_.find(inode); rec != recorded_.end()) {
        f.pos = rec->second.pos;
        if (size < f.pos) {
          LogMessage(LogLevel::kWarn, scope)
              << path << " is shorter (" << size << " bytes) than its recorded position " << f.pos
              << ": truncated; reading it from the start";
          f.pos = 0;
        }
      } else if (first && skip_to_end_) {
        f.pos = size;
      }
      LogMessage(LogLevel::kInfo, scope) << "tailing " << path << " from offset " << f.pos;
      files_.emplace(inode, std::move(f));
    }
    // Files renamed away while the agent was down: finish them first, found by inode.
    if (first) {
      for (const auto& [inode, rec] : recorded_) {
        auto here = present.find(inode);
        if (here == present.end() || live.count(inode) || files_.count(inode)) continue;
        if (fs::path(rec.file).parent_path() != fs::path(g.dir)) continue;
        const auto size = static_cast<uint64_t>(here->second.second.st_size);
        if (size <= rec.pos) continue;
        TailFile f;
        f.group = &g;
        f.path = here->second.first;
        f.inode = inode;
        f.pos = rec.pos;
        f.rotated = true;
        f.last_growth = now;
        LogMessage(LogLevel::kInfo, scope) << rec.file << " was rotated to " << f.path
                                           << "; reading its rest from offset " << f.pos;
        files_.emplace(inode, std::move(f));
      }
    }
    for (auto& [inode, f] : files_) {
      if (f.group != &g || live.count(inode)) continue;
      auto here = present.find(inode);
      if (here != present.end()) {
        if (!f.rotated || f.path != here->second.first) {
          LogMessage(LogLevel::kInfo, scope)
              << f.path << " was rotated to " << here->second.first << "; reading it to its end";
        }
        f.path = here->second.first;
        f.rotated = true;
      } else if (f.fd >= 0) {
        f.rotated = true;
        f.gone = true;
      } else {
        forget.push_back(inode);
      }
    }
  }
  for (uint64_t inode : forget) Forget(inode, "is gone");
}

bool TaildirSource::ReadAll() {
  // Rotated files first, then oldest first, so a rotated file is finished before its successor.
  std::vector<std::tuple<bool, int64_t, uint64_t>> order;
  for (auto& [inode, f] : files_) {
    struct stat st {};
    const int r = f.fd >= 0 ? fstat(f.fd, &st) : stat(f.path.c_str(), &st);
    order.emplace_back(!f.rotated, r == 0 ? MtimeNs(st) : 0, inode);
  }
  std::sort(order.begin(), order.end());
  bool any = false;
  std::vector<std::pair<uint64_t, std::string>> forget;
  for (const auto& [live, mtime, inode] : order) {
    TailFile& f = files_.at(inode);
    const bool got = ReadFile(f, false);
    any = any || got;
    if (!runner_.PauseUnlessStopped(std::chrono::milliseconds(0))) return any;
    if (got) continue;
    if (f.gone) {
      if (ReadFile(f, true)) continue;  // its unterminated last line
      forget.emplace_back(inode, "was deleted and is read to its end");
    } else if (Clock::now() - f.last_growth >= idle_timeout_) {
      if (f.rotated) {
        if (ReadFile(f, true)) continue;  // its unterminated last line
        forget.emplace_back(inode, "was rotated and has been idle for idleTimeout");
      } else if (f.fd >= 0) {
        Close(f);
      }
    }
  }
  for (const auto& [inode, why] : forget) Forget(inode, why);
  return any;
}

bool TaildirSource::Open(TailFile& file) {
  const int fd = open(file.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  if (fstat(fd, &st) != 0 || st.st_ino != file.inode) {
    close(fd);
    return false;
  }
  file.fd = fd;
  file.reader = std::make_unique<LineReader>(max_line_, /*final_line_at_eof=*/false);
  file.reader->Reset(fd, file.pos);
  return true;
}

void TaildirSource::Close(TailFile& file) {
  if (file.fd >= 0) close(file.fd);
  file.fd = -1;
  file.reader.reset();
}

void TaildirSource::Forget(uint64_t inode, const std::string& why) {
  auto it = files_.find(inode);
  if (it == files_.end()) return;
  LogMessage(LogLevel::kInfo, "source/" + name_)
      << it->second.path << " " << why << " (offset " << it->second.pos << "); no longer tracked";
  Close(it->second);
  files_.erase(it);
  (void)WritePositions();
}

void TaildirSource::RememberTail(TailFile& file) {
  const uint64_t n = std::min<uint64_t>(file.pos, kTailBytes);
  file.tail.assign(n, '\0');
  if (n == 0 || pread(file.fd, file.tail.data(), n, static_cast<off_t>(file.pos - n)) !=
                    static_cast<ssize_t>(n)) {
    file.tail.clear();
  }
}

bool TaildirSource::ReadFile(TailFile& f, bool final) {
  const std::string scope = "source/" + name_;
  struct stat st {};
  if (f.fd >= 0) {
    if (fstat(f.fd, &st) != 0) return false;
  } else if (stat(f.path.c_str(), &st) != 0 || st.st_ino != f.inode) {
    return false;
  }
  const auto size = static_cast<uint64_t>(st.st_size);
  const int64_t mtime = MtimeNs(st);
  auto restart_from_zero = [&](const char* how) {
    LogMessage(LogLevel::kInfo, scope) << f.path << " was " << how << " (offset " << f.pos
                                       << ", size " << size << "): reading it again from the start";
    f.pos = 0;
    f.tail.clear();
    if (f.reader) f.reader->Reset(f.fd, 0);
    (void)WritePositions();
  };
  if (size < f.pos) restart_from_zero("truncated");
  if (size == f.pos && mtime == f.seen_mtime_ns) return false;
  if (f.fd < 0 && !Open(f)) return false;
  f.reader->set_final_line_at_eof(final);
  if (mtime != f.seen_mtime_ns && f.pos > 0 && !f.tail.empty()) {
    std::string now(f.tail.size(), '\0');
    const ssize_t n = pread(f.fd, now.data(), now.size(), static_cast<off_t>(f.pos - now.size()));
    if (n != static_cast<ssize_t>(now.size()) || now != f.tail) {
      restart_from_zero("truncated and written again");
    }
  }
  f.seen_size = size;
  f.seen_mtime_ns = mtime;
  if (size == f.pos) return false;

  const size_t limit = std::max<size_t>(1, std::min(batch_size_, processor_.MaxBatch()));
  bool got = false;
  for (int round = 0; round < kBatchesPerVisit; ++round) {
    auto lines = f.reader->Read(limit);
    if (!lines.ok()) {
      LogMessage(LogLevel::kError, scope) << f.path << ": " << lines.status().message();
      Close(f);
      return got;
    }
    std::vector<Event> batch;
    batch.reserve(lines->lines.size());
    for (size_t i = 0; i < lines->lines.size(); ++i) {
      Event e{{}, std::move(lines->lines[i])};
      for (const auto& [key, value] : f.group->headers) e.headers.Set(key, value);
      if (!file_header_.empty()) e.headers.Set(file_header_, f.path);
      if (byte_offset_header_) e.headers.Set("byteoffset", std::to_string(lines->offsets[i]));
      batch.push_back(std::move(e));
    }
    for (const auto& r : lines->rejected) {
      LogMessage(LogLevel::kWarn, scope)
          << "rejected the line of " << r.length << " bytes at offset " << r.offset << " of "
          << f.path << ": longer than maxLineLength " << max_line_;
    }
    const size_t seen = lines->lines.size() + lines->rejected.size();
    if (seen > 0) processor_.metrics().received->Increment(static_cast<double>(seen));
    if (!lines->rejected.empty()) {
      processor_.metrics().rejected->Increment(static_cast<double>(lines->rejected.size()));
    }
    if (!batch.empty() && !CommitUntilStopped(processor_, batch, runner_, name_)) {
      return got;  // stopped: pos stays committed
    }
    if (lines->end != f.pos) {
      f.pos = lines->end;
      f.last_growth = Clock::now();
      RememberTail(f);
      (void)WritePositions();
      got = true;
    }
    if (lines->at_eof) break;
  }
  return got;
}

ACEQUIA_REGISTER_SOURCE("taildir",
                        [](const api::SourceConfig& config, const ComponentContext& context,
                           ChannelProcessor& processor) -> Result<std::unique_ptr<Source>> {
                          auto source = TaildirSource::Create(config, context, processor);
                          if (!source.ok()) return source.status();
                          return std::unique_ptr<Source>(std::move(source).value());
                        });

}  // namespace acequia::sidecar
