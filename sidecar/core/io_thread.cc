#include "sidecar/core/io_thread.h"

namespace acequia::sidecar {

IoThread::~IoThread() {
  if (!thread_.joinable()) return;
  io_.stop();
  thread_.join();
}

void IoThread::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { io_.run(); });
}

void IoThread::Stop(std::function<void()> close) {
  if (!thread_.joinable()) return;
  boost::asio::post(io_, std::move(close));
  thread_.join();
}

}  // namespace acequia::sidecar
