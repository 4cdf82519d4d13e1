// The netcat source: a TCP listener that turns each line into an event (Flume's NetcatSource),
// committed in batches. With `ack`, each line is answered "OK" once committed, or
// "FAILED: <reason>" when it was rejected. Lines longer than maxLineLength are rejected whole,
// never truncated. A full channel stops reading from the sockets until it has room again, so TCP
// flow control pushes back on the clients.
// Threading: one I/O thread per source runs every connection; Start/Stop from the control thread.
#pragma once

#include <memory>
#include <mutex>
#include <set>

#include "api/flow.h"
#include "common/asio.h"
#include "sidecar/core/channel_processor.h"
#include "sidecar/core/component_context.h"
#include "sidecar/core/io_thread.h"
#include "sidecar/core/source.h"

namespace acequia::sidecar {

class NetcatSource final : public Source {
 public:
  NetcatSource(const api::SourceConfig& config, const ComponentContext& context,
               ChannelProcessor& processor);
  ~NetcatSource() override;

  Status Start() override;
  void Stop() override;

  // The port actually bound (useful with port 0 in tests).
  uint16_t port() const { return bound_port_; }

 private:
  class Connection;
  void Accept();

  const std::string name_;
  const std::string bind_;
  const uint16_t port_;
  const size_t max_line_;
  const bool ack_;
  const size_t batch_size_;
  const size_t max_connections_;
  ChannelProcessor& processor_;
  IoThread io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::set<std::shared_ptr<Connection>> connections_;  // touched only on the I/O thread
  uint16_t bound_port_ = 0;
};

}  // namespace acequia::sidecar
