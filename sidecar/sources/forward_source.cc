#include "sidecar/sources/forward_source.h"

#include <algorithm>
#include <array>

#include "common/logging.h"
#include "sidecar/core/registry.h"
#include "sidecar/sources/forward_codec.h"
#include "sidecar/sources/forward_tls.h"
#include "sidecar/sources/tcp_listener.h"

namespace acequia::sidecar {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;

namespace {
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
}  // namespace

// What the source needs to close any connection, whatever its stream type.
class ForwardSourceConnection {
 public:
  virtual ~ForwardSourceConnection() = default;
  virtual void Begin() = 0;
  virtual void Close() = 0;
};

// One sender. Reads a frame, handles it, writes the answer, and only then reads the next one:
// a connection holds at most one frame of uncommitted input, so a slow channel slows the sender
// through its own ACK wait.
template <typename Stream>
class ForwardConnection final : public ForwardSourceConnection,
                                public std::enable_shared_from_this<ForwardConnection<Stream>> {
 public:
  // `context` is the TLS context `stream` uses (null for plain TCP): kept alive with it.
  ForwardConnection(ForwardSource& source, std::shared_ptr<ssl::context> context, Stream stream,
                    std::string peer)
      : source_(source),
        context_(std::move(context)),
        stream_(std::move(stream)),
        peer_(std::move(peer)),
        timer_(source.io_.context()),
        scope_("source/" + source.name_) {
    source_.processor_.metrics().open_connections->Increment();
  }
  ~ForwardConnection() override { source_.processor_.metrics().open_connections->Decrement(); }

  void Begin() override {
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      ReadHeader();
    } else {
      auto self = this->shared_from_this();
      Arm(kHandshakeTimeout);
      stream_.async_handshake(ssl::stream_base::server, [this, self](boost::system::error_code ec) {
        timer_.cancel();
        if (ec) {
          LogMessage(LogLevel::kWarn, scope_)
              << "TLS handshake with " << peer_ << " failed: " << ec.message()
              << (source_.tls_->verifies_clients() &&
                          ec.message().find("certificate") != std::string::npos
                      ? " (tls.clientCaFile is set: the client must present a certificate "
                        "signed by that CA)"
                      : "");
          Finish();
          return;
        }
        ReadHeader();
      });
    }
  }

  void Close() override {
    boost::system::error_code ignored;
    timer_.cancel();
    stream_.lowest_layer().close(ignored);
  }

 private:
  // Closes the connection when nothing happens for `timeout`.
  void Arm(std::chrono::milliseconds timeout) {
    timer_.expires_after(timeout);
    auto self = this->shared_from_this();
    timer_.async_wait([this, self](boost::system::error_code ec) {
      if (ec) return;
      LogMessage(LogLevel::kDebug, scope_) << peer_ << ": idle, closing";
      Close();
    });
  }

  void ReadHeader() {
    Arm(source_.idle_timeout_);
    auto self = this->shared_from_this();
    asio::async_read(
        stream_, asio::buffer(header_), [this, self](boost::system::error_code ec, size_t) {
          if (ec) {
            Ended(ec);
            return;
          }
          auto header = forward::DecodeFrameHeader(std::string_view(header_.data(), header_.size()),
                                                   source_.max_frame_size_);
          if (!header.ok()) {
            ProtocolError(header.status().message());
            return;
          }
          frame_ = *header;
          payload_.resize(frame_.length);
          ReadPayload();
        });
  }

  void ReadPayload() {
    auto self = this->shared_from_this();
    asio::async_read(stream_, asio::buffer(payload_),
                     [this, self](boost::system::error_code ec, size_t) {
                       timer_.cancel();
                       if (ec) {
                         Ended(ec);
                         return;
                       }
                       if (Status s = forward::CheckPayload(frame_, payload_); !s.ok()) {
                         ProtocolError(s.message());
                         return;
                       }
                       Handle();
                     });
  }

  void Handle() {
    using forward::FrameType;
    if (!greeted_ && frame_.type != FrameType::kHello) {
      ProtocolError("expected HELLO as the first frame, got " +
                    std::string(forward::FrameTypeName(frame_.type)));
      return;
    }
    switch (frame_.type) {
      case FrameType::kHello: {
        auto hello = forward::DecodeHello(payload_);
        if (!hello.ok()) {
          ProtocolError(hello.status().message());
          return;
        }
        greeted_ = true;
        forward::Hello answer;
        answer.version = std::min(hello->version, forward::kProtocolVersion);
        answer.max_frame_size = source_.max_frame_size_;
        answer.max_batch_events = MaxBatchEvents();
        answer.agent = source_.name_;
        LogMessage(LogLevel::kDebug, scope_)
            << peer_ << ": HELLO from " << hello->agent << ", protocol " << answer.version;
        Write(forward::EncodeFrame(FrameType::kHello, forward::EncodeHello(answer)));
        return;
      }
      case FrameType::kBatch:
        HandleBatch();
        return;
      case FrameType::kPing:
        Write(forward::EncodeFrame(FrameType::kPong, ""));
        return;
      case FrameType::kError: {
        auto reason = forward::DecodeError(payload_);
        LogMessage(LogLevel::kWarn, scope_)
            << peer_ << " reported an error: " << (reason.ok() ? *reason : "(unreadable)");
        Finish();
        return;
      }
      case FrameType::kAck:
      case FrameType::kPong:
        ProtocolError("unexpected " + std::string(forward::FrameTypeName(frame_.type)) +
                      " frame from a sender");
        return;
    }
  }

  uint32_t MaxBatchEvents() const {
    return static_cast<uint32_t>(std::min<size_t>(
        source_.max_batch_events_, std::max<size_t>(1, source_.processor_.MaxBatch())));
  }

  void HandleBatch() {
    auto batch = forward::DecodeBatch(payload_);
    if (!batch.ok()) {
      ProtocolError(batch.status().message());
      return;
    }
    const SourceMetrics& metrics = source_.processor_.metrics();
    const size_t count = batch->events.size();
    metrics.received->Increment(static_cast<double>(count));
    forward::Ack ack;
    ack.batch_id = batch->id;
    if (count > MaxBatchEvents()) {
      metrics.rejected->Increment(static_cast<double>(count));
      ack.result = forward::AckResult::kRejected;
      ack.reason = "batch of " + std::to_string(count) + " events exceeds the " +
                   std::to_string(MaxBatchEvents()) + " announced in HELLO";
    } else if (count > 0) {
      Status s = source_.processor_.Process(batch->events);
      if (s.code() == Status::Code::kResourceExhausted) {
        ack.result = forward::AckResult::kRetryLater;
        ack.reason = s.message();
        if (!full_logged_) {
          LogMessage(LogLevel::kWarn, scope_)
              << s.message() << "; asking " << peer_ << " to retry later";
          full_logged_ = true;
        }
      } else if (!s.ok()) {
        ack.result = forward::AckResult::kRejected;
        ack.reason = s.message();
        LogMessage(LogLevel::kError, scope_)
            << "rejected a batch of " << count << " events from " << peer_ << ": " << s.message();
      } else {
        full_logged_ = false;
      }
    }
    Write(forward::EncodeFrame(forward::FrameType::kAck, forward::EncodeAck(ack)));
  }

  void Write(std::string frame) {
    out_ = std::move(frame);
    auto self = this->shared_from_this();
    asio::async_write(stream_, asio::buffer(out_),
                      [this, self](boost::system::error_code ec, size_t) {
                        if (ec) {
                          Ended(ec);
                          return;
                        }
                        ReadHeader();
                      });
  }

  // A frame that breaks the protocol: tell the sender why, then close (frame boundaries can no
  // longer be trusted).
  void ProtocolError(const std::string& reason) {
    LogMessage(LogLevel::kWarn, scope_)
        << "closing the connection from " << peer_ << ": " << reason;
    out_ = forward::EncodeFrame(forward::FrameType::kError, forward::EncodeError(reason));
    auto self = this->shared_from_this();
    Arm(kHandshakeTimeout);
    asio::async_write(stream_, asio::buffer(out_),
                      [this, self](boost::system::error_code ec, size_t) {
                        if (ec) {
                          Finish();
                          return;
                        }
                        // Half-close and read what the sender still sends until it closes (or
                        // the timer fires): closing with unread input would reset the connection
                        // and could destroy the ERROR frame before the sender reads it.
                        boost::system::error_code ignored;
                        stream_.lowest_layer().shutdown(tcp::socket::shutdown_send, ignored);
                        Discard();
                      });
  }

  void Discard() {
    auto self = this->shared_from_this();
    payload_.resize(size_t{64} * 1024);
    Raw().async_read_some(asio::buffer(payload_),
                          [this, self](boost::system::error_code ec, size_t) {
                            if (ec) {
                              Finish();
                              return;
                            }
                            Discard();
                          });
  }

  // The TCP socket under the stream.
  tcp::socket& Raw() {
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      return stream_;
    } else {
      return stream_.next_layer();
    }
  }

  void Ended(const boost::system::error_code& ec) {
    if (ec != asio::error::eof && ec != asio::error::operation_aborted &&
        ec != asio::error::connection_reset && ec != ssl::error::stream_truncated) {
      LogMessage(LogLevel::kDebug, scope_) << peer_ << ": " << ec.message();
    }
    Finish();
  }

  void Finish() {
    Close();
    source_.connections_.erase(this->shared_from_this());
  }

  ForwardSource& source_;
  std::shared_ptr<ssl::context> context_;  // declared before stream_, which uses it
  Stream stream_;
  const std::string peer_;
  asio::steady_timer timer_;
  const std::string scope_;
  std::array<char, forward::kFrameHeaderSize> header_{};
  forward::FrameHeader frame_;
  std::string payload_;
  std::string out_;
  bool greeted_ = false;
  bool full_logged_ = false;
};

ForwardSource::ForwardSource(const api::SourceConfig& config, ChannelProcessor& processor,
                             std::unique_ptr<ForwardServerTls> tls)
    : name_(config.name),
      bind_(config.properties.GetString("bind")),
      port_(static_cast<uint16_t>(config.properties.GetInt("port"))),
      max_frame_size_(static_cast<uint32_t>(config.properties.GetSize("maxFrameSize"))),
      max_batch_events_(static_cast<uint32_t>(config.properties.GetInt("maxBatchSize"))),
      idle_timeout_(config.properties.GetDuration("idleTimeout")),
      max_connections_(static_cast<size_t>(config.properties.GetInt("maxConnections"))),
      processor_(processor),
      tls_(std::move(tls)),
      acceptor_(io_.context()) {}

ForwardSource::~ForwardSource() { Stop(); }

Status ForwardSource::Start() {
  if (Status s = ListenTcp(acceptor_, bind_, static_cast<uint16_t>(port_)); !s.ok()) return s;
  bound_port_ = acceptor_.local_endpoint().port();
  Accept();
  io_.Start();
  LogMessage(LogLevel::kInfo, "source/" + name_)
      << "forward listening on " << bind_ << ":" << bound_port_
      << (tls_ == nullptr            ? " (plain TCP)"
          : tls_->verifies_clients() ? " (TLS, client certificates required)"
                                     : " (TLS)");
  return Status::Ok();
}

void ForwardSource::Accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      auto remote = socket.remote_endpoint(ec);
      std::string peer = ec ? std::string("a sender")
                            : remote.address().to_string() + ":" + std::to_string(remote.port());
      if (connections_.size() >= max_connections_) {
        LogMessage(LogLevel::kWarn, "source/" + name_)
            << "refused " << peer << ": maxConnections " << max_connections_ << " reached";
        socket.close(ec);
      } else {
        socket.set_option(tcp::no_delay(true), ec);
        std::shared_ptr<ForwardSourceConnection> connection;
        if (tls_ == nullptr) {
          connection = std::make_shared<ForwardConnection<tcp::socket>>(
              *this, nullptr, std::move(socket), std::move(peer));
        } else {
          // The stream keeps its context alive: a reload swaps contexts for new connections.
          auto context = tls_->Current();
          ssl::stream<tcp::socket> stream(std::move(socket), *context);
          connection = std::make_shared<ForwardConnection<ssl::stream<tcp::socket>>>(
              *this, std::move(context), std::move(stream), std::move(peer));
        }
        connections_.insert(connection);
        connection->Begin();
      }
    }
    Accept();
  });
}

void ForwardSource::Stop() {
  io_.Stop([this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    CloseConnections(connections_);
  });
}

ACEQUIA_REGISTER_SOURCE("forward",
                        [](const api::SourceConfig& config, const ComponentContext&,
                           ChannelProcessor& processor) -> Result<std::unique_ptr<Source>> {
                          std::unique_ptr<ForwardServerTls> server_tls;
                          if (config.properties.GetBool("tls.enabled")) {
                            auto tls = ForwardServerTls::Create(
                                "source/" + config.name,
                                config.properties.GetString("tls.certFile"),
                                config.properties.GetString("tls.keyFile"),
                                config.properties.GetString("tls.clientCaFile"));
                            if (!tls.ok()) return tls.status().Annotate("source " + config.name);
                            server_tls = std::move(tls).value();
                          }
                          return std::unique_ptr<Source>(std::make_unique<ForwardSource>(
                              config, processor, std::move(server_tls)));
                        });

}  // namespace acequia::sidecar
