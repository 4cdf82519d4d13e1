// The syslogudp source (Flume's SyslogUDPSource): one datagram is one syslog message (a trailing
// LF, and a CR before it, dropped), parsed into one event by SyslogParser; malformed messages are
// kept with flume.syslog.status = Invalid. Datagrams are read in bursts: after one arrives, those
// already queued in the kernel are taken too, up to batchSize, and committed in one transaction.
//
// UDP cannot push back. While a channel is full, Process waits up to the channel's keepAlive
// (datagrams queue in the kernel's socket buffer meanwhile, enlarged to 4 MiB where the kernel
// allows); a batch that still finds no room is dropped, counted in
// acequia_source_events_rejected_total, and logged at most once per 10 seconds with the number
// dropped since the last line. Datagrams the kernel itself drops (socket buffer overflow) are only
// visible in its counters (`netstat -su`, "receive buffer errors").
// Threading: one I/O thread per source; Start/Stop from the control thread. The ChannelProcessor
// outlives the source.
#pragma once

#include <chrono>
#include <string>
#include <unordered_map>
#include <vector>

#include "api/flow.h"
#include "common/asio.h"
#include "sidecar/core/channel_processor.h"
#include "sidecar/core/component_context.h"
#include "sidecar/core/io_thread.h"
#include "sidecar/core/source.h"
#include "sidecar/sources/syslog_parser.h"

namespace acequia::sidecar {

class SyslogUdpSource final : public Source {
 public:
  // InvalidArgument (via Create) for a bad keepFields.
  static Result<std::unique_ptr<SyslogUdpSource>> Create(const api::SourceConfig& config,
                                                         ChannelProcessor& processor);
  SyslogUdpSource(const api::SourceConfig& config, SyslogKeepFields keep,
                  ChannelProcessor& processor);
  ~SyslogUdpSource() override;

  Status Start() override;
  void Stop() override;

  uint16_t port() const { return bound_port_; }

 private:
  static constexpr size_t kMaxDatagram = 65536;

  void Receive();
  // Parses the datagram in buffer_[0, size) into an event appended to batch_.
  void Take(size_t size, int64_t now_ms);
  void CommitBatch();
  const std::string& HostnameOf(const boost::asio::ip::address& address);

  const std::string name_;
  const std::string host_;
  const uint16_t port_;
  const size_t batch_size_;
  const std::string client_ip_header_;
  const std::string client_hostname_header_;
  ChannelProcessor& processor_;
  SyslogParser parser_;
  IoThread io_;
  boost::asio::ip::udp::socket socket_;
  boost::asio::ip::udp::endpoint sender_;
  std::vector<char> buffer_;
  std::vector<Event> batch_;
  std::unordered_map<std::string, std::string> hostnames_;  // reverse lookups, bounded
  uint64_t dropped_since_log_ = 0;
  std::chrono::steady_clock::time_point last_drop_log_{};
  bool drop_logged_ = false;
  uint16_t bound_port_ = 0;
};

}  // namespace acequia::sidecar
