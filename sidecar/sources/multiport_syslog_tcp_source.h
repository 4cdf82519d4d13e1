// The multiport_syslogtcp source (Flume's MultiportSyslogTCPSource): the syslogtcp engine
// (SyslogTcpSource) listening on every port of `ports` with one I/O thread, optionally naming the
// port a message arrived on in the header `portHeader`. Everything else (framing, parsing,
// Invalid/Incomplete, back-pressure, metrics) is as for syslogtcp.
// Threading: as SyslogTcpSource. Stateless functions here.
#pragma once

#include "api/flow.h"
#include "common/status.h"
#include "sidecar/sources/syslog_tcp_source.h"

namespace acequia::sidecar {

// The settings of a multiport_syslogtcp source; InvalidArgument for a bad keepFields or a port
// listed twice.
Result<SyslogTcpSource::Settings> MultiportSyslogTcpSettings(const api::SourceConfig& config);

}  // namespace acequia::sidecar
