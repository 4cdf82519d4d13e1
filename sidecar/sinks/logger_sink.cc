#include "sidecar/sinks/logger_sink.h"

#include <string_view>

#include "common/logging.h"
#include "sidecar/core/registry.h"

namespace acequia::sidecar {
namespace {

// Appends `text` with every byte outside printable ASCII written as \xNN, so that one event is
// always one log line whatever its bytes.
void AppendEscaped(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) {
      out->push_back(c);
    } else {
      out->append("\\x");
      out->push_back(kHex[byte >> 4]);
      out->push_back(kHex[byte & 0xf]);
    }
  }
}

}  // namespace

LoggerSink::LoggerSink(const api::SinkConfig& config)
    : scope_("sink/" + config.name),
      max_bytes_to_log_(static_cast<size_t>(config.properties.GetInt("maxBytesToLog"))),
      batch_size_(static_cast<size_t>(config.properties.GetInt("batchSize"))) {}

std::string LoggerSink::FormatEvent(const Event& event, size_t max_body_bytes) {
  std::string out = "Event: { headers:{";
  bool first = true;
  for (const auto& [key, value] : event.headers) {
    if (!first) out.append(", ");
    first = false;
    AppendEscaped(key, &out);
    out.push_back('=');
    AppendEscaped(value, &out);
  }
  out.append("} body: ");
  const std::string_view body(event.body);
  AppendEscaped(body.substr(0, max_body_bytes), &out);
  if (body.size() > max_body_bytes) {
    out.append(" \u2026 (").append(std::to_string(body.size())).append(" bytes)");
  }
  out.append(" }");
  return out;
}

Status LoggerSink::Deliver(std::span<const Event> events) {
  if (!LogEnabled(LogLevel::kInfo)) return Status::Ok();
  for (const auto& event : events) {
    LogMessage(LogLevel::kInfo, scope_) << FormatEvent(event, max_bytes_to_log_);
  }
  return Status::Ok();
}

ACEQUIA_REGISTER_SINK("logger",
                      [](const api::SinkConfig& config,
                         const ComponentContext&) -> Result<std::unique_ptr<Sink>> {
                        return std::unique_ptr<Sink>(std::make_unique<LoggerSink>(config));
                      });

}  // namespace acequia::sidecar
