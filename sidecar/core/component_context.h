// What every plugin is built with besides its own config: the flow it belongs to and where its
// metrics go. Borrowed: the FlowRuntime owns both and outlives every component.
#pragma once

#include <string>

#include "sidecar/core/agent_metrics.h"

namespace acequia::sidecar {

struct ComponentContext {
  std::string flow;
  AgentMetrics* metrics = nullptr;
};

}  // namespace acequia::sidecar
