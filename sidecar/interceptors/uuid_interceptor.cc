#include "sidecar/interceptors/uuid_interceptor.h"

#include <array>
#include <cstdint>
#include <random>

#include "sidecar/core/registry.h"

namespace acequia::sidecar {

UuidInterceptor::UuidInterceptor(const api::ComponentConfig& config)
    : header_(config.properties.GetString("headerName")),
      preserve_existing_(config.properties.GetBool("preserveExisting")),
      prefix_(config.properties.GetString("prefix")) {}

void UuidInterceptor::Intercept(std::vector<Event>& events) {
  for (auto& event : events) {
    if (preserve_existing_ && event.headers.Has(header_)) continue;
    event.headers.Set(header_, prefix_ + NewUuid());
  }
}

std::string UuidInterceptor::NewUuid() {
  thread_local std::mt19937_64 random = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device(),
                       device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
  std::array<uint8_t, 16> bytes;
  const uint64_t high = random();
  const uint64_t low = random();
  for (size_t i = 0; i < 8; ++i) {
    bytes[i] = static_cast<uint8_t>(high >> (56 - 8 * i));
    bytes[8 + i] = static_cast<uint8_t>(low >> (56 - 8 * i));
  }
  bytes[6] = static_cast<uint8_t>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<uint8_t>((bytes[8] & 0x3f) | 0x80);  // variant 10 (RFC 4122)
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string text;
  text.reserve(36);
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text.push_back('-');
    text.push_back(kHex[bytes[i] >> 4]);
    text.push_back(kHex[bytes[i] & 0x0f]);
  }
  return text;
}

ACEQUIA_REGISTER_INTERCEPTOR("uuid",
                             [](const api::ComponentConfig& config,
                                const ComponentContext&) -> Result<std::unique_ptr<Interceptor>> {
                               return std::unique_ptr<Interceptor>(
                                   std::make_unique<UuidInterceptor>(config));
                             });

}  // namespace acequia::sidecar
