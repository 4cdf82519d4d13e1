#include "sidecar/sinks/forward_sink.h"

#include <openssl/ssl.h>

#include <array>
#include <functional>
#include <random>

#include "common/logging.h"
#include "sidecar/core/registry.h"
#include "sidecar/sources/forward_tls.h"

namespace acequia::sidecar {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;

namespace {

// The receiver only ever sends HELLO, ACK, PONG and ERROR frames: small ones.
constexpr uint32_t kMaxReplyPayload = 1u << 20;

// Runs `io` until `done` is set or `deadline` passes. On timeout calls `cancel` (which must make
// the pending operation complete, with an error) and runs the io_context dry. Returns whether
// the operation finished in time.
bool RunUntil(asio::io_context& io, const bool& done,
              std::chrono::steady_clock::time_point deadline, const std::function<void()>& cancel) {
  io.restart();
  while (!done && std::chrono::steady_clock::now() < deadline) io.run_one_until(deadline);
  if (done) return true;
  cancel();
  io.restart();
  io.run();
  return false;
}

}  // namespace

ForwardSink::ForwardSink(const api::SinkConfig& config)
    : scope_("sink/" + config.name),
      name_(config.name),
      hostname_(config.properties.GetString("hostname")),
      port_(static_cast<uint16_t>(config.properties.GetInt("port"))),
      batch_size_(static_cast<size_t>(config.properties.GetInt("batchSize"))),
      connect_timeout_(config.properties.GetDuration("connectTimeout")),
      request_timeout_(config.properties.GetDuration("requestTimeout")),
      keep_alive_(config.properties.GetDuration("keepAliveInterval")),
      tls_enabled_(config.properties.GetBool("tls.enabled")),
      tls_ca_file_(config.properties.GetString("tls.caFile")),
      tls_cert_file_(config.properties.GetString("tls.certFile")),
      tls_key_file_(config.properties.GetString("tls.keyFile")),
      tls_server_name_(config.properties.GetString("tls.serverName").empty()
                           ? config.properties.GetString("hostname")
                           : config.properties.GetString("tls.serverName")),
      next_batch_id_(std::random_device{}()) {
  next_batch_id_ <<= 32;
}

ForwardSink::~ForwardSink() { Disconnect(); }

Status ForwardSink::Start() {
  if (tls_enabled_) {
    // Fail at start-up on unreadable files rather than at every reconnect.
    auto context = MakeForwardClientTls(tls_ca_file_, tls_cert_file_, tls_key_file_);
    if (!context.ok()) return context.status();
  }
  return Status::Ok();
}

std::string ForwardSink::Endpoint() const { return hostname_ + ":" + std::to_string(port_); }

tcp::socket& ForwardSink::Socket() {
  return tls_stream_ != nullptr ? tls_stream_->next_layer() : *plain_;
}

void ForwardSink::Disconnect() {
  boost::system::error_code ignored;
  if (tls_stream_ != nullptr) tls_stream_->next_layer().close(ignored);
  if (plain_ != nullptr) plain_->close(ignored);
  // Let the aborted handlers run before their objects go.
  io_.restart();
  io_.run();
  tls_stream_.reset();
  plain_.reset();
  tls_context_.reset();
}

Status ForwardSink::Connect() {
  const auto deadline = Clock::now() + connect_timeout_;
  auto failed = [&](const std::string& why) {
    Disconnect();
    return Status::Unavailable("cannot connect to " + Endpoint() + ": " + why);
  };

  tcp::resolver resolver(io_);
  bool done = false;
  boost::system::error_code ec;
  tcp::resolver::results_type addresses;
  resolver.async_resolve(hostname_, std::to_string(port_),
                         [&](boost::system::error_code e, tcp::resolver::results_type r) {
                           ec = e;
                           addresses = std::move(r);
                           done = true;
                         });
  if (!RunUntil(io_, done, deadline, [&] { resolver.cancel(); })) {
    return failed("resolving timed out after connectTimeout");
  }
  if (ec) return failed(ec.message());

  auto socket = std::make_unique<tcp::socket>(io_);
  done = false;
  asio::async_connect(*socket, addresses, [&](boost::system::error_code e, const tcp::endpoint&) {
    ec = e;
    done = true;
  });
  if (!RunUntil(io_, done, deadline, [&] { socket->close(ec); })) {
    return failed("timed out after connectTimeout");
  }
  if (ec) return failed(ec.message());
  socket->set_option(tcp::no_delay(true), ec);

  if (!tls_enabled_) {
    plain_ = std::move(socket);
  } else {
    auto context = MakeForwardClientTls(tls_ca_file_, tls_cert_file_, tls_key_file_);
    if (!context.ok()) return failed(context.status().message());
    tls_context_ = std::move(context).value();
    tls_stream_ = std::make_unique<TlsStream>(std::move(*socket), *tls_context_);
    boost::system::error_code not_ip;
    asio::ip::make_address(tls_server_name_, not_ip);
    if (not_ip) SSL_set_tlsext_host_name(tls_stream_->native_handle(), tls_server_name_.c_str());
    tls_stream_->set_verify_callback(ssl::host_name_verification(tls_server_name_));
    done = false;
    tls_stream_->async_handshake(ssl::stream_base::client, [&](boost::system::error_code e) {
      ec = e;
      done = true;
    });
    if (!RunUntil(io_, done, deadline, [&] { tls_stream_->next_layer().close(ec); })) {
      return failed("TLS handshake timed out after connectTimeout");
    }
    if (ec) return failed("TLS handshake failed: " + ec.message());
  }

  forward::Hello hello;
  hello.max_frame_size = forward::kMaxFrameLimit;
  hello.max_batch_events = static_cast<uint32_t>(batch_size_);
  hello.agent = name_;
  if (Status s = WriteFrame(
          forward::EncodeFrame(forward::FrameType::kHello, forward::EncodeHello(hello)), deadline);
      !s.ok()) {
    return failed(s.message());
  }
  auto answer = ReadFrame(deadline, "connectTimeout");
  if (!answer.ok()) return failed(answer.status().message());
  if (answer->type == forward::FrameType::kError) return failed("refused: " + answer->error);
  if (answer->type != forward::FrameType::kHello) {
    return failed("expected HELLO, got " + std::string(forward::FrameTypeName(answer->type)));
  }
  server_ = answer->hello;
  if (server_.max_frame_size < forward::kBatchPrefixSize + forward::kMinEncodedEventSize ||
      server_.max_batch_events == 0) {
    return failed("the receiver announced unusable limits");
  }
  last_used_ = Clock::now();
  LogMessage(LogLevel::kInfo, scope_)
      << "connected to " << Endpoint() << (tls_enabled_ ? " (TLS)" : "") << ", receiver \""
      << server_.agent << "\" takes up to " << server_.max_batch_events << " events per batch";
  return Status::Ok();
}

Status ForwardSink::WriteFrame(const std::string& frame, Clock::time_point deadline) {
  bool done = false;
  boost::system::error_code ec;
  auto handler = [&](boost::system::error_code e, size_t) {
    ec = e;
    done = true;
  };
  if (tls_stream_ != nullptr) {
    asio::async_write(*tls_stream_, asio::buffer(frame), handler);
  } else {
    asio::async_write(*plain_, asio::buffer(frame), handler);
  }
  if (!RunUntil(io_, done, deadline, [&] { Socket().close(ec); })) {
    return Status::DeadlineExceeded("sending to " + Endpoint() + " timed out");
  }
  if (ec) return Status::Unavailable("sending to " + Endpoint() + ": " + ec.message());
  return Status::Ok();
}

Result<forward::Frame> ForwardSink::ReadFrame(Clock::time_point deadline,
                                              std::string_view timeout_name) {
  std::string bytes(forward::kFrameHeaderSize, '\0');
  bool done = false;
  boost::system::error_code ec;
  auto handler = [&](boost::system::error_code e, size_t) {
    ec = e;
    done = true;
  };
  auto read = [&](char* data, size_t n) -> Status {
    done = false;
    if (tls_stream_ != nullptr) {
      asio::async_read(*tls_stream_, asio::buffer(data, n), handler);
    } else {
      asio::async_read(*plain_, asio::buffer(data, n), handler);
    }
    if (!RunUntil(io_, done, deadline, [&] { Socket().close(ec); })) {
      return Status::DeadlineExceeded("no answer from " + Endpoint() + " within " +
                                      std::string(timeout_name));
    }
    if (ec == asio::error::eof || ec == ssl::error::stream_truncated) {
      return Status::Unavailable(Endpoint() + " closed the connection");
    }
    if (ec) return Status::Unavailable("reading from " + Endpoint() + ": " + ec.message());
    return Status::Ok();
  };
  if (Status s = read(bytes.data(), bytes.size()); !s.ok()) return s;
  auto header = forward::DecodeFrameHeader(bytes, kMaxReplyPayload);
  if (!header.ok()) return Status::Unavailable(header.status().message());
  bytes.resize(forward::kFrameHeaderSize + header->length);
  if (header->length > 0) {
    if (Status s = read(bytes.data() + forward::kFrameHeaderSize, header->length); !s.ok()) {
      return s;
    }
  }
  size_t consumed = 0;
  auto frame = forward::DecodeFrame(bytes, kMaxReplyPayload, &consumed);
  if (!frame.ok()) return Status::Unavailable(frame.status().message());
  return frame;
}

Status ForwardSink::Send(std::span<const Event> events) {
  size_t next = 0;
  while (next < events.size()) {
    // Cut the next frame to the receiver's limits.
    size_t bytes = forward::kBatchPrefixSize;
    size_t end = next;
    while (end < events.size() && end - next < server_.max_batch_events) {
      const size_t size = forward::EncodedEventSize(events[end]);
      if (bytes + size > server_.max_frame_size) break;
      bytes += size;
      ++end;
    }
    if (end == next) {
      return Status::InvalidArgument("an event of " +
                                     std::to_string(forward::EncodedEventSize(events[next])) +
                                     " bytes does not fit the receiver's maxFrameSize of " +
                                     std::to_string(server_.max_frame_size) + " bytes");
    }
    const uint64_t id = next_batch_id_++;
    const auto deadline = Clock::now() + request_timeout_;
    if (Status s = WriteFrame(
            forward::EncodeFrame(forward::FrameType::kBatch,
                                 forward::EncodeBatch(id, events.subspan(next, end - next))),
            deadline);
        !s.ok()) {
      Disconnect();
      return s;
    }
    auto answer = ReadFrame(deadline, "requestTimeout");
    if (!answer.ok()) {
      Disconnect();
      return answer.status();
    }
    last_used_ = Clock::now();
    if (answer->type == forward::FrameType::kError) {
      Disconnect();
      return Status::Unavailable(Endpoint() + " closed the connection: " + answer->error);
    }
    if (answer->type != forward::FrameType::kAck || answer->ack.batch_id != id) {
      Disconnect();
      return Status::Unavailable("unexpected answer from " + Endpoint() + " to batch " +
                                 std::to_string(id));
    }
    switch (answer->ack.result) {
      case forward::AckResult::kCommitted:
        next = end;
        break;
      case forward::AckResult::kRetryLater:
        return Status::ResourceExhausted(Endpoint() +
                                         " asks to retry later: " + answer->ack.reason);
      case forward::AckResult::kRejected:
        return Status::InvalidArgument(Endpoint() + " rejected the batch: " + answer->ack.reason);
    }
  }
  return Status::Ok();
}

Status ForwardSink::Deliver(std::span<const Event> events) {
  const bool reused = connected();
  if (!reused) {
    if (Status s = Connect(); !s.ok()) return s;
  }
  Status s = Send(events);
  // A connection that sat idle may have been closed by the receiver (idleTimeout, restart):
  // one immediate retry on a fresh connection before reporting a failure.
  if (reused && s.code() == Status::Code::kUnavailable) {
    LogMessage(LogLevel::kDebug, scope_) << s.message() << "; reconnecting";
    if (Status c = Connect(); !c.ok()) return c;
    s = Send(events);
  }
  if (s.code() == Status::Code::kDeadlineExceeded) {
    return Status::Unavailable(s.message());  // counted as a connection failure
  }
  return s;
}

Status ForwardSink::Tick() {
  if (!connected() || keep_alive_.count() == 0 || Clock::now() - last_used_ < keep_alive_) {
    return Status::Ok();
  }
  const auto deadline = Clock::now() + request_timeout_;
  Status s = WriteFrame(forward::EncodeFrame(forward::FrameType::kPing, ""), deadline);
  if (s.ok()) {
    auto answer = ReadFrame(deadline, "requestTimeout");
    if (!answer.ok()) {
      s = answer.status();
    } else if (answer->type != forward::FrameType::kPong) {
      s = Status::Unavailable("expected PONG from " + Endpoint() + ", got " +
                              std::string(forward::FrameTypeName(answer->type)));
    }
  }
  if (!s.ok()) {
    Disconnect();
    LogMessage(LogLevel::kDebug, scope_) << "keep-alive failed, closed: " << s.message();
    return Status::Ok();
  }
  last_used_ = Clock::now();
  return Status::Ok();
}

void ForwardSink::Stop() { Disconnect(); }

ACEQUIA_REGISTER_SINK("forward",
                      [](const api::SinkConfig& config,
                         const ComponentContext&) -> Result<std::unique_ptr<Sink>> {
                        return std::unique_ptr<Sink>(std::make_unique<ForwardSink>(config));
                      });

}  // namespace acequia::sidecar
