#include "sidecar/agent.h"

#include <signal.h>

#include <filesystem>
#include <thread>

#include "common/logging.h"
#include "sidecar/core/registry.h"

namespace acequia::sidecar {
namespace {

constexpr const char* kScope = "agent";

std::string DefaultName(const std::string& path) {
  std::string stem = std::filesystem::path(path).stem().string();
  return stem.empty() ? "flow" : stem;
}

}  // namespace

Agent::Agent(AgentOptions options) : options_(std::move(options)), watcher_(options_.config_path) {}

void Agent::BlockSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int Agent::Run() {
  if (Status s = CheckRegistries(); !s.ok()) {
    LogMessage(LogLevel::kError, kScope) << s.message();
    return 2;
  }
  auto content = watcher_.Prime();
  if (!content) {
    LogMessage(LogLevel::kError, kScope) << "cannot read config " << options_.config_path;
    return 1;
  }
  api::FlowParseResult parsed = api::ParseFlow(*content, DefaultName(options_.config_path));
  if (!parsed.flow) {
    LogMessage(LogLevel::kError, kScope) << "invalid config " << options_.config_path << ":\n"
                                         << api::JoinErrors(parsed.errors);
    return 1;
  }
  flow_ = std::move(parsed.flow);
  metrics_ = std::make_unique<AgentMetrics>(flow_->name);
  runtime_ = std::make_unique<FlowRuntime>(*metrics_, options_.drain_timeout);

  const int port = options_.metrics_port.value_or(static_cast<int>(flow_->spec.metrics_port));
  admin_ = std::make_unique<AdminServer>(
      options_.metrics_bind, port, metrics_->registry(),
      AdminServer::Probes{[] { return true; }, [this] { return ready_.load(); }});
  if (Status s = admin_->Start(); !s.ok()) {
    LogMessage(LogLevel::kError, kScope) << s.message();
    return 1;
  }
  if (Status s = runtime_->Start(*flow_); !s.ok()) {
    LogMessage(LogLevel::kError, kScope)
        << "flow " << flow_->name << " failed to start: " << s.message();
    runtime_->Stop();
    return 1;
  }
  ready_ = true;
  LogMessage(LogLevel::kInfo, kScope)
      << "flow " << flow_->name << " running: " << flow_->spec.sources.size() << " sources, "
      << flow_->spec.channels.size() << " channels, " << flow_->spec.sinks.size()
      << " sinks; metrics on http://" << options_.metrics_bind << ":" << port << "/metrics";

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  const auto interval = options_.reload_interval;
  timespec wait{static_cast<time_t>(interval.count() / 1000),
                static_cast<long>((interval.count() % 1000) * 1'000'000)};
  while (true) {
    int sig = sigtimedwait(&set, nullptr, &wait);
    if (sig == SIGTERM || sig == SIGINT) {
      LogMessage(LogLevel::kInfo, kScope)
          << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << ": draining (up to "
          << options_.drain_timeout.count() << "ms)";
      break;
    }
    if (auto changed = watcher_.Poll()) Reload(*changed);
  }
  ready_ = false;
  runtime_->Stop();
  admin_->Stop();
  LogMessage(LogLevel::kInfo, kScope) << "stopped";
  return 0;
}

void Agent::Reload(const std::string& content) {
  api::FlowParseResult parsed = api::ParseFlow(content, flow_->name);
  if (!parsed.flow) {
    metrics_->ConfigReloads("rejected").Increment();
    LogMessage(LogLevel::kError, kScope)
        << "config change rejected, the running flow is unchanged:\n"
        << api::JoinErrors(parsed.errors);
    return;
  }
  if (parsed.flow->name != flow_->name) {
    metrics_->ConfigReloads("rejected").Increment();
    LogMessage(LogLevel::kError, kScope)
        << "config change rejected: metadata.name changed from " << flow_->name << " to "
        << parsed.flow->name << ", which needs a restart";
    return;
  }
  if (parsed.flow->spec.metrics_port != flow_->spec.metrics_port && !options_.metrics_port) {
    LogMessage(LogLevel::kWarn, kScope)
        << "spec.metrics.port changed to " << parsed.flow->spec.metrics_port
        << "; it takes effect when the agent restarts";
  }
  Status s = runtime_->Apply(*parsed.flow);
  if (s.code() == Status::Code::kInvalidArgument) {
    metrics_->ConfigReloads("rejected").Increment();
    LogMessage(LogLevel::kError, kScope) << "config change rejected: " << s.message();
    return;
  }
  flow_ = std::move(parsed.flow);
  if (!s.ok()) {
    metrics_->ConfigReloads("failed").Increment();
    LogMessage(LogLevel::kError, kScope) << "config change partly applied: " << s.message() << " ("
                                         << runtime_->last_change() << ")";
    return;
  }
  metrics_->ConfigReloads("applied").Increment();
  LogMessage(LogLevel::kInfo, kScope) << "config reloaded: " << runtime_->last_change();
}

}  // namespace acequia::sidecar
