// Runs the real acequia-agent binary on a config for integration tests: writes the config the
// way a Kubernetes ConfigMap volume does (a `..data` symlink swapped atomically on update),
// starts the agent, waits for /readyz, and reads /metrics. Test-only; one thread.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "tests/support/process.h"
#include "tests/support/test_env.h"

namespace acequia::testing {

class AgentFixture {
 public:
  AgentFixture();
  ~AgentFixture();

  // Writes (or atomically replaces) the config. `text` may use {metrics_port}.
  void WriteConfig(const std::string& text);
  // Starts the agent and waits until /readyz answers 200; false if it exited or timed out.
  bool Start(const std::vector<std::string>& extra_args = {});
  // Sends SIGTERM and waits for the exit code.
  std::optional<int> Terminate(std::chrono::milliseconds timeout = std::chrono::seconds(30));

  std::string Metrics() const;
  // The value of the first sample whose line starts with `name` and contains every `labels`
  // fragment (e.g. `component="archive"`); nullopt when absent.
  std::optional<double> Metric(const std::string& name,
                               const std::vector<std::string>& labels = {}) const;

  int metrics_port() const { return metrics_port_; }
  const TempDir& dir() const { return dir_; }
  std::string config_path() const { return dir_.path() + "/config/flow.yaml"; }
  std::string Log() const;
  ChildProcess* process() { return process_.get(); }

 private:
  TempDir dir_;
  int metrics_port_;
  int generation_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace acequia::testing
