// Status conditions as the Kubernetes API conventions define them (metav1.Condition): one entry
// per type, lastTransitionTime changing only when the status does, observedGeneration of the
// spec the condition was computed from. Pure functions on JSON; thread-safe.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

namespace acequia::controllers {

using Json = nlohmann::json;

// metav1.Time: "2006-01-02T15:04:05Z" (UTC, seconds).
std::string FormatTime(std::chrono::system_clock::time_point time);
// Parses FormatTime's format (and fractional seconds); false when it is not one.
bool ParseTime(const std::string& text, std::chrono::system_clock::time_point* time);

struct Condition {
  std::string type;
  std::string status;  // "True" | "False" | "Unknown"
  std::string reason;  // CamelCase
  std::string message;
};

// Sets `condition` in the array `conditions` (created when null), keeping the previous
// lastTransitionTime when the status did not change.
void SetCondition(Json& conditions, const Condition& condition, int64_t observed_generation,
                  std::chrono::system_clock::time_point now);
// The condition of `type`, or null.
const Json* FindCondition(const Json& conditions, const std::string& type);

}  // namespace acequia::controllers
