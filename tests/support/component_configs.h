// Builds the config of one component the way the agent does: by parsing it inside a minimal
// valid Flow, so defaults and validation apply. A test fails (EXPECT) when the YAML is invalid.
// Test-only; thread-safe.
#pragma once

#include <string>

#include "api/flow.h"

namespace acequia::testing {

// Parses a whole Flow (manifest or spec) that must be valid.
api::Flow ParseValidFlow(const std::string& yaml, const std::string& name = "test");

// `fields` are the YAML fields of the component, e.g. "type: static, key: a, value: b".
api::ComponentConfig InterceptorConfig(const std::string& fields);
// The validator's errors, one per line, for a flow whose only source has this one interceptor.
std::string InterceptorConfigErrors(const std::string& fields);
// A channel named "c": fields like "type: memory, capacity: 5, transactionCapacity: 5".
api::ComponentConfig ChannelConfig(const std::string& fields);
// A sink reading channel "c" (capacity 100000, transactionCapacity 10000): fields like
// "name: out, type: logger, maxBytesToLog: 4".
api::SinkConfig SinkConfig(const std::string& fields);

}  // namespace acequia::testing
