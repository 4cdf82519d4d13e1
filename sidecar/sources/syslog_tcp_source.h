// The syslogtcp source (Flume's SyslogTcpSource), and the engine of multiport_syslogtcp: TCP
// listeners on one or more ports whose connections carry syslog messages, octet-counted or
// newline-terminated (chosen per message, SyslogFrameDecoder), each turned into one event
// (SyslogParser). Malformed messages are kept (flume.syslog.status = Invalid, raw body); a
// message longer than eventSize arrives as several events of at most eventSize bytes, each
// marked Incomplete, the first with the parsed headers and every following part with the same
// headers and the next raw bytes as body, so nothing is lost and parts can be joined.
//
// Flow control: a connection reads one buffer, commits its messages in batches of batchSize
// (one transaction each), and reads again only after every one is in the channels. A full
// channel stops the reading (the batch is offered again every 20 ms), so TCP pushes back on the
// sender; syslog over TCP has no acknowledgements, so nothing is written back.
// Metrics: received counts messages (parts included), open_connections the connections.
// Threading: one I/O thread per source serves every listener and connection; Start/Stop from the
// control thread. The ChannelProcessor outlives the source.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "api/flow.h"
#include "common/asio.h"
#include "sidecar/core/channel_processor.h"
#include "sidecar/core/component_context.h"
#include "sidecar/core/io_thread.h"
#include "sidecar/core/source.h"
#include "sidecar/sources/syslog_parser.h"

namespace acequia::sidecar {

class SyslogTcpSource final : public Source {
 public:
  struct Settings {
    std::string name;
    std::string host = "0.0.0.0";
    std::vector<uint16_t> ports;
    size_t event_size = 2500;
    SyslogKeepFields keep_fields;
    size_t batch_size = 100;
    size_t max_connections = 1024;
    std::string client_ip_header;        // empty: not set
    std::string client_hostname_header;  // empty: not set
    std::string port_header;             // empty: not set
  };

  // Settings of a syslogtcp source (one `port`); InvalidArgument for a bad keepFields.
  static Result<Settings> SettingsOf(const api::SourceConfig& config);

  SyslogTcpSource(Settings settings, ChannelProcessor& processor);
  ~SyslogTcpSource() override;

  Status Start() override;
  void Stop() override;

  // The ports actually bound, in the order of Settings::ports (useful with port 0 in tests).
  const std::vector<uint16_t>& bound_ports() const { return bound_ports_; }

 private:
  class Connection;
  void Accept(size_t listener);

  const Settings settings_;
  ChannelProcessor& processor_;
  IoThread io_;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
  std::set<std::shared_ptr<Connection>> connections_;  // touched only on the I/O thread
  std::vector<uint16_t> bound_ports_;
};

}  // namespace acequia::sidecar
