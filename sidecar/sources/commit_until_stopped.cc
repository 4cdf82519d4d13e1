#include "sidecar/sources/commit_until_stopped.h"

#include "common/logging.h"

namespace acequia::sidecar {

namespace {
constexpr std::chrono::milliseconds kFullRetryPause{20};
constexpr std::chrono::milliseconds kErrorRetryPause{1000};
}  // namespace

bool CommitUntilStopped(ChannelProcessor& processor, std::vector<Event>& batch,
                        RunnerThread& runner, const std::string& source) {
  bool full_logged = false;
  bool error_logged = false;
  for (;;) {
    Status s = processor.Process(batch);
    if (s.ok()) return true;
    const bool full = s.code() == Status::Code::kResourceExhausted;
    if (full ? !full_logged : !error_logged) {
      LogMessage(full ? LogLevel::kWarn : LogLevel::kError, "source/" + source)
          << s.message() << "; offering the batch again until it is committed";
      (full ? full_logged : error_logged) = true;
    }
    if (!runner.PauseUnlessStopped(full ? kFullRetryPause : kErrorRetryPause)) return false;
  }
}

}  // namespace acequia::sidecar
