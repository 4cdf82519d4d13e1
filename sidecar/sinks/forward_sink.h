// The forward sink: the sending end of agent-to-agent forwarding (Flume's Avro sink role, wire
// format in sidecar/sources/forward_codec.h and docs/forward-protocol.md). Deliver sends the
// runner's batch as one or more BATCH frames (cut to the limits the receiver announced in its
// HELLO) and returns Ok only once every frame is ACKed as committed, so the runner commits its
// channel take only after the next hop holds the events. A missing ACK after requestTimeout or
// a broken connection closes the connection and returns Unavailable (the runner rolls back,
// counts a connection failure and backs off; the next Deliver reconnects). "Retry later" from a
// receiver whose channel is full returns ResourceExhausted: rolled back and retried after the
// runner's backoff, never dropped. An idle connection is kept alive with PING every
// keepAliveInterval. TLS contexts are built at every (re)connect, so rotated certificates and a
// changed CA are picked up without a restart.
// Threading: every call comes from the sink's runner thread; the sink runs its own private
// io_context on that thread, one operation at a time, each bounded by a deadline.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

// clang-format off
#include "common/asio.h"
#include <boost/asio/ssl.hpp>
// clang-format on

#include "api/flow.h"
#include "sidecar/core/sink.h"
#include "sidecar/sources/forward_codec.h"

namespace acequia::sidecar {

class ForwardSink final : public Sink {
 public:
  explicit ForwardSink(const api::SinkConfig& config);
  ~ForwardSink() override;
  ForwardSink(const ForwardSink&) = delete;
  ForwardSink& operator=(const ForwardSink&) = delete;

  Status Start() override;
  Status Deliver(std::span<const Event> events) override;
  Status Tick() override;
  void Stop() override;
  size_t BatchSize() const override { return batch_size_; }

 private:
  using Clock = std::chrono::steady_clock;
  using TlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

  Status Connect();
  void Disconnect();
  bool connected() const { return plain_ != nullptr || tls_stream_ != nullptr; }
  boost::asio::ip::tcp::socket& Socket();
  // Sends the events as frames and waits for their ACKs on the open connection.
  Status Send(std::span<const Event> events);
  Status WriteFrame(const std::string& frame, Clock::time_point deadline);
  // `timeout_name` names the property that set `deadline`, for the error message.
  Result<forward::Frame> ReadFrame(Clock::time_point deadline, std::string_view timeout_name);
  // Runs the io_context until `done` or `deadline`; on timeout closes the connection.
  Status Await(const bool& done, Clock::time_point deadline, const std::string& what);
  std::string Endpoint() const;

  const std::string scope_;
  const std::string name_;
  const std::string hostname_;
  const uint16_t port_;
  const size_t batch_size_;
  const std::chrono::milliseconds connect_timeout_;
  const std::chrono::milliseconds request_timeout_;
  const std::chrono::milliseconds keep_alive_;
  const bool tls_enabled_;
  const std::string tls_ca_file_;
  const std::string tls_cert_file_;
  const std::string tls_key_file_;
  const std::string tls_server_name_;

  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::ssl::context> tls_context_;  // of the current connection
  std::unique_ptr<TlsStream> tls_stream_;                   // when TLS is on and connected
  std::unique_ptr<boost::asio::ip::tcp::socket> plain_;     // when TLS is off and connected
  forward::Hello server_;  // the receiver's HELLO on the current connection
  uint64_t next_batch_id_;
  Clock::time_point last_used_{};
};

}  // namespace acequia::sidecar
