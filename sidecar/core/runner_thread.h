// The runner thread of a polling source (spooldir, taildir, seq) with its stop signal: Start runs
// the source's loop on a new thread; the loop waits between rounds with PauseUnlessStopped, which
// Stop cuts short, and returns once that says false; Stop then joins it. A zero pause is a plain
// "was Stop asked for?" check.
// Threading: Start, Stop and running() from the control thread; PauseUnlessStopped from the loop
// (any thread may call it). What the loop touches must outlive the thread: its owner calls Stop
// in its own destructor, before its members go (the destructor here stops too, as a last resort).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace acequia::sidecar {

class RunnerThread {
 public:
  RunnerThread() = default;
  ~RunnerThread();
  RunnerThread(const RunnerThread&) = delete;
  RunnerThread& operator=(const RunnerThread&) = delete;

  // Clears the stop signal and runs `loop` on a new thread; does nothing while running().
  void Start(std::function<void()> loop);
  // Asks the loop to stop, wakes it from its pause and waits until it has returned. Does nothing
  // more when it was never started or is already stopped.
  void Stop();
  // Started and not yet joined by Stop (the loop may have returned on its own meanwhile).
  bool running() const { return thread_.joinable(); }

  // Waits up to `pause` or until Stop is asked for; false once it was.
  bool PauseUnlessStopped(std::chrono::milliseconds pause);

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace acequia::sidecar
