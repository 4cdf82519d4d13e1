// acequia-agent's process: the flow runtime, its metrics/health endpoint, config hot reload and
// drain on SIGTERM. Threading: Run() owns the calling thread; everything else runs on the
// threads of the components it starts.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "api/flow.h"
#include "common/admin_server.h"
#include "sidecar/core/agent_metrics.h"
#include "sidecar/core/config_watcher.h"
#include "sidecar/core/flow_runtime.h"

namespace acequia::sidecar {

struct AgentOptions {
  std::string config_path;
  std::string metrics_bind = "0.0.0.0";
  std::optional<int> metrics_port;  // overrides spec.metrics.port
  std::chrono::milliseconds drain_timeout{30'000};
  std::chrono::milliseconds reload_interval{1000};
};

class Agent {
 public:
  explicit Agent(AgentOptions options);

  // Runs until SIGTERM or SIGINT, then drains. Returns the process exit code. The caller must
  // have blocked SIGTERM, SIGINT and SIGHUP in every thread (BlockSignals) before any thread
  // was started; SIGHUP forces a config re-read.
  int Run();
  static void BlockSignals();

 private:
  void Reload(const std::string& content);

  AgentOptions options_;
  std::optional<api::Flow> flow_;
  std::unique_ptr<AgentMetrics> metrics_;
  std::unique_ptr<FlowRuntime> runtime_;
  std::unique_ptr<AdminServer> admin_;
  ConfigWatcher watcher_;
  std::atomic<bool> ready_{false};
};

}  // namespace acequia::sidecar
