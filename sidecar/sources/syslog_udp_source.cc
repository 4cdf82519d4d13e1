#include "sidecar/sources/syslog_udp_source.h"

#include "common/logging.h"
#include "sidecar/core/registry.h"

namespace acequia::sidecar {

namespace asio = boost::asio;
using asio::ip::udp;

namespace {

constexpr size_t kMaxHostnames = 4096;
constexpr auto kDropLogInterval = std::chrono::seconds(10);

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<std::unique_ptr<SyslogUdpSource>> SyslogUdpSource::Create(const api::SourceConfig& config,
                                                                 ChannelProcessor& processor) {
  auto keep = SyslogKeepFields::Parse(config.properties.GetString("keepFields"));
  if (!keep.ok()) {
    return Status::InvalidArgument(config.path + ".keepFields: " + keep.status().message());
  }
  return std::make_unique<SyslogUdpSource>(config, *keep, processor);
}

SyslogUdpSource::SyslogUdpSource(const api::SourceConfig& config, SyslogKeepFields keep,
                                 ChannelProcessor& processor)
    : name_(config.name),
      host_(config.properties.GetString("host")),
      port_(static_cast<uint16_t>(config.properties.GetInt("port"))),
      batch_size_(static_cast<size_t>(config.properties.GetInt("batchSize"))),
      client_ip_header_(config.properties.GetString("clientIPHeader")),
      client_hostname_header_(config.properties.GetString("clientHostnameHeader")),
      processor_(processor),
      parser_(SyslogParser::Options{keep, false}),
      socket_(io_.context()),
      buffer_(kMaxDatagram) {}

SyslogUdpSource::~SyslogUdpSource() { Stop(); }

Status SyslogUdpSource::Start() {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host_, ec);
  if (ec) return Status::InvalidArgument("host \"" + host_ + "\": " + ec.message());
  udp::endpoint endpoint(address, port_);
  socket_.open(endpoint.protocol(), ec);
  if (!ec) socket_.set_option(udp::socket::reuse_address(true), ec);
  if (!ec) socket_.bind(endpoint, ec);
  if (ec) {
    socket_.close();
    return Status::Unavailable("cannot listen on UDP " + host_ + ":" + std::to_string(port_) +
                               ": " + ec.message());
  }
  boost::system::error_code ignored;
  socket_.set_option(asio::socket_base::receive_buffer_size(4 << 20), ignored);
  bound_port_ = socket_.local_endpoint().port();
  Receive();
  io_.Start();
  LogMessage(LogLevel::kInfo, "source/" + name_)
      << "syslog listening on UDP " << host_ << ":" << bound_port_;
  return Status::Ok();
}

void SyslogUdpSource::Receive() {
  socket_.async_receive_from(
      asio::buffer(buffer_), sender_, [this](boost::system::error_code ec, size_t n) {
        if (ec == asio::error::operation_aborted || !socket_.is_open()) return;
        const int64_t now = NowMillis();
        if (!ec) Take(n, now);
        // Take what else is already queued, up to one batch, without waiting.
        socket_.non_blocking(true, ec);
        while (!ec && batch_.size() < batch_size_) {
          const size_t got = socket_.receive_from(asio::buffer(buffer_), sender_, 0, ec);
          if (!ec) Take(got, now);
        }
        socket_.non_blocking(false, ec);
        CommitBatch();
        Receive();
      });
}

void SyslogUdpSource::Take(size_t size, int64_t now_ms) {
  std::string_view message(buffer_.data(), size);
  if (!message.empty() && message.back() == '\n') message.remove_suffix(1);
  if (!message.empty() && message.back() == '\r') message.remove_suffix(1);
  Event event;
  if (!client_ip_header_.empty()) {
    event.headers.Set(client_ip_header_, sender_.address().to_string());
  }
  if (!client_hostname_header_.empty()) {
    event.headers.Set(client_hostname_header_, HostnameOf(sender_.address()));
  }
  parser_.Parse(message, now_ms, event);
  batch_.push_back(std::move(event));
}

void SyslogUdpSource::CommitBatch() {
  if (batch_.empty()) return;
  const size_t count = batch_.size();
  processor_.metrics().received->Increment(static_cast<double>(count));
  // A burst larger than the channels' transactionCapacity goes in several transactions.
  const size_t limit = std::max<size_t>(1, std::min(batch_size_, processor_.MaxBatch()));
  std::vector<Event> events = std::move(batch_);
  batch_.clear();
  for (size_t start = 0; start < events.size(); start += limit) {
    std::vector<Event> part;
    const size_t end = std::min(events.size(), start + limit);
    part.assign(std::make_move_iterator(events.begin() + static_cast<std::ptrdiff_t>(start)),
                std::make_move_iterator(events.begin() + static_cast<std::ptrdiff_t>(end)));
    const size_t n = part.size();
    Status s = processor_.Process(part);
    if (s.ok()) continue;
    // Counted as rejected by the processor; logged here at most once per interval.
    dropped_since_log_ += n;
    const auto now = std::chrono::steady_clock::now();
    if (!drop_logged_ || now - last_drop_log_ >= kDropLogInterval) {
      LogMessage(LogLevel::kWarn, "source/" + name_)
          << "dropped " << dropped_since_log_ << " UDP syslog message(s)"
          << (drop_logged_ ? " in the last 10s" : "") << ": " << s.message()
          << " (UDP cannot push back on senders)";
      dropped_since_log_ = 0;
      last_drop_log_ = now;
      drop_logged_ = true;
    }
  }
}

const std::string& SyslogUdpSource::HostnameOf(const asio::ip::address& address) {
  std::string ip = address.to_string();
  auto it = hostnames_.find(ip);
  if (it != hostnames_.end()) return it->second;
  if (hostnames_.size() >= kMaxHostnames) hostnames_.clear();
  boost::system::error_code ec;
  udp::resolver resolver(io_.context());
  auto results = resolver.resolve(udp::endpoint(address, 0), ec);
  std::string name = ec || results.empty() ? ip : results.begin()->host_name();
  return hostnames_.emplace(std::move(ip), std::move(name)).first->second;
}

void SyslogUdpSource::Stop() {
  io_.Stop([this] {
    boost::system::error_code ignored;
    socket_.close(ignored);
  });
}

ACEQUIA_REGISTER_SOURCE("syslogudp",
                        [](const api::SourceConfig& config, const ComponentContext&,
                           ChannelProcessor& processor) -> Result<std::unique_ptr<Source>> {
                          auto source = SyslogUdpSource::Create(config, processor);
                          if (!source.ok()) return source.status();
                          return std::unique_ptr<Source>(std::move(source).value());
                        });

}  // namespace acequia::sidecar
