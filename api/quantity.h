// Parsing of the scalar forms a Flow uses: durations ("30s", "1m30s", "250ms", or a bare number of
// seconds as Flume writes them) and sizes (Kubernetes quantities: "512", "64Ki", "5Gi", "10M").
// Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace acequia::api {

Result<std::chrono::milliseconds> ParseDuration(std::string_view text);
Result<int64_t> ParseSize(std::string_view text);

// The canonical text of a duration ("1m30s", "250ms", "0s").
std::string FormatDuration(std::chrono::milliseconds d);

}  // namespace acequia::api
