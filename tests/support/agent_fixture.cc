#include "tests/support/agent_fixture.h"

#include <signal.h>

#include <filesystem>
#include <sstream>

#include "tests/support/net_client.h"

namespace acequia::testing {

namespace fs = std::filesystem;

AgentFixture::AgentFixture() : metrics_port_(FreePort()) {
  fs::create_directories(dir_.path() + "/config");
  fs::create_directories(dir_.path() + "/logs");
}

AgentFixture::~AgentFixture() = default;

void AgentFixture::WriteConfig(const std::string& text) {
  std::string body = text;
  for (size_t at; (at = body.find("{metrics_port}")) != std::string::npos;) {
    body.replace(at, 14, std::to_string(metrics_port_));
  }
  // As the kubelet does: write a new timestamped directory, then swap the ..data symlink.
  const std::string config = dir_.path() + "/config";
  const std::string version = "..v" + std::to_string(++generation_);
  fs::create_directories(config + "/" + version);
  WriteFile(config + "/" + version + "/flow.yaml", body);
  fs::create_directory_symlink(version, config + "/..data_tmp");
  fs::rename(config + "/..data_tmp", config + "/..data");
  if (!fs::is_symlink(config + "/flow.yaml")) {
    fs::create_symlink("..data/flow.yaml", config + "/flow.yaml");
  }
}

bool AgentFixture::Start(const std::vector<std::string>& extra_args) {
  std::vector<std::string> argv = {AgentBinary(),
                                   "--config",
                                   config_path(),
                                   "--metrics-port",
                                   std::to_string(metrics_port_),
                                   "--reload-interval",
                                   "100ms"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  process_ = std::make_unique<ChildProcess>(argv, dir_.path() + "/logs");
  process_->Start();
  const std::string url = "http://127.0.0.1:" + std::to_string(metrics_port_) + "/readyz";
  return WaitFor([&] { return !process_->Running() || HttpGet(url).status == 200; },
                 std::chrono::seconds(15)) &&
         process_->Running();
}

std::optional<int> AgentFixture::Terminate(std::chrono::milliseconds timeout) {
  process_->Signal(SIGTERM);
  return process_->Wait(timeout);
}

std::string AgentFixture::Metrics() const {
  return HttpGet("http://127.0.0.1:" + std::to_string(metrics_port_) + "/metrics").body;
}

std::optional<double> AgentFixture::Metric(const std::string& name,
                                           const std::vector<std::string>& labels) const {
  std::istringstream in(Metrics());
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name, 0) != 0) continue;
    if (line.size() <= name.size() || (line[name.size()] != '{' && line[name.size()] != ' ')) {
      continue;
    }
    bool all = true;
    for (const auto& l : labels) all = all && line.find(l) != std::string::npos;
    if (!all) continue;
    return std::stod(line.substr(line.rfind(' ') + 1));
  }
  return std::nullopt;
}

std::string AgentFixture::Log() const { return ReadFile(dir_.path() + "/logs/stderr.log"); }

}  // namespace acequia::testing
