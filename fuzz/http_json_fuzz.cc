// libFuzzer target for the http source's JSON decoder (HttpSource::ParseJson, Flume's
// JSONHandler format): any body must yield events or an InvalidArgument with a one-line reason,
// never a crash, an exception or a hang. Threading: one thread.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sidecar/sources/http_source.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto events = acequia::sidecar::HttpSource::ParseJson(body);
  if (!events.ok()) {
    const std::string& reason = events.status().message();
    if (reason.empty() || reason.find('\n') != std::string::npos) std::abort();
    if (events.status().code() != acequia::Status::Code::kInvalidArgument) std::abort();
  }
  (void)acequia::sidecar::HttpSource::ParseText(body);
  return 0;
}
