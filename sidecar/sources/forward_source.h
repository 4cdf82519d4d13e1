// The forward source: the receiving end of agent-to-agent forwarding (Flume's Avro source role,
// wire format in sidecar/sources/forward_codec.h and docs/forward-protocol.md). It listens on
// TCP, optionally TLS with optional client-certificate verification, answers every BATCH frame
// with an ACK only after the batch is committed to its channels (committed), or when a channel
// is full (retry later: the sender backs off and sends it again), or when the batch can never be
// committed (rejected, with the reason). Malformed frames are answered with ERROR and the
// connection is closed. Connections idle longer than idleTimeout are closed.
// Certificates and keys are read at start and again whenever one of the files changes (checked
// at every new connection), so a rotated certificate needs no restart.
// Threading: one I/O thread per source runs every connection and commits batches on it;
// Start/Stop from the control thread.
#pragma once

#include <chrono>
#include <memory>
#include <set>
#include <string>

#include "api/flow.h"
#include "common/asio.h"
#include "sidecar/core/channel_processor.h"
#include "sidecar/core/component_context.h"
#include "sidecar/core/io_thread.h"
#include "sidecar/core/source.h"
#include "sidecar/sources/forward_tls.h"

namespace acequia::sidecar {

class ForwardSourceConnection;

class ForwardSource final : public Source {
 public:
  // `tls` null: plain TCP.
  ForwardSource(const api::SourceConfig& config, ChannelProcessor& processor,
                std::unique_ptr<ForwardServerTls> tls);
  ~ForwardSource() override;

  Status Start() override;
  void Stop() override;

  // The port actually bound (useful with port 0 in tests).
  uint16_t port() const { return bound_port_; }

 private:
  template <typename Stream>
  friend class ForwardConnection;
  void Accept();

  const std::string name_;
  const std::string bind_;
  const uint16_t port_;
  const uint32_t max_frame_size_;
  const uint32_t max_batch_events_;
  const std::chrono::milliseconds idle_timeout_;
  const size_t max_connections_;
  ChannelProcessor& processor_;
  std::unique_ptr<ForwardServerTls> tls_;  // null when TLS is off
  IoThread io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::set<std::shared_ptr<ForwardSourceConnection>> connections_;  // only on the I/O thread
  uint16_t bound_port_ = 0;
};

}  // namespace acequia::sidecar
