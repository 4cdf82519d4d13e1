#include "sidecar/sinks/null_sink.h"

#include "sidecar/core/registry.h"

namespace acequia::sidecar {

NullSink::NullSink(const api::SinkConfig& config)
    : batch_size_(static_cast<size_t>(config.properties.GetInt("batchSize"))) {}

Status NullSink::Deliver(std::span<const Event> /*events*/) { return Status::Ok(); }

ACEQUIA_REGISTER_SINK("null",
                      [](const api::SinkConfig& config,
                         const ComponentContext&) -> Result<std::unique_ptr<Sink>> {
                        return std::unique_ptr<Sink>(std::make_unique<NullSink>(config));
                      });

}  // namespace acequia::sidecar
