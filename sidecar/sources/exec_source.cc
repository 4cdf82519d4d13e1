#include "sidecar/sources/exec_source.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/logging.h"
#include "sidecar/core/registry.h"

namespace acequia::sidecar {

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kReadChunk = size_t{64} * 1024;
constexpr std::chrono::milliseconds kFullRetryPause{20};
constexpr std::chrono::milliseconds kErrorRetryPause{1000};

std::vector<std::string> SplitWords(const std::string& text) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    const size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  return words;
}

void SetNonBlocking(int fd) { (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

std::string DescribeExit(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "ended with status " + std::to_string(status);
}

}  // namespace

ExecSource::ExecSource(const api::SourceConfig& config, const ComponentContext&,
                       ChannelProcessor& processor)
    : name_(config.name),
      command_(config.properties.GetString("command")),
      shell_(config.properties.GetString("shell")),
      restart_(config.properties.GetBool("restart")),
      restart_throttle_(config.properties.GetDuration("restartThrottle")),
      log_stderr_(config.properties.GetBool("logStdErr")),
      batch_size_(static_cast<size_t>(config.properties.GetInt("batchSize"))),
      batch_timeout_(config.properties.GetDuration("batchTimeout")),
      max_line_(static_cast<size_t>(config.properties.GetInt("maxLineLength"))),
      stop_timeout_(config.properties.GetDuration("stopTimeout")),
      processor_(processor) {}

ExecSource::~ExecSource() {
  Stop();
  if (wake_fd_ >= 0) close(wake_fd_);
}

Status ExecSource::Start() {
  if (thread_.joinable()) return Status::Ok();
  if (wake_fd_ < 0) {
    wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0) return Status::Internal(std::string("eventfd: ") + std::strerror(errno));
  }
  uint64_t drained = 0;
  (void)read(wake_fd_, &drained, sizeof drained);
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void ExecSource::Stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  const uint64_t one = 1;
  (void)write(wake_fd_, &one, sizeof one);
  thread_.join();
}

bool ExecSource::PauseUnlessStopped(std::chrono::milliseconds pause) {
  if (stopping_) return false;
  pollfd wake{wake_fd_, POLLIN, 0};
  (void)poll(&wake, 1, static_cast<int>(pause.count()));
  return !stopping_;
}

void ExecSource::Run() {
  const std::string scope = "source/" + name_;
  while (!stopping_) {
    int out_fd = -1;
    int err_fd = -1;
    Status s = Spawn(&out_fd, &err_fd);
    if (!s.ok()) {
      LogMessage(LogLevel::kError, scope) << s.message();
    } else {
      ++runs_;
      LogMessage(LogLevel::kInfo, scope)
          << "started `" << command_ << "` (pid " << child_.load() << ")";
      Pump(out_fd, err_fd);
      close(out_fd);
      if (err_fd >= 0) close(err_fd);
      Reap(stopping_);
    }
    if (stopping_ || !restart_) break;
    LogMessage(LogLevel::kInfo, scope)
        << "restarting the command in " << restart_throttle_.count() << " ms (restartThrottle)";
    if (!PauseUnlessStopped(restart_throttle_)) break;
  }
}

Status ExecSource::Spawn(int* out_fd, int* err_fd) {
  std::vector<std::string> words = SplitWords(shell_);
  if (words.empty()) {
    words = SplitWords(command_);
  } else {
    words.push_back(command_);
  }
  if (words.empty()) return Status::InvalidArgument("command is empty");
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);

  int out[2];
  int err[2] = {-1, -1};
  if (pipe2(out, O_CLOEXEC) != 0) return Status::Internal(std::string("pipe: ") + strerror(errno));
  if (log_stderr_ && pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    return Status::Internal(std::string("pipe: ") + strerror(errno));
  }
  const pid_t pid = fork();
  if (pid < 0) {
    const int e = errno;
    for (int fd : {out[0], out[1], err[0], err[1]}) {
      if (fd >= 0) close(fd);
    }
    return Status::Internal(std::string("fork: ") + strerror(e));
  }
  if (pid == 0) {
    // The child: only async-signal-safe calls until exec. The agent blocks and ignores signals
    // in its own threads; the command gets the defaults.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) {
      if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, nullptr);
    }
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);  // the agent died (even by kill -9): so does the command
    const int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    dup2(err[1] >= 0 ? err[1] : devnull, STDERR_FILENO);
    close_range(3, ~0U, 0);
    execvp(argv[0], argv.data());
    static const char kFailed[] = "acequia exec source: cannot execute the command\n";
    (void)write(STDERR_FILENO, kFailed, sizeof kFailed - 1);
    _exit(127);
  }
  setpgid(pid, pid);  // also here, so Stop can signal the group before the child ran
  child_ = pid;
  close(out[1]);
  if (err[1] >= 0) close(err[1]);
  SetNonBlocking(out[0]);
  if (err[0] >= 0) SetNonBlocking(err[0]);
  *out_fd = out[0];
  *err_fd = err[0];
  return Status::Ok();
}

void ExecSource::Pump(int out_fd, int err_fd) {
  const size_t limit = std::max<size_t>(1, std::min(batch_size_, processor_.MaxBatch()));
  std::string out_buffer;
  std::string err_buffer;
  std::vector<char> chunk(kReadChunk);
  bool out_open = true;
  bool err_open = err_fd >= 0;
  while (out_open && !stopping_) {
    if (!pending_.empty() &&
        (pending_.size() >= limit || Clock::now() - batch_started_ >= batch_timeout_)) {
      Commit(false);  // blocks (not reading the pipe) while the channel is full
      if (stopping_) break;
    }
    pollfd fds[3];
    nfds_t n = 0;
    fds[n++] = {wake_fd_, POLLIN, 0};
    fds[n++] = {out_fd, POLLIN, 0};
    if (err_open) fds[n++] = {err_fd, POLLIN, 0};
    int timeout_ms = -1;
    if (!pending_.empty()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          batch_started_ + batch_timeout_ - Clock::now());
      timeout_ms = static_cast<int>(std::max<int64_t>(0, left.count()) + 1);
    }
    if (poll(fds, n, timeout_ms) < 0 && errno != EINTR) {
      LogMessage(LogLevel::kError, "source/" + name_) << "poll: " << strerror(errno);
      break;
    }
    if (stopping_) break;
    if (fds[1].revents != 0) {
      const ssize_t got = read(out_fd, chunk.data(), chunk.size());
      if (got > 0) {
        out_buffer.append(chunk.data(), static_cast<size_t>(got));
        CutLines(out_buffer, false);
      } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
        CutLines(out_buffer, true);
        out_open = false;
      }
    }
    if (err_open && fds[2].revents != 0) {
      const ssize_t got = read(err_fd, chunk.data(), chunk.size());
      if (got > 0) {
        err_buffer.append(chunk.data(), static_cast<size_t>(got));
        CutStderr(err_buffer, false);
      } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
        CutStderr(err_buffer, true);
        err_open = false;
      }
    }
  }
  if (err_open) {  // what the command wrote to stderr before it closed stdout
    ssize_t got;
    while ((got = read(err_fd, chunk.data(), chunk.size())) > 0) {
      err_buffer.append(chunk.data(), static_cast<size_t>(got));
    }
    CutStderr(err_buffer, true);
  }
  // Stopping: one last attempt, no waiting; at the end of the output: until committed.
  Commit(stopping_.load());
  if (!pending_.empty()) {
    LogMessage(LogLevel::kWarn, "source/" + name_)
        << "stopped with " << pending_.size()
        << " lines of the command's output not committed: the channel was full";
    pending_.clear();
  }
}

void ExecSource::CutLines(std::string& buffer, bool eof) {
  size_t start = 0;
  size_t received = 0;
  size_t rejected = 0;
  for (;;) {
    const size_t newline = buffer.find('\n', start);
    size_t end = newline;
    if (newline == std::string::npos) {
      if (!eof || start == buffer.size()) break;
      end = buffer.size();
    }
    size_t length = end - start;
    if (length > 0 && buffer[start + length - 1] == '\r') --length;
    if (skipping_) {
      skipping_ = false;  // the tail of a line already rejected
    } else {
      ++received;
      if (length > max_line_) {
        ++rejected;
      } else {
        if (pending_.empty()) batch_started_ = Clock::now();
        pending_.push_back(Event{{}, buffer.substr(start, length)});
      }
    }
    start = newline == std::string::npos ? buffer.size() : newline + 1;
  }
  buffer.erase(0, start);
  // An unfinished line that is already too long: reject it now and drop the rest as it comes.
  if (!skipping_ && buffer.size() > max_line_ + 1) {
    ++received;
    ++rejected;
    skipping_ = true;
  }
  if (skipping_) buffer.clear();
  if (eof) skipping_ = false;
  if (received > 0) processor_.metrics().received->Increment(static_cast<double>(received));
  if (rejected > 0) {
    processor_.metrics().rejected->Increment(static_cast<double>(rejected));
    LogMessage(LogLevel::kWarn, "source/" + name_)
        << "rejected " << rejected << " line(s) longer than maxLineLength " << max_line_;
  }
}

void ExecSource::CutStderr(std::string& buffer, bool eof) {
  size_t start = 0;
  for (;;) {
    size_t newline = buffer.find('\n', start);
    if (newline == std::string::npos) {
      if (!eof || start == buffer.size()) break;
      newline = buffer.size();
    }
    LogMessage(LogLevel::kInfo, "source/" + name_)
        << "stderr: " << std::string_view(buffer).substr(start, newline - start);
    start = std::min(buffer.size(), newline + 1);
  }
  buffer.erase(0, start);
  if (buffer.size() > max_line_) {
    LogMessage(LogLevel::kInfo, "source/" + name_) << "stderr: " << buffer << "…";
    buffer.clear();
  }
}

void ExecSource::Commit(bool once) {
  const size_t limit = std::max<size_t>(1, std::min(batch_size_, processor_.MaxBatch()));
  bool error_logged = false;
  while (!pending_.empty()) {
    std::vector<Event> batch;
    std::vector<Event> rest;
    if (pending_.size() <= limit) {
      batch = std::move(pending_);
    } else {
      auto cut = pending_.begin() + static_cast<std::ptrdiff_t>(limit);
      batch.assign(std::make_move_iterator(pending_.begin()), std::make_move_iterator(cut));
      rest.assign(std::make_move_iterator(cut), std::make_move_iterator(pending_.end()));
    }
    pending_.clear();
    Status s = processor_.Process(batch);
    if (s.ok()) {
      full_logged_ = false;
      pending_ = std::move(rest);
      if (!pending_.empty()) batch_started_ = Clock::now();
      continue;
    }
    // The batch came back: put it in front again and retry after a pause.
    batch.insert(batch.end(), std::make_move_iterator(rest.begin()),
                 std::make_move_iterator(rest.end()));
    pending_ = std::move(batch);
    const bool full = s.code() == Status::Code::kResourceExhausted;
    if (full ? !full_logged_ : !error_logged) {
      LogMessage(full ? LogLevel::kWarn : LogLevel::kError, "source/" + name_)
          << s.message() << "; holding " << pending_.size()
          << " lines and not reading the command's output until they are committed";
      (full ? full_logged_ : error_logged) = true;
    }
    if (once || !PauseUnlessStopped(full ? kFullRetryPause : kErrorRetryPause)) return;
  }
}

void ExecSource::Reap(bool kill) {
  const pid_t pid = child_.load();
  if (pid <= 0) return;
  int status = 0;
  auto reaped = [&] { return waitpid(pid, &status, WNOHANG) == pid; };
  bool done = reaped();
  // Not asked to kill: the command closed its output; wait for it to exit (or for Stop).
  while (!done && !kill) {
    if (!PauseUnlessStopped(std::chrono::milliseconds(20))) kill = true;
    done = reaped();
  }
  if (!done) {
    killpg(pid, SIGTERM);
    const auto deadline = Clock::now() + stop_timeout_;
    while (!(done = reaped()) && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!done) {
      LogMessage(LogLevel::kWarn, "source/" + name_)
          << "the command (pid " << pid << ") did not exit " << stop_timeout_.count()
          << " ms after SIGTERM; sending SIGKILL";
      killpg(pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
  }
  child_ = -1;
  const bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  LogMessage(clean || kill ? LogLevel::kInfo : LogLevel::kWarn, "source/" + name_)
      << "the command `" << command_ << "` (pid " << pid << ") " << DescribeExit(status);
}

ACEQUIA_REGISTER_SOURCE("exec",
                        [](const api::SourceConfig& config, const ComponentContext& context,
                           ChannelProcessor& processor) -> Result<std::unique_ptr<Source>> {
                          return std::unique_ptr<Source>(
                              std::make_unique<ExecSource>(config, context, processor));
                        });

}  // namespace acequia::sidecar
