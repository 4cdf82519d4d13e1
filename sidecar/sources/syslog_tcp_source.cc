#include "sidecar/sources/syslog_tcp_source.h"

#include <chrono>
#include <cstring>

#include "common/logging.h"
#include "sidecar/core/registry.h"
#include "sidecar/sources/syslog_frame_decoder.h"
#include "sidecar/sources/tcp_listener.h"

namespace acequia::sidecar {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The peer's host name by reverse lookup, or its address when it has none.
std::string HostnameOf(const tcp::endpoint& peer, asio::io_context& io) {
  boost::system::error_code ec;
  tcp::resolver resolver(io);
  auto results = resolver.resolve(peer, ec);
  if (ec || results.empty()) return peer.address().to_string();
  return results.begin()->host_name();
}

}  // namespace

// One client connection: reads a buffer, cuts it into messages, parses them into events, commits
// them in batches, and only then reads again. Holds at most one buffer of uncommitted input.
class SyslogTcpSource::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(SyslogTcpSource& source, tcp::socket socket, uint16_t local_port)
      : source_(source),
        socket_(std::move(socket)),
        buffer_(std::max(size_t{64} * 1024,
                         source.settings_.event_size + SyslogFrameDecoder::kHeaderRoom + 1)),
        decoder_(source.settings_.event_size),
        parser_(SyslogParser::Options{source.settings_.keep_fields, false}),
        retry_(source.io_.context()) {
    source_.processor_.metrics().open_connections->Increment();
    const Settings& s = source_.settings_;
    boost::system::error_code ec;
    const tcp::endpoint peer = socket_.remote_endpoint(ec);
    if (!ec) peer_ = peer.address().to_string() + ":" + std::to_string(peer.port());
    if (!s.client_ip_header.empty() && !ec) {
      client_headers_.Set(s.client_ip_header, peer.address().to_string());
    }
    if (!s.client_hostname_header.empty() && !ec) {
      client_headers_.Set(s.client_hostname_header, HostnameOf(peer, source_.io_.context()));
    }
    if (!s.port_header.empty()) client_headers_.Set(s.port_header, std::to_string(local_port));
  }
  ~Connection() { source_.processor_.metrics().open_connections->Decrement(); }

  void Begin() { Read(); }
  void Close() {
    boost::system::error_code ignored;
    closing_ = true;
    retry_.cancel();
    socket_.close(ignored);
  }

 private:
  void Read() {
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(buffer_.data() + used_, buffer_.size() - used_),
                            [this, self](boost::system::error_code ec, size_t n) {
                              if (ec == asio::error::operation_aborted || closing_) {
                                Finish();
                                return;
                              }
                              if (ec) {
                                // End of stream (or a reset): what is left is the last message.
                                if (ec != asio::error::eof) {
                                  LogMessage(LogLevel::kDebug, Scope())
                                      << peer_ << ": " << ec.message();
                                }
                                ended_ = true;
                              }
                              used_ += n;
                              Cut();
                              Commit();
                            });
  }

  std::string Scope() const { return "source/" + source_.settings_.name; }

  // Turns every complete message in the buffer into an event in pending_.
  void Cut() {
    if (pending_.capacity() == 0) pending_.reserve(source_.settings_.batch_size);
    const int64_t now = NowMillis();
    size_t received = 0;
    auto emit = [&](const SyslogFrameDecoder::Frame& frame) {
      ++received;
      Event event;
      using Kind = SyslogFrameDecoder::Kind;
      if (frame.kind == Kind::kNextPart) {
        event.headers = part_headers_;
        event.body.assign(frame.data);
      } else {
        event.headers = client_headers_;
        parser_.Parse(frame.data, now, event);
        if (frame.kind != Kind::kWhole) {
          event.headers.Set(kSyslogStatusHeader, std::string(kSyslogIncomplete));
          if (frame.kind == Kind::kFirstPart) part_headers_ = event.headers;
          if (incomplete_logged_++ < 10) {
            LogMessage(LogLevel::kWarn, Scope())
                << "a message from " << peer_
                << (frame.kind == Kind::kFirstPart
                        ? " is longer than eventSize " +
                              std::to_string(source_.settings_.event_size) +
                              ": it is delivered in parts marked Incomplete"
                        : " was cut short by the end of the connection: delivered as "
                          "Incomplete");
          }
        }
      }
      pending_.push_back(std::move(event));
    };
    const std::string_view data(buffer_.data(), used_);
    const size_t consumed = decoder_.Decode(data, emit);
    if (ended_) {
      decoder_.Finish(data.substr(consumed), emit);
      used_ = 0;
    } else if (consumed > 0) {
      std::memmove(buffer_.data(), buffer_.data() + consumed, used_ - consumed);
      used_ -= consumed;
    }
    if (received > 0)
      source_.processor_.metrics().received->Increment(static_cast<double>(received));
  }

  // Commits pending_ in batches, then reads on. A full channel keeps the events pending and
  // tries again shortly, reading nothing meanwhile (back-pressure).
  void Commit() {
    const size_t limit = std::min(source_.settings_.batch_size, source_.processor_.MaxBatch());
    while (committed_ < pending_.size()) {
      const size_t n = std::min(limit, pending_.size() - committed_);
      std::vector<Event> batch;
      if (committed_ == 0 && n == pending_.size()) {
        batch = std::move(pending_);
        pending_.clear();
      } else {
        auto first = pending_.begin() + static_cast<std::ptrdiff_t>(committed_);
        batch.assign(std::make_move_iterator(first),
                     std::make_move_iterator(first + static_cast<std::ptrdiff_t>(n)));
      }
      Status s = source_.processor_.Process(batch);
      if (s.code() == Status::Code::kResourceExhausted) {
        // Put the (intercepted) batch back where it was and try again later.
        if (pending_.empty()) {
          pending_ = std::move(batch);
        } else {
          auto first = pending_.begin() + static_cast<std::ptrdiff_t>(committed_);
          pending_.erase(first, first + static_cast<std::ptrdiff_t>(n));
          pending_.insert(pending_.begin() + static_cast<std::ptrdiff_t>(committed_),
                          std::make_move_iterator(batch.begin()),
                          std::make_move_iterator(batch.end()));
        }
        RetryLater(s);
        return;
      }
      if (!s.ok()) {  // can never be committed (larger than the channel): counted, logged
        LogMessage(LogLevel::kError, Scope())
            << s.message() << "; " << n << " messages from " << peer_ << " were not delivered";
      }
      committed_ += n;
      if (pending_.empty()) committed_ = 0;
    }
    pending_.clear();
    committed_ = 0;
    if (full_logged_) {
      LogMessage(LogLevel::kInfo, Scope()) << "channels accept events again";
      full_logged_ = false;
    }
    if (ended_) {
      Finish();
    } else {
      Read();
    }
  }

  void RetryLater(const Status& why) {
    if (!full_logged_) {
      LogMessage(LogLevel::kWarn, Scope())
          << why.message() << "; holding " << pending_.size() - committed_ << " messages from "
          << peer_ << " and reading no more until it has room";
      full_logged_ = true;
    }
    retry_.expires_after(std::chrono::milliseconds(20));
    auto self = shared_from_this();
    retry_.async_wait([this, self](boost::system::error_code ec) {
      if (ec || closing_) {
        Finish();
        return;
      }
      Commit();
    });
  }

  void Finish() { source_.connections_.erase(shared_from_this()); }

  SyslogTcpSource& source_;
  tcp::socket socket_;
  std::vector<char> buffer_;
  size_t used_ = 0;
  bool ended_ = false;
  bool closing_ = false;
  SyslogFrameDecoder decoder_;
  SyslogParser parser_;
  Headers client_headers_;  // clientIPHeader, clientHostnameHeader, portHeader
  Headers part_headers_;    // headers of the message whose parts are arriving
  std::vector<Event> pending_;
  size_t committed_ = 0;  // events at the front of pending_ already handed to the channels
  bool full_logged_ = false;
  int incomplete_logged_ = 0;
  std::string peer_ = "client";
  asio::steady_timer retry_;
};

Result<SyslogTcpSource::Settings> SyslogTcpSource::SettingsOf(const api::SourceConfig& config) {
  const api::PropertyValues& p = config.properties;
  auto keep = SyslogKeepFields::Parse(p.GetString("keepFields"));
  if (!keep.ok()) {
    return Status::InvalidArgument(config.path + ".keepFields: " + keep.status().message());
  }
  Settings s;
  s.name = config.name;
  s.host = p.GetString("host");
  if (p.Has("port")) s.ports = {static_cast<uint16_t>(p.GetInt("port"))};
  s.event_size = static_cast<size_t>(p.GetInt("eventSize"));
  s.keep_fields = *keep;
  s.batch_size = static_cast<size_t>(p.GetInt("batchSize"));
  s.max_connections = static_cast<size_t>(p.GetInt("maxConnections"));
  s.client_ip_header = p.GetString("clientIPHeader");
  s.client_hostname_header = p.GetString("clientHostnameHeader");
  return s;
}

SyslogTcpSource::SyslogTcpSource(Settings settings, ChannelProcessor& processor)
    : settings_(std::move(settings)), processor_(processor) {}

SyslogTcpSource::~SyslogTcpSource() { Stop(); }

Status SyslogTcpSource::Start() {
  for (uint16_t port : settings_.ports) {
    auto acceptor = std::make_unique<tcp::acceptor>(io_.context());
    if (Status s = ListenTcp(*acceptor, settings_.host, port, "host"); !s.ok()) {
      acceptors_.clear();
      bound_ports_.clear();
      return s;
    }
    bound_ports_.push_back(acceptor->local_endpoint().port());
    acceptors_.push_back(std::move(acceptor));
  }
  for (size_t i = 0; i < acceptors_.size(); ++i) Accept(i);
  io_.Start();
  std::string ports;
  for (uint16_t p : bound_ports_) ports += (ports.empty() ? "" : ",") + std::to_string(p);
  LogMessage(LogLevel::kInfo, "source/" + settings_.name)
      << "syslog listening on TCP " << settings_.host << ":" << ports;
  return Status::Ok();
}

void SyslogTcpSource::Accept(size_t listener) {
  tcp::acceptor& acceptor = *acceptors_[listener];
  acceptor.async_accept([this, listener](boost::system::error_code ec, tcp::socket socket) {
    tcp::acceptor& acceptor = *acceptors_[listener];
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) {
      if (connections_.size() >= settings_.max_connections) {
        LogMessage(LogLevel::kWarn, "source/" + settings_.name)
            << "refused a connection: maxConnections " << settings_.max_connections << " reached";
        socket.close(ec);
      } else {
        auto connection =
            std::make_shared<Connection>(*this, std::move(socket), bound_ports_[listener]);
        connections_.insert(connection);
        connection->Begin();
      }
    }
    Accept(listener);
  });
}

void SyslogTcpSource::Stop() {
  io_.Stop([this] {
    boost::system::error_code ignored;
    for (auto& acceptor : acceptors_) acceptor->close(ignored);
    CloseConnections(connections_);
  });
}

ACEQUIA_REGISTER_SOURCE("syslogtcp",
                        [](const api::SourceConfig& config, const ComponentContext&,
                           ChannelProcessor& processor) -> Result<std::unique_ptr<Source>> {
                          auto settings = SyslogTcpSource::SettingsOf(config);
                          if (!settings.ok()) return settings.status();
                          return std::unique_ptr<Source>(std::make_unique<SyslogTcpSource>(
                              std::move(settings).value(), processor));
                        });

}  // namespace acequia::sidecar
