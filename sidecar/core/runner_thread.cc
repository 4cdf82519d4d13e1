#include "sidecar/core/runner_thread.h"

namespace acequia::sidecar {

RunnerThread::~RunnerThread() { Stop(); }

void RunnerThread::Start(std::function<void()> loop) {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
  }
  thread_ = std::thread(std::move(loop));
}

void RunnerThread::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool RunnerThread::PauseUnlessStopped(std::chrono::milliseconds pause) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, pause, [this] { return stopping_; });
  return !stopping_;
}

}  // namespace acequia::sidecar
