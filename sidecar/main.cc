// acequia-agent: runs a Flow (Flume's agent). See `acequia-agent --help`.
#include <sys/resource.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "api/flow.h"
#include "api/quantity.h"
#include "api/reference.h"
#include "common/admin_server.h"
#include "common/logging.h"
#include "sidecar/agent.h"
#include "sidecar/convert/convert_command.h"

namespace {

constexpr const char* kUsage =
    R"(acequia-agent: runs a Flow — sources, interceptors, channels, sinks.

Usage:
  acequia-agent [run] --config FILE [options]   run the flow in FILE (a Flow manifest or its spec)
  acequia-agent validate FILE...                check configs; print every error, exit 1 if any
  acequia-agent reference                       print the component reference (Markdown)
  acequia-agent convert-flume FILE [--agent NAME] [-o OUT]
                                                turn a Flume agent's properties file into a Flow;
                                                every dropped setting is named, exit 1 if any
  acequia-agent version

Options:
  --config FILE            the Flow; re-read when it changes (hot reload)
  --metrics-port N         serve /metrics, /healthz, /readyz here (default: spec.metrics.port, 9464)
  --metrics-bind ADDR      address for that endpoint (default 0.0.0.0)
  --drain-timeout DUR      on SIGTERM, how long sinks may empty the channels (default 30s)
  --reload-interval DUR    how often the config file is checked for changes (default 1s)
  --log-level LEVEL        debug, info, warn or error (default info)
)";

int Fail(const std::string& message) {
  std::fprintf(stderr, "acequia-agent: %s\n(see acequia-agent --help)\n", message.c_str());
  return 2;
}

int Validate(const std::vector<std::string>& files) {
  if (files.empty()) return Fail("validate needs at least one FILE");
  int status = 0;
  for (const auto& file : files) {
    auto flow = acequia::api::LoadFlowFile(file);
    if (flow.ok()) {
      std::printf("%s: valid Flow \"%s\" (%zu sources, %zu channels, %zu sinks)\n", file.c_str(),
                  flow->name.c_str(), flow->spec.sources.size(), flow->spec.channels.size(),
                  flow->spec.sinks.size());
    } else {
      std::fprintf(stderr, "%s\n", flow.status().message().c_str());
      status = 1;
    }
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h" || args[0] == "help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!args.empty() && args[0] == "version") {
    std::printf("acequia-agent 0.1.0\n");
    return 0;
  }
  if (!args.empty() && args[0] == "reference") {
    std::fputs(acequia::api::ComponentReferenceMarkdown().c_str(), stdout);
    return 0;
  }
  if (!args.empty() && args[0] == "convert-flume") {
    return acequia::sidecar::convert::RunConvertFlume(
        std::vector<std::string>(args.begin() + 1, args.end()));
  }
  if (!args.empty() && args[0] == "validate") {
    return Validate(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  if (!args.empty() && args[0] == "run") args.erase(args.begin());

  acequia::sidecar::AgentOptions options;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    auto value = [&]() -> const std::string* { return i + 1 < args.size() ? &args[++i] : nullptr; };
    auto duration = [&](std::chrono::milliseconds* out) -> bool {
      const std::string* v = value();
      if (v == nullptr) return false;
      auto d = acequia::api::ParseDuration(*v);
      if (!d.ok()) return false;
      *out = *d;
      return true;
    };
    if (flag == "--config") {
      const std::string* v = value();
      if (v == nullptr) return Fail("--config needs a FILE");
      options.config_path = *v;
    } else if (flag == "--metrics-port") {
      const std::string* v = value();
      int port = v ? std::atoi(v->c_str()) : 0;
      if (port < 0 || port > 65535 || v == nullptr)
        return Fail("--metrics-port needs a port number");
      options.metrics_port = port;
    } else if (flag == "--metrics-bind") {
      const std::string* v = value();
      if (v == nullptr) return Fail("--metrics-bind needs an address");
      options.metrics_bind = *v;
    } else if (flag == "--drain-timeout") {
      if (!duration(&options.drain_timeout))
        return Fail("--drain-timeout needs a duration like 30s");
    } else if (flag == "--reload-interval") {
      if (!duration(&options.reload_interval) || options.reload_interval.count() == 0) {
        return Fail("--reload-interval needs a duration like 1s");
      }
    } else if (flag == "--log-level") {
      const std::string* v = value();
      acequia::LogLevel level;
      if (v == nullptr || !acequia::ParseLogLevel(*v, &level)) {
        return Fail("--log-level needs debug, info, warn or error");
      }
      acequia::SetLogLevel(level);
    } else {
      return Fail("unknown argument \"" + flag + "\"");
    }
  }
  if (options.config_path.empty()) return Fail("--config FILE is required");
  // Every open file_roll file, tailed file and connection is a descriptor: take the hard limit
  // (often 1024 soft / 524288 hard) so maxOpenFiles and many connections fit.
  if (rlimit limit{}; ::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
  acequia::sidecar::Agent::BlockSignals();
  acequia::AdminServer::LimitHttpThreads(8);
  acequia::sidecar::Agent agent(std::move(options));
  return agent.Run();
}
