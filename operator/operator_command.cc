#include "operator/operator_command.h"

#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "api/flow.h"
#include "api/import_job.h"
#include "api/quantity.h"
#include "common/admin_server.h"
#include "common/logging.h"
#include "operator/controllers/manager.h"
#include "operator/kube/cluster_config.h"
#include "operator/kube/leader_elector.h"
#include "operator/kube/rest_client.h"
#include "operator/kube/yaml_json.h"
#include "operator/render/flow_render.h"
#include "operator/render/import_render.h"
#include "operator/webhook/admission_webhooks.h"

namespace acequia::operator_cli {
namespace {

using Json = nlohmann::json;

constexpr const char* kVersion = "0.1.0";

constexpr const char* kUsage = R"(acequia-operator: reconciles Flows (agents) and ImportJobs (batch imports).

Usage:
  acequia-operator [run] [flags]          run the controllers against the cluster
  acequia-operator render -f FILE [flags] print the objects the operator would apply for the
                                          Flows and ImportJobs in FILE ("-": stdin); no cluster
  acequia-operator version

Flags (--flag=value or --flag value):
  --kubeconfig FILE                   kubeconfig (default: $KUBECONFIG, in-cluster, ~/.kube/config)
  --namespace NS                      watch only NS (default: every namespace)
  --watch-namespaces NS1,NS2          watch only these namespaces
  --max-concurrent-reconciles N       workers per controller (default 4)
  --metrics-bind-address ADDR         /metrics (default :8080; "0" turns it off)
  --health-probe-bind-address ADDR    /healthz and /readyz (default :8081)
  --leader-elect                      elect a leader through a Lease before reconciling
  --leader-election-namespace NS      where the Lease lives (default: $POD_NAMESPACE or the
                                      kubeconfig's namespace)
  --leader-election-id NAME           the Lease's name (default acequia-operator)
  --leader-election-lease-duration D  default 15s
  --leader-election-renew-deadline D  default 10s
  --leader-election-retry-period D    default 2s
  --agent-image IMAGE                 the acequia-agent image for Flows
  --import-image IMAGE                the acequia-import image for ImportJobs
  --image-pull-policy POLICY          Always | IfNotPresent | Never (default IfNotPresent)
  --import-pod-stuck-after D          an ImportJob pod Pending this long has its Warning Events
                                      read into the Stalled condition (default 1m)
  --agent-pod-monitors                a PodMonitor per collector Flow (when the API exists)
  --agent-pod-monitor-interval D      their scrape interval (default 30s)
  --agent-pod-monitor-label K=V       a label for them (repeatable)
  --kube-api-qps N                    client-side rate limit, requests/s (default 500; 0: none)
  --kube-api-burst N                  (default 1000)
  --log-level LEVEL                   debug | info | warn | error (default info)

Admission webhooks (served by every replica, leader or not):
  --webhook-bind-address ADDR         HTTPS for the API server (default :9443; "0" turns it off)
  --webhook-cert-dir DIR              tls.crt and tls.key from DIR (e.g. cert-manager's) instead
                                      of the self-managed Secret and caBundle
  --webhook-service-name NAME         the webhook Service, named in the certificate
                                      (default acequia-webhook)
  --webhook-secret-name NAME          the Secret holding the CA and the certificate
                                      (default acequia-webhook-tls)
  --mutating-webhook-configuration NAME    whose caBundle is kept current (default acequia)
  --validating-webhook-configuration NAME  whose caBundle is kept current (default acequia)
)";

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Flags {
  std::string command = "run";
  std::map<std::string, std::vector<std::string>> values;
  std::vector<std::string> positional;

  bool Has(const std::string& key) const { return values.count(key) > 0; }
  std::string Get(const std::string& key, const std::string& fallback = "") const {
    auto it = values.find(key);
    return it == values.end() ? fallback : it->second.back();
  }
};

const std::map<std::string, bool>& KnownFlags() {  // name → takes a value
  static const std::map<std::string, bool> kFlags = {
      {"kubeconfig", true},
      {"namespace", true},
      {"watch-namespaces", true},
      {"max-concurrent-reconciles", true},
      {"metrics-bind-address", true},
      {"health-probe-bind-address", true},
      {"leader-elect", false},
      {"leader-election-namespace", true},
      {"leader-election-id", true},
      {"leader-election-lease-duration", true},
      {"leader-election-renew-deadline", true},
      {"leader-election-retry-period", true},
      {"agent-image", true},
      {"import-image", true},
      {"image-pull-policy", true},
      {"import-pod-stuck-after", true},
      {"agent-pod-monitors", false},
      {"agent-pod-monitor-interval", true},
      {"agent-pod-monitor-label", true},
      {"kube-api-qps", true},
      {"kube-api-burst", true},
      {"log-level", true},
      {"webhook-bind-address", true},
      {"webhook-cert-dir", true},
      {"webhook-service-name", true},
      {"webhook-secret-name", true},
      {"mutating-webhook-configuration", true},
      {"validating-webhook-configuration", true},
      {"f", true},
      {"filename", true},
  };
  return kFlags;
}

Flags ParseFlags(const std::vector<std::string>& args) {
  Flags flags;
  size_t i = 0;
  if (!args.empty() && args[0].rfind("-", 0) != 0) flags.command = args[i++];
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("-", 0) != 0) {
      flags.positional.push_back(arg);
      continue;
    }
    std::string key = arg.substr(arg.rfind("--", 0) == 0 ? 2 : 1);
    std::optional<std::string> value;
    if (auto eq = key.find('='); eq != std::string::npos) {
      value = key.substr(eq + 1);
      key = key.substr(0, eq);
    }
    auto known = KnownFlags().find(key);
    if (known == KnownFlags().end()) throw UsageError("unknown flag --" + key);
    if (known->second && !value) {
      if (i + 1 >= args.size()) throw UsageError("flag --" + key + " needs a value");
      value = args[++i];
    }
    if (!known->second) {
      if (!value) value = "true";
      if (*value != "true" && *value != "false") {
        throw UsageError("flag --" + key + " is true or false, got \"" + *value + "\"");
      }
    }
    flags.values[key].push_back(*value);
  }
  return flags;
}

bool BoolFlag(const Flags& flags, const std::string& key) { return flags.Get(key) == "true"; }

int IntFlag(const Flags& flags, const std::string& key, int fallback, int min) {
  if (!flags.Has(key)) return fallback;
  const std::string text = flags.Get(key);
  try {
    size_t used = 0;
    int value = std::stoi(text, &used);
    if (used == text.size() && value >= min) return value;
  } catch (const std::exception&) {
  }
  throw UsageError("--" + key + " needs an integer ≥ " + std::to_string(min) + ", got \"" + text +
                   "\"");
}

std::chrono::milliseconds DurationFlag(const Flags& flags, const std::string& key, int64_t ms) {
  if (!flags.Has(key)) return std::chrono::milliseconds(ms);
  auto d = api::ParseDuration(flags.Get(key));
  if (!d.ok() || d->count() <= 0) {
    throw UsageError("--" + key + " needs a duration like 15s, got \"" + flags.Get(key) + "\"");
  }
  return *d;
}

// ":8080" → (0.0.0.0, 8080); "127.0.0.1:9000"; "0" → off (port -1).
std::pair<std::string, int> BindAddress(const Flags& flags, const std::string& key,
                                        const std::string& fallback) {
  const std::string text = flags.Get(key, fallback);
  if (text == "0") return {"", -1};
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) throw UsageError("--" + key + " needs HOST:PORT or :PORT");
  std::string host = text.substr(0, colon);
  if (host.empty()) host = "0.0.0.0";
  int port = -1;
  try {
    port = std::stoi(text.substr(colon + 1));
  } catch (const std::exception&) {
  }
  if (port < 0 || port > 65535) throw UsageError("--" + key + ": bad port in \"" + text + "\"");
  return {host, port};
}

render::OperatorSettings Settings(const Flags& flags) {
  render::OperatorSettings settings;
  settings.agent_image = flags.Get("agent-image", settings.agent_image);
  settings.import_image = flags.Get("import-image", settings.import_image);
  settings.image_pull_policy = flags.Get("image-pull-policy", settings.image_pull_policy);
  if (settings.image_pull_policy != "Always" && settings.image_pull_policy != "IfNotPresent" &&
      settings.image_pull_policy != "Never") {
    throw UsageError("--image-pull-policy is Always, IfNotPresent or Never");
  }
  settings.pod_monitors = BoolFlag(flags, "agent-pod-monitors");
  if (flags.Has("agent-pod-monitor-interval")) {
    (void)DurationFlag(flags, "agent-pod-monitor-interval", 0);
    settings.pod_monitor_interval = flags.Get("agent-pod-monitor-interval");
  }
  if (auto it = flags.values.find("agent-pod-monitor-label"); it != flags.values.end()) {
    for (const auto& pair : it->second) {
      const auto eq = pair.find('=');
      if (eq == std::string::npos || eq == 0) {
        throw UsageError("--agent-pod-monitor-label needs KEY=VALUE, got \"" + pair + "\"");
      }
      settings.pod_monitor_labels[pair.substr(0, eq)] = pair.substr(eq + 1);
    }
  }
  return settings;
}

// ---- render ---------------------------------------------------------------------------------

int Render(const Flags& flags, std::ostream& out, std::ostream& err) {
  const std::string file = flags.Get("f", flags.Get("filename"));
  if (file.empty()) throw UsageError("render needs -f FILE");
  std::string text;
  if (file == "-") {
    std::stringstream buffer;
    buffer << std::cin.rdbuf();
    text = buffer.str();
  } else {
    std::ifstream in(file);
    if (!in) {
      err << "acequia-operator: cannot read " << file << "\n";
      return 1;
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
  }
  auto documents = kube::ParseYamlDocuments(text);
  if (!documents.ok()) {
    err << "acequia-operator: " << file << ": " << documents.status().message() << "\n";
    return 1;
  }
  const render::OperatorSettings settings = Settings(flags);
  int failures = 0;
  bool first = true;
  auto print = [&](const Json& object) {
    if (!first) out << "---\n";
    first = false;
    out << kube::JsonToYaml(object);
  };
  for (Json object : *documents) {
    const std::string kind = object.value("kind", "");
    Json& meta = object["metadata"];
    const std::string name = meta.value("name", "");
    if (!meta.contains("namespace")) meta["namespace"] = flags.Get("namespace", "default");
    // A dry run has no API server to assign these; children still need an owner to point at.
    if (!meta.contains("uid")) meta["uid"] = "00000000-0000-0000-0000-000000000000";
    if (!meta.contains("generation")) meta["generation"] = 1;
    if (kind == "Flow") {
      auto parsed = api::ParseFlow(kube::JsonToYaml(object), name);
      if (!parsed.flow) {
        err << file << ": Flow " << name << ":\n" << api::JoinErrors(parsed.errors) << "\n";
        ++failures;
        continue;
      }
      auto rendered = render::RenderFlow(object, *parsed.flow, settings);
      if (!rendered.ok()) {
        err << file << ": Flow " << name << ": " << rendered.status().message() << "\n";
        ++failures;
        continue;
      }
      for (const auto& child : rendered->Objects()) print(child);
      if (!rendered->sidecar.is_null()) {
        out << "# sidecar injected into pods labelled " << render::kFlowLabel << "=" << name
            << ":\n";
        std::istringstream snippet(kube::JsonToYaml(rendered->sidecar));
        for (std::string line; std::getline(snippet, line);) out << "# " << line << "\n";
      }
    } else if (kind == "ImportJob") {
      auto parsed = api::ParseImportJob(kube::JsonToYaml(object), name);
      if (!parsed.job) {
        err << file << ": ImportJob " << name << ":\n" << api::JoinErrors(parsed.errors) << "\n";
        ++failures;
        continue;
      }
      if (auto cluster = api::ClusterErrors(parsed.job->spec); !cluster.empty()) {
        err << file << ": ImportJob " << name << ":\n" << api::JoinErrors(cluster) << "\n";
        ++failures;
        continue;
      }
      // One run, as the controller would start it; the run Job's completions come from the
      // plan, which only the plan pod can make: shown with spec.split.count.
      const std::string run = "dry-run";
      const std::optional<std::string> last_value = parsed.job->spec.incremental.last_value;
      print(render::RenderImportRunConfigMap(object, run, last_value));
      for (auto phase : {render::ImportPhase::kPlan, render::ImportPhase::kRun,
                         render::ImportPhase::kCommit}) {
        print(render::RenderImportPhaseJob(object, *parsed.job, settings, run, phase,
                                           static_cast<int>(parsed.job->spec.split.count)));
      }
    } else {
      err << file << ": " << (kind.empty() ? "a document without kind" : "kind " + kind)
          << " is not something the operator renders (Flow, ImportJob)\n";
      ++failures;
    }
  }
  return failures == 0 ? 0 : 1;
}

// ---- run ------------------------------------------------------------------------------------

std::string Identity() {
  if (const char* pod = std::getenv("POD_NAME"); pod != nullptr && *pod != '\0') return pod;
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return std::string(host) + "_" + std::to_string(::getpid());
}

// Whether the API server serves monitoring.coreos.com/v1 podmonitors.
bool ServesPodMonitors(kube::RestKubeClient& client) {
  auto discovery = client.Request("GET", "/apis/monitoring.coreos.com/v1");
  if (!discovery.ok()) return false;
  for (const auto& r : discovery->value("resources", Json::array())) {
    if (r.value("name", "") == "podmonitors") return true;
  }
  return false;
}

int Run(const Flags& flags, std::ostream& err) {
  // Signals go to sigwait below, not to whichever thread happens to run.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  AdminServer::LimitHttpThreads(8);
  // glibc gives every thread that allocates its own arena; with informer, worker and HTTP
  // threads all building JSON, the arenas' free space is most of the heap. Two arenas keep
  // the footprint close to what is live.
  mallopt(M_ARENA_MAX, 2);

  controllers::ManagerOptions options;
  options.settings = Settings(flags);
  options.max_concurrent_reconciles = IntFlag(flags, "max-concurrent-reconciles", 4, 1);
  options.import_pod_stuck_after = DurationFlag(flags, "import-pod-stuck-after", 60000);
  options.identity = Identity();
  if (flags.Has("namespace")) options.namespaces = {flags.Get("namespace")};
  if (flags.Has("watch-namespaces")) {
    std::stringstream list(flags.Get("watch-namespaces"));
    for (std::string ns; std::getline(list, ns, ',');) {
      if (!ns.empty()) options.namespaces.push_back(ns);
    }
  }
  const auto metrics_bind = BindAddress(flags, "metrics-bind-address", ":8080");
  const auto health_bind = BindAddress(flags, "health-probe-bind-address", ":8081");

  auto config = kube::LoadClusterConfig(flags.Get("kubeconfig"));
  if (!config.ok()) {
    err << "acequia-operator: " << config.status().message() << "\n";
    return 1;
  }
  auto registry = std::make_shared<prometheus::Registry>();
  kube::RestClientOptions client_options;
  client_options.qps = IntFlag(flags, "kube-api-qps", 500, 0);
  client_options.burst = IntFlag(flags, "kube-api-burst", 1000, 1);
  client_options.registry = registry;
  client_options.user_agent = std::string("acequia-operator/") + kVersion;
  const std::string lease_namespace = flags.Get(
      "leader-election-namespace",
      std::getenv("POD_NAMESPACE") ? std::getenv("POD_NAMESPACE") : config->namespace_);
  auto client = kube::RestKubeClient::Create(*config, client_options);
  if (!client.ok()) {
    err << "acequia-operator: " << client.status().message() << "\n";
    return 1;
  }
  if (options.settings.pod_monitors && !ServesPodMonitors(**client)) {
    LogMessage(LogLevel::kWarn, "operator")
        << "--agent-pod-monitors: the API server does not serve monitoring.coreos.com/v1 "
           "podmonitors (is the Prometheus Operator installed?); creating none";
    options.settings.pod_monitors = false;
  }

  controllers::Manager manager(**client, options, registry);
  if (Status s = controllers::SetupFlowController(manager); !s.ok()) {
    err << "acequia-operator: " << s.message() << "\n";
    return 1;
  }
  if (Status s = controllers::SetupImportJobController(manager); !s.ok()) {
    err << "acequia-operator: " << s.message() << "\n";
    return 1;
  }

  std::atomic<bool> ready{false};
  std::atomic<int> exit_code{-1};  // set by a thread that wants the process to end
  std::unique_ptr<AdminServer> metrics_server;
  std::unique_ptr<AdminServer> health_server;
  if (metrics_bind.second >= 0) {
    metrics_server = std::make_unique<AdminServer>(metrics_bind.first, metrics_bind.second,
                                                   registry, AdminServer::Probes{});
    if (Status s = metrics_server->Start(); !s.ok()) {
      err << "acequia-operator: --metrics-bind-address: " << s.message() << "\n";
      return 1;
    }
  }
  if (health_bind.second >= 0) {
    AdminServer::Probes probes;
    probes.ready = [&ready] { return ready.load(); };
    health_server = std::make_unique<AdminServer>(health_bind.first, health_bind.second,
                                                  registry, probes);
    if (Status s = health_server->Start(); !s.ok()) {
      err << "acequia-operator: --health-probe-bind-address: " << s.message() << "\n";
      return 1;
    }
  }

  // ---- admission webhooks (operator/webhook): every replica serves them ----
  std::unique_ptr<webhook::AdmissionWebhooks> webhooks;
  if (const auto webhook_bind = BindAddress(flags, "webhook-bind-address", ":9443");
      webhook_bind.second >= 0) {
    webhook::AdmissionWebhookOptions webhook_options;
    webhook_options.host = webhook_bind.first;
    webhook_options.port = webhook_bind.second;
    webhook_options.settings = options.settings;
    webhook_options.registry = registry;
    auto& certs = webhook_options.certificates;
    certs.ns = std::getenv("POD_NAMESPACE") ? std::getenv("POD_NAMESPACE") : config->namespace_;
    certs.service_name = flags.Get("webhook-service-name", "acequia-webhook");
    certs.secret_name = flags.Get("webhook-secret-name", "acequia-webhook-tls");
    certs.mutating_configuration = flags.Get("mutating-webhook-configuration", "acequia");
    certs.validating_configuration = flags.Get("validating-webhook-configuration", "acequia");
    certs.cert_dir = flags.Get("webhook-cert-dir");
    webhooks = std::make_unique<webhook::AdmissionWebhooks>(**client, webhook_options);
    if (Status s = webhooks->Start(); !s.ok()) {
      err << "acequia-operator: --webhook-bind-address: " << s.message() << "\n";
      return 1;
    }
  }

  std::atomic<bool> stopping{false};
  auto start_manager = [&] {
    LogMessage(LogLevel::kInfo, "operator") << "starting controllers as " << options.identity;
    if (Status s = manager.Start(); !s.ok()) {
      LogMessage(LogLevel::kError, "operator") << s.message();
      exit_code = 1;
      return;
    }
    ready = true;
  };
  std::unique_ptr<kube::LeaderElector> elector;
  if (BoolFlag(flags, "leader-elect")) {
    kube::LeaderElectionConfig election;
    election.lease_namespace = lease_namespace;
    election.lease_name = flags.Get("leader-election-id", "acequia-operator");
    election.identity = options.identity;
    election.lease_duration = DurationFlag(flags, "leader-election-lease-duration", 15000);
    election.renew_deadline = DurationFlag(flags, "leader-election-renew-deadline", 10000);
    election.retry_period = DurationFlag(flags, "leader-election-retry-period", 2000);
    kube::LeaderElector::Callbacks callbacks;
    callbacks.on_started_leading = start_manager;
    callbacks.on_stopped_leading = [&] {
      if (stopping) return;
      // Like controller-runtime: a replica that lost the lease exits and is restarted fresh.
      LogMessage(LogLevel::kError, "operator") << "lost the leader lease; exiting";
      exit_code = 1;
    };
    callbacks.on_new_leader = [](const std::string& leader) {
      LogMessage(LogLevel::kInfo, "operator") << "leader is " << leader;
    };
    elector = std::make_unique<kube::LeaderElector>(**client, election, callbacks);
    ready = true;  // a standby replica is ready: it serves probes and waits for the lease
    elector->Start();
  } else {
    start_manager();
  }

  const timespec tick{0, 200 * 1000 * 1000};
  while (exit_code < 0) {
    int signal = sigtimedwait(&signals, nullptr, &tick);
    if (signal == SIGTERM || signal == SIGINT) {
      LogMessage(LogLevel::kInfo, "operator") << "signal " << signal << ": shutting down";
      exit_code = 0;
    }
  }
  stopping = true;
  manager.Stop();
  if (elector) elector->Stop();  // releases the lease so a standby takes over at once
  if (webhooks) webhooks->Stop();
  if (health_server) health_server->Stop();
  if (metrics_server) metrics_server->Stop();
  return exit_code;
}

}  // namespace

int RunOperatorCommand(const std::vector<std::string>& args, std::ostream& out,
                       std::ostream& err) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h" || args[0] == "help")) {
    out << kUsage;
    return 0;
  }
  try {
    Flags flags = ParseFlags(args);
    if (flags.Has("log-level")) {
      LogLevel level;
      if (!ParseLogLevel(flags.Get("log-level"), &level)) {
        throw UsageError("--log-level needs debug, info, warn or error");
      }
      SetLogLevel(level);
    }
    if (flags.command == "version") {
      out << "acequia-operator " << kVersion << "\n";
      return 0;
    }
    if (flags.command == "render") return Render(flags, out, err);
    if (flags.command == "run") {
      if (!flags.positional.empty()) throw UsageError("run takes no arguments");
      return Run(flags, err);
    }
    throw UsageError("unknown command \"" + flags.command + "\"");
  } catch (const UsageError& e) {
    err << "acequia-operator: " << e.what() << "\n\n" << kUsage;
    return 2;
  }
}

}  // namespace acequia::operator_cli
