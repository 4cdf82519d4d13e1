// The I/O thread of a network source (netcat, forward, syslogtcp, syslogudp): one io_context,
// run on one thread from Start until Stop. The source binds its sockets and timers to context()
// and arms their first operations before Start. Stop hands a closing function to the thread
// (close the listeners and connections, cancel the timers); closing completes every pending
// operation, so run() returns once the last handler is done, and Stop joins: no handler runs, and
// no batch is in flight, after Stop returns.
// Threading: Start and Stop from the control thread; the closing function and every handler run
// on the I/O thread. The sockets bound to context() must outlive the thread (their owner calls
// Stop in its own destructor); destroying an IoThread that still runs stops the context without
// closing anything, as a last resort.
#pragma once

#include <functional>
#include <thread>

#include "common/asio.h"

namespace acequia::sidecar {

class IoThread {
 public:
  IoThread() = default;
  ~IoThread();
  IoThread(const IoThread&) = delete;
  IoThread& operator=(const IoThread&) = delete;

  boost::asio::io_context& context() { return io_; }

  // Runs the context on a new thread; does nothing while running().
  void Start();
  // Runs `close` on the I/O thread and waits until the context has run out of work. Does nothing
  // when it was never started or is already stopped.
  void Stop(std::function<void()> close);
  bool running() const { return thread_.joinable(); }

 private:
  boost::asio::io_context io_;
  std::thread thread_;
};

}  // namespace acequia::sidecar
