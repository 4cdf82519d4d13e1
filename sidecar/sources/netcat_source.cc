#include "sidecar/sources/netcat_source.h"

#include <cstring>

#include "common/logging.h"
#include "sidecar/core/registry.h"
#include "sidecar/sources/tcp_listener.h"

namespace acequia::sidecar {

namespace asio = boost::asio;
using asio::ip::tcp;

// One client connection. Reads into a buffer, cuts complete lines into events, commits them in
// batches, writes the acks, and only then reads again: a connection never holds more than one
// buffer of unacknowledged input.
class NetcatSource::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(NetcatSource& source, tcp::socket socket)
      : source_(source),
        socket_(std::move(socket)),
        buffer_(std::max<size_t>(size_t{64} * 1024, source.max_line_ + 2)),
        retry_(source.io_.context()) {
    source_.processor_.metrics().open_connections->Increment();
  }
  ~Connection() { source_.processor_.metrics().open_connections->Decrement(); }

  void Begin() { Read(); }
  void Close() {
    boost::system::error_code ignored;
    retry_.cancel();
    socket_.close(ignored);
  }

 private:
  void Read() {
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(buffer_.data() + used_, buffer_.size() - used_),
                            [this, self](boost::system::error_code ec, size_t n) {
                              if (ec == asio::error::eof && used_ > 0 && !discarding_) {
                                // The client closed after a last line without a newline.
                                buffer_[used_] = '\n';
                                n = 1;
                              } else if (ec) {
                                Finish(ec);
                                return;
                              }
                              used_ += n;
                              CutLines();
                              Commit();
                            });
  }

  // Moves every complete line out of the buffer into pending_ (or rejects it).
  void CutLines() {
    const SourceMetrics& metrics = source_.processor_.metrics();
    size_t start = 0;
    size_t received = 0;
    // One allocation per batch instead of regrowing the vector line by line.
    if (pending_.capacity() == 0) pending_.reserve(source_.batch_size_);
    while (start < used_) {
      const char* begin = buffer_.data() + start;
      const char* newline = static_cast<const char*>(std::memchr(begin, '\n', used_ - start));
      if (newline == nullptr) break;
      size_t length = static_cast<size_t>(newline - begin);
      const size_t consumed = length + 1;
      if (discarding_) {  // the tail of a line that was already too long
        discarding_ = false;
      } else {
        if (length > 0 && begin[length - 1] == '\r') --length;
        ++received;
        if (length > source_.max_line_) {
          Reject(length);
        } else {
          pending_.push_back(Event{{}, std::string(begin, length)});
          if (source_.ack_) replies_.push_back(Reply::kOk);
        }
      }
      start += consumed;
    }
    if (start > 0) {
      std::memmove(buffer_.data(), buffer_.data() + start, used_ - start);
      used_ -= start;
    }
    // A buffer full of one unfinished line: that line is too long; drop it through its newline.
    if (used_ == buffer_.size() || (used_ > source_.max_line_ + 1 && !discarding_)) {
      if (!discarding_) {
        ++received;
        discarding_ = true;
        Reject(used_);
      }
      used_ = 0;
    }
    if (received > 0) metrics.received->Increment(static_cast<double>(received));
  }

  void Reject(size_t length) {
    source_.processor_.metrics().rejected->Increment();
    replies_.push_back(Reply::kTooLong);
    if (rejections_logged_++ < 10) {
      LogMessage(LogLevel::kWarn, "source/" + source_.name_)
          << "rejected a line of " << (discarding_ ? "more than " : "") << length << " bytes from "
          << Peer() << ": longer than maxLineLength " << source_.max_line_;
    }
  }

  // Commits pending_ in batches; once all are in, acknowledges and reads on. A full channel
  // leaves the lines pending and retries shortly, reading nothing meanwhile (back-pressure).
  void Commit() {
    const size_t batch_limit = std::min(source_.batch_size_, source_.processor_.MaxBatch());
    while (!pending_.empty()) {
      std::vector<Event> batch;
      std::vector<Event> rest;
      if (pending_.size() <= batch_limit) {
        batch = std::move(pending_);
      } else {
        auto cut = pending_.begin() + static_cast<std::ptrdiff_t>(batch_limit);
        batch.assign(std::make_move_iterator(pending_.begin()), std::make_move_iterator(cut));
        rest.assign(std::make_move_iterator(cut), std::make_move_iterator(pending_.end()));
      }
      pending_.clear();
      const size_t lines = batch.size();
      Status s = source_.processor_.Process(batch);
      if (s.code() == Status::Code::kResourceExhausted) {
        batch.insert(batch.end(), std::make_move_iterator(rest.begin()),
                     std::make_move_iterator(rest.end()));
        pending_ = std::move(batch);
        RetryLater(s);
        return;
      }
      if (!s.ok()) {  // can never be committed (larger than the channel): tell the client
        LogMessage(LogLevel::kError, "source/" + source_.name_) << s.message();
        failure_ = s.message();
        // Only this batch's lines failed: the (ok_done_ + 1)th to (ok_done_ + lines)th OK reply.
        size_t ordinal = 0;
        for (auto& r : replies_) {
          if (r != Reply::kOk) continue;
          if (ordinal >= ok_done_ && ordinal < ok_done_ + lines) r = Reply::kFailed;
          ++ordinal;
        }
      }
      ok_done_ += lines;
      pending_ = std::move(rest);
    }
    full_logged_ = false;
    WriteReplies();
  }

  void RetryLater(const Status& why) {
    if (!full_logged_) {
      LogMessage(LogLevel::kWarn, "source/" + source_.name_)
          << why.message() << "; holding " << pending_.size() << " lines from " << Peer()
          << " until it has room";
      full_logged_ = true;
    }
    retry_.expires_after(std::chrono::milliseconds(20));
    auto self = shared_from_this();
    retry_.async_wait([this, self](boost::system::error_code ec) {
      if (ec || !socket_.is_open()) return;
      Commit();
    });
  }

  void WriteReplies() {
    ok_done_ = 0;
    if (!source_.ack_ || replies_.empty()) {
      replies_.clear();
      Read();
      return;
    }
    out_.clear();
    for (Reply r : replies_) {
      if (r == Reply::kOk) {
        out_ += "OK\n";
      } else if (r == Reply::kTooLong) {
        out_ +=
            "FAILED: line longer than maxLineLength " + std::to_string(source_.max_line_) + "\n";
      } else {
        out_ += "FAILED: " + failure_ + "\n";
      }
    }
    replies_.clear();
    auto self = shared_from_this();
    asio::async_write(socket_, asio::buffer(out_),
                      [this, self](boost::system::error_code ec, size_t) {
                        if (ec) {
                          Finish(ec);
                          return;
                        }
                        Read();
                      });
  }

  void Finish(const boost::system::error_code& ec) {
    if (ec != asio::error::eof && ec != asio::error::operation_aborted &&
        ec != asio::error::connection_reset) {
      LogMessage(LogLevel::kDebug, "source/" + source_.name_) << Peer() << ": " << ec.message();
    }
    source_.connections_.erase(shared_from_this());
  }

  std::string Peer() const {
    boost::system::error_code ec;
    auto ep = socket_.remote_endpoint(ec);
    return ec ? std::string("client") : ep.address().to_string() + ":" + std::to_string(ep.port());
  }

  enum class Reply : uint8_t { kOk, kTooLong, kFailed };

  NetcatSource& source_;
  tcp::socket socket_;
  std::vector<char> buffer_;
  size_t used_ = 0;
  bool discarding_ = false;
  std::vector<Event> pending_;
  std::string failure_;
  size_t ok_done_ = 0;  // lines of replies_ already handed to Process in this round
  bool full_logged_ = false;
  std::vector<Reply> replies_;
  std::string out_;
  asio::steady_timer retry_;
  int rejections_logged_ = 0;
};

NetcatSource::NetcatSource(const api::SourceConfig& config, const ComponentContext&,
                           ChannelProcessor& processor)
    : name_(config.name),
      bind_(config.properties.GetString("bind")),
      port_(static_cast<uint16_t>(config.properties.GetInt("port"))),
      max_line_(static_cast<size_t>(config.properties.GetInt("maxLineLength"))),
      ack_(config.properties.GetBool("ack")),
      batch_size_(static_cast<size_t>(config.properties.GetInt("batchSize"))),
      max_connections_(static_cast<size_t>(config.properties.GetInt("maxConnections"))),
      processor_(processor),
      acceptor_(io_.context()) {}

NetcatSource::~NetcatSource() { Stop(); }

Status NetcatSource::Start() {
  if (Status s = ListenTcp(acceptor_, bind_, static_cast<uint16_t>(port_)); !s.ok()) return s;
  bound_port_ = acceptor_.local_endpoint().port();
  Accept();
  io_.Start();
  LogMessage(LogLevel::kInfo, "source/" + name_)
      << "netcat listening on " << bind_ << ":" << bound_port_;
  return Status::Ok();
}

void NetcatSource::Accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      if (connections_.size() >= max_connections_) {
        LogMessage(LogLevel::kWarn, "source/" + name_)
            << "refused a connection: maxConnections " << max_connections_ << " reached";
        socket.close(ec);
      } else {
        socket.set_option(tcp::no_delay(true), ec);
        auto connection = std::make_shared<Connection>(*this, std::move(socket));
        connections_.insert(connection);
        connection->Begin();
      }
    }
    Accept();
  });
}

void NetcatSource::Stop() {
  io_.Stop([this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    CloseConnections(connections_);
  });
}

ACEQUIA_REGISTER_SOURCE("netcat",
                        [](const api::SourceConfig& config, const ComponentContext& context,
                           ChannelProcessor& processor) -> Result<std::unique_ptr<Source>> {
                          return std::unique_ptr<Source>(
                              std::make_unique<NetcatSource>(config, context, processor));
                        });

}  // namespace acequia::sidecar
