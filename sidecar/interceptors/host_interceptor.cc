#include "sidecar/interceptors/host_interceptor.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <unistd.h>

#include <climits>

#include "sidecar/core/registry.h"

namespace acequia::sidecar {

HostInterceptor::HostInterceptor(const api::ComponentConfig& config)
    : header_(config.properties.GetString("hostHeader")),
      preserve_existing_(config.properties.GetBool("preserveExisting")),
      value_(config.properties.GetBool("useIP") ? LocalIpv4Address() : LocalHostName()) {}

void HostInterceptor::Intercept(std::vector<Event>& events) {
  for (auto& event : events) {
    if (preserve_existing_ && event.headers.Has(header_)) continue;
    event.headers.Set(header_, value_);
  }
}

std::string HostInterceptor::LocalHostName() {
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

std::string HostInterceptor::LocalIpv4Address() {
  std::string address = "127.0.0.1";
  ifaddrs* interfaces = nullptr;
  if (getifaddrs(&interfaces) != 0) return address;
  for (const ifaddrs* it = interfaces; it != nullptr; it = it->ifa_next) {
    if (it->ifa_addr == nullptr || it->ifa_addr->sa_family != AF_INET) continue;
    if ((it->ifa_flags & IFF_UP) == 0 || (it->ifa_flags & IFF_LOOPBACK) != 0) continue;
    const auto* in = reinterpret_cast<const sockaddr_in*>(it->ifa_addr);
    if ((ntohl(in->sin_addr.s_addr) >> 24) == 127) continue;  // 127/8 on a non-loopback device
    char text[INET_ADDRSTRLEN] = {};
    if (inet_ntop(AF_INET, &in->sin_addr, text, sizeof text) != nullptr) {
      address = text;
      break;
    }
  }
  freeifaddrs(interfaces);
  return address;
}

ACEQUIA_REGISTER_INTERCEPTOR("host",
                             [](const api::ComponentConfig& config,
                                const ComponentContext&) -> Result<std::unique_ptr<Interceptor>> {
                               return std::unique_ptr<Interceptor>(
                                   std::make_unique<HostInterceptor>(config));
                             });

}  // namespace acequia::sidecar
