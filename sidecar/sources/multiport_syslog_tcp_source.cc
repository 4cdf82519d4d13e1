#include "sidecar/sources/multiport_syslog_tcp_source.h"

#include <set>

#include "sidecar/core/registry.h"

namespace acequia::sidecar {

Result<SyslogTcpSource::Settings> MultiportSyslogTcpSettings(const api::SourceConfig& config) {
  auto settings = SyslogTcpSource::SettingsOf(config);
  if (!settings.ok()) return settings.status();
  std::set<int64_t> seen;
  for (int64_t port : config.properties.GetIntList("ports")) {
    if (!seen.insert(port).second && port != 0) {
      return Status::InvalidArgument(config.path + ".ports: port " + std::to_string(port) +
                                     " is listed twice");
    }
    settings->ports.push_back(static_cast<uint16_t>(port));
  }
  settings->port_header = config.properties.GetString("portHeader");
  return settings;
}

ACEQUIA_REGISTER_SOURCE("multiport_syslogtcp",
                        [](const api::SourceConfig& config, const ComponentContext&,
                           ChannelProcessor& processor) -> Result<std::unique_ptr<Source>> {
                          auto settings = MultiportSyslogTcpSettings(config);
                          if (!settings.ok()) return settings.status();
                          return std::unique_ptr<Source>(std::make_unique<SyslogTcpSource>(
                              std::move(settings).value(), processor));
                        });

}  // namespace acequia::sidecar
