#include "tests/operator/controllers/support/fake_kubelet.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "operator/kube/resources.h"

extern char** environ;

namespace acequia::testing {
namespace {

namespace fs = std::filesystem;
namespace resources = ::acequia::kube::resources;

constexpr const char* kIndexKey = "batch.kubernetes.io/job-completion-index";
constexpr size_t kMaxTerminationMessage = 4096;

std::string Now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  (void)std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

const Json& Field(const Json& object, const char* key) {
  static const Json kEmpty = Json::object();
  auto it = object.find(key);
  return it != object.end() && it->is_object() ? *it : kEmpty;
}

std::string Base64Decode(const std::string& text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  int buffer = 0, bits = 0;
  for (char c : text) {
    const int v = value(c);
    if (v < 0) continue;  // padding, line breaks
    buffer = (buffer << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return out;
}

// "0-2,4" for {0, 1, 2, 4}, as the Job controller writes completedIndexes.
std::string IndexRanges(const std::set<int>& indexes) {
  std::string out;
  for (auto it = indexes.begin(); it != indexes.end();) {
    int first = *it, last = *it;
    for (++it; it != indexes.end() && *it == last + 1; ++it) last = *it;
    if (!out.empty()) out += ",";
    out += std::to_string(first);
    if (last > first) out += "-" + std::to_string(last);
  }
  return out;
}

// metav1.MicroTime: "2006-01-02T15:04:05.000000Z".
std::string MicroNow() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() %
      1000000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  (void)std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char fraction[16];
  (void)std::snprintf(fraction, sizeof fraction, ".%06dZ", static_cast<int>(micros));
  return std::string(buf) + fraction;
}

bool IsPathChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
         c == '/' || c == '~';
}

using Mounts = std::vector<std::pair<std::string, std::string>>;  // pod path → host path

// Rewrites every pod path in `text` that starts a path and names a mount (or lies under one) to
// its host path, in one pass (longest mount first; replaced text is not scanned again).
std::string MapPaths(const std::string& text, const Mounts& mounts) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    bool replaced = false;
    if (i == 0 || !IsPathChar(text[i - 1])) {
      for (const auto& [from, to] : mounts) {
        if (text.compare(i, from.size(), from) != 0) continue;
        const size_t end = i + from.size();
        if (end == text.size() || text[end] == '/' || !IsPathChar(text[end])) {
          out += to;
          i = end;
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out += text[i++];
  }
  return out;
}

// $(VAR) → the value of VAR when defined; $$ → $ (Kubernetes' expansion rules).
std::string Expand(const std::string& text, const std::map<std::string, std::string>& vars) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '(') {
      const size_t close = text.find(')', i + 2);
      if (close != std::string::npos) {
        auto it = vars.find(text.substr(i + 2, close - i - 2));
        if (it != vars.end()) {
          out += it->second;
          i = close;
          continue;
        }
      }
    }
    out += text[i];
  }
  return out;
}

// metadata.name, metadata.namespace, metadata.labels['k'], metadata.annotations['k'].
std::string FieldRef(const Json& pod, const std::string& path) {
  const Json& meta = Field(pod, "metadata");
  if (path == "metadata.name") return meta.value("name", "");
  if (path == "metadata.namespace") return meta.value("namespace", "");
  for (const char* map : {"labels", "annotations"}) {
    const std::string prefix = std::string("metadata.") + map + "['";
    if (path.rfind(prefix, 0) == 0 && path.size() > prefix.size() + 2) {
      const std::string key = path.substr(prefix.size(), path.size() - prefix.size() - 2);
      return Field(meta, map).value(key, "");
    }
  }
  return "";
}

std::string ReadUpTo(const std::string& path, size_t limit) {
  std::ifstream in(path, std::ios::binary);
  std::string text(limit, '\0');
  in.read(text.data(), static_cast<std::streamsize>(limit));
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

// Runs argv with exactly `env`, stdout/stderr to files; the exit code (128 + signal).
int Spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
          const std::string& out_file, const std::string& err_file) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_file.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_file.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> env_strings;
  env_strings.reserve(env.size());
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> args, envp;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return 127;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool Finished(const Json& job) {
  for (const auto& c : Field(job, "status").value("conditions", Json::array())) {
    const std::string type = c.value("type", "");
    if ((type == "Complete" || type == "Failed") && c.value("status", "") == "True") return true;
  }
  return false;
}

}  // namespace

FakeKubelet::FakeKubelet(::acequia::kube::KubeClient& client, FakeKubeletOptions options)
    : client_(client), options_(std::move(options)) {}

FakeKubelet::~FakeKubelet() { Stop(); }

void FakeKubelet::Start() {
  ::acequia::kube::InformerOptions informer_options;
  informer_options.ns = options_.ns;
  informer_ =
      std::make_unique<::acequia::kube::Informer>(client_, resources::kJobs, informer_options);
  informer_->AddHandlers({[this](const Json& job) { OnJob(job); },
                          [this](const Json&, const Json& job) { OnJob(job); }, nullptr});
  informer_->Start();
}

void FakeKubelet::Stop() {
  stopping_ = true;
  if (informer_) informer_->Stop();
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
}

void FakeKubelet::FailIndex(const std::string& job_name_suffix, int index,
                            const std::string& termination_message) {
  std::lock_guard<std::mutex> lock(mu_);
  failures_.push_back({job_name_suffix, index, termination_message});
}

std::string FakeKubelet::ClaimDir(const std::string& claim) const {
  auto it = options_.claims.find(claim);
  return it != options_.claims.end() ? it->second : options_.work_dir + "/claims/" + claim;
}

void FakeKubelet::OnJob(const Json& job) {
  if (stopping_ || Finished(job)) return;
  const std::string uid = Field(job, "metadata").value("uid", "");
  std::lock_guard<std::mutex> lock(mu_);
  if (!seen_.insert(uid).second) return;
  threads_.emplace_back(&FakeKubelet::RunJob, this, job);
}

std::optional<std::string> FakeKubelet::InjectedFailure(const std::string& job_name, int index) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& f : failures_) {
    if (f.index == index && job_name.size() >= f.suffix.size() &&
        job_name.compare(job_name.size() - f.suffix.size(), f.suffix.size(), f.suffix) == 0) {
      return f.message;
    }
  }
  return std::nullopt;
}

bool FakeKubelet::JobGone(const Json& job) {
  const Json& meta = Field(job, "metadata");
  auto current = client_.Get(resources::kJobs, meta.value("namespace", ""), meta.value("name", ""));
  if (!current.ok()) return true;
  const Json& now = Field(*current, "metadata");
  return now.value("uid", "") != meta.value("uid", "") || now.contains("deletionTimestamp");
}

void FakeKubelet::WriteJobStatus(Json& job, const Json& status) {
  const Json& meta = Field(job, "metadata");
  auto written = ::acequia::kube::RetryOnConflict([&]() -> Result<Json> {
    auto current =
        client_.Get(resources::kJobs, meta.value("namespace", ""), meta.value("name", ""));
    if (!current.ok()) return current.status();
    (*current)["status"] = status;
    return client_.UpdateStatus(resources::kJobs, *current);
  });
  if (written.ok()) job = *written;
}

void FakeKubelet::RunJob(Json job) {
  const Json& spec = Field(job, "spec");
  const bool indexed = spec.value("completionMode", "NonIndexed") == "Indexed";
  const int completions = spec.value("completions", 1);
  const int parallelism = std::max(1, std::min(spec.value("parallelism", 1), completions));
  const int backoff_limit = spec.value("backoffLimit", 6);
  const int per_index =
      spec.contains("backoffLimitPerIndex") ? spec.value("backoffLimitPerIndex", 0) : backoff_limit;
  const int max_failed_indexes = spec.value("maxFailedIndexes", completions);

  std::mutex mu;  // guards the counters below and the Job status writes
  Json status = {{"startTime", Now()}, {"active", 0}, {"succeeded", 0}, {"failed", 0}};
  std::set<int> completed, failed_indexes;
  int next_index = 0;
  bool give_up = false;
  WriteJobStatus(job, status);

  auto write_progress = [&] {
    status["completedIndexes"] = IndexRanges(completed);
    if (indexed && !failed_indexes.empty()) status["failedIndexes"] = IndexRanges(failed_indexes);
    if (!indexed) status.erase("completedIndexes");
    WriteJobStatus(job, status);
  };
  auto worker = [&] {
    while (true) {
      int index;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (give_up || next_index >= completions || stopping_) return;
        index = indexed ? next_index : 0;
        ++next_index;
      }
      const int limit = indexed ? per_index : backoff_limit;
      bool ok = false;
      for (int attempt = 0; attempt <= limit && !ok; ++attempt) {
        {
          std::lock_guard<std::mutex> lock(mu);
          if (give_up || stopping_) return;
          status["active"] = status.value("active", 0) + 1;
        }
        ok = RunPod(job, index, attempt, indexed);
        std::lock_guard<std::mutex> lock(mu);
        status["active"] = status.value("active", 1) - 1;
        status[ok ? "succeeded" : "failed"] = status.value(ok ? "succeeded" : "failed", 0) + 1;
        if (ok) completed.insert(index);
        write_progress();
        if (!ok && JobGone(job)) {
          give_up = true;
          return;
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      if (!ok) {
        failed_indexes.insert(index);
        if (!indexed || static_cast<int>(failed_indexes.size()) > max_failed_indexes) {
          give_up = true;
        }
      }
    }
  };
  const int workers = indexed ? parallelism : 1;
  std::vector<std::thread> pool;
  pool.reserve(workers);
  for (int i = 0; i < workers; ++i) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  if (stopping_ || JobGone(job)) return;

  const bool failed = !failed_indexes.empty() || static_cast<int>(completed.size()) < completions;
  std::string reason = "Completed";
  if (failed) {
    reason = !indexed ? "BackoffLimitExceeded"
             : static_cast<int>(failed_indexes.size()) > max_failed_indexes
                 ? "MaxFailedIndexesExceeded"
                 : "FailedIndexes";
  }
  status["active"] = 0;
  const std::string now = Now();
  status["conditions"] = Json::array({{{"type", failed ? "Failed" : "Complete"},
                                       {"status", "True"},
                                       {"reason", reason},
                                       {"lastProbeTime", now},
                                       {"lastTransitionTime", now}}});
  if (!failed) status["completionTime"] = now;
  write_progress();
}

bool FakeKubelet::RunPod(const Json& job, int index, int attempt, bool indexed) {
  if (stopping_ || JobGone(job)) return false;
  const Json& meta = Field(job, "metadata");
  const Json& template_ = Field(Field(job, "spec"), "template");
  const std::string ns = meta.value("namespace", "");
  const std::string job_name = meta.value("name", "");
  const std::string pod_name =
      job_name + "-" + std::to_string(index) + "-" + std::to_string(attempt);

  Json labels = Field(template_, "metadata").value("labels", Json::object());
  Json annotations = Field(template_, "metadata").value("annotations", Json::object());
  labels["job-name"] = job_name;
  labels["batch.kubernetes.io/job-name"] = job_name;
  labels["controller-uid"] = meta.value("uid", "");
  if (indexed) {
    labels[kIndexKey] = std::to_string(index);
    annotations[kIndexKey] = std::to_string(index);
  }
  Json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata",
               {{"name", pod_name},
                {"namespace", ns},
                {"labels", labels},
                {"annotations", annotations},
                {"ownerReferences",
                 {{{"apiVersion", "batch/v1"},
                   {"kind", "Job"},
                   {"name", job_name},
                   {"uid", meta.value("uid", "")},
                   {"controller", true},
                   {"blockOwnerDeletion", true}}}}}},
              {"spec", Field(template_, "spec")}};
  auto created = client_.Create(resources::kPods, pod);
  if (!created.ok()) return false;
  pod = *created;
  const Json containers = Field(pod, "spec").value("containers", Json::array());
  // Scheduled; the kubelet sets the pod up (volumes, sandbox) before any container starts.
  Json waiting = Json::array();
  for (const auto& c : containers) {
    waiting.push_back({{"name", c.value("name", "")},
                       {"image", c.value("image", "")},
                       {"imageID", ""},
                       {"ready", false},
                       {"started", false},
                       {"restartCount", 0},
                       {"state", {{"waiting", {{"reason", "ContainerCreating"}}}}}});
  }
  pod["status"] = {
      {"phase", "Pending"},
      {"conditions",
       {{{"type", "PodScheduled"}, {"status", "True"}, {"lastTransitionTime", Now()}}}},
      {"containerStatuses", waiting}};
  if (auto pending = client_.UpdateStatus(resources::kPods, pod); pending.ok()) pod = *pending;
  if (!MountVolumes(job, pod)) return false;
  const std::string started = Now();
  pod["status"] = {{"phase", "Running"}, {"startTime", started}};
  if (auto running = client_.UpdateStatus(resources::kPods, pod); running.ok()) pod = *running;

  const std::string pod_dir = options_.work_dir + "/pods/" + ns + "/" + pod_name;
  fs::create_directories(pod_dir);
  Outcome outcome{1, "Error", "pod has no containers"};
  std::string container_name;
  if (!containers.empty()) {
    container_name = containers[0].value("name", "");
    if (auto injected = InjectedFailure(job_name, index)) {
      outcome = {1, "Error", *injected};
    } else {
      outcome = RunContainer(pod, containers[0], pod_dir);
    }
  }
  ++pods_run_;
  pod["status"] = {{"phase", outcome.exit_code == 0 ? "Succeeded" : "Failed"},
                   {"startTime", started},
                   {"containerStatuses",
                    {{{"name", container_name},
                      {"image", containers.empty() ? "" : containers[0].value("image", "")},
                      {"ready", false},
                      {"restartCount", 0},
                      {"state",
                       {{"terminated",
                         {{"exitCode", outcome.exit_code},
                          {"reason", outcome.reason},
                          {"message", outcome.message},
                          {"startedAt", started},
                          {"finishedAt", Now()}}}}}}}}};
  // A pod deleted meanwhile (its Job went) keeps no status: nothing to report then.
  (void)::acequia::kube::RetryOnConflict([&]() -> Result<Json> {
    auto current = client_.Get(resources::kPods, ns, pod_name);
    if (!current.ok()) return current.status();
    (*current)["status"] = pod["status"];
    return client_.UpdateStatus(resources::kPods, *current);
  });
  return outcome.exit_code == 0;
}

bool FakeKubelet::MountVolumes(const Json& job, const Json& pod) {
  const Json& meta = Field(pod, "metadata");
  const std::string ns = meta.value("namespace", "");
  std::string event_name;
  int count = 0;
  while (true) {
    std::string failure;
    for (const auto& volume : Field(pod, "spec").value("volumes", Json::array())) {
      const bool secret = volume.contains("secret");
      if (!secret && !volume.contains("configMap")) continue;
      const Json& source = volume[secret ? "secret" : "configMap"];
      if (source.value("optional", false)) continue;
      const std::string object_name = source.value(secret ? "secretName" : "name", "");
      auto object =
          client_.Get(secret ? resources::kSecrets : resources::kConfigMaps, ns, object_name);
      if (!object.ok() && ::acequia::kube::IsNotFound(object.status())) {
        failure = "MountVolume.SetUp failed for volume \"" + volume.value("name", "") +
                  "\" : " + (secret ? "secret" : "configmap") + " \"" + object_name +
                  "\" not found";
        break;
      }
    }
    if (failure.empty()) return true;
    if (stopping_ || JobGone(job)) return false;
    auto current = client_.Get(resources::kPods, ns, meta.value("name", ""));
    if (!current.ok() || Field(*current, "metadata").value("uid", "") != meta.value("uid", "")) {
      return false;  // deleted meanwhile
    }
    PostFailedMount(pod, failure, event_name, count);
    const auto until = std::chrono::steady_clock::now() + options_.mount_retry_interval;
    while (!stopping_ && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

void FakeKubelet::PostFailedMount(const Json& pod, const std::string& note, std::string& event_name,
                                  int& count) {
  const Json& meta = Field(pod, "metadata");
  const std::string ns = meta.value("namespace", "");
  if (!event_name.empty()) {
    const Json patch = {{"series", {{"count", count + 1}, {"lastObservedTime", MicroNow()}}}};
    if (client_.MergePatch(resources::kEvents, ns, event_name, patch).ok()) {
      ++count;
      return;
    }
  }
  std::ostringstream name;
  name << meta.value("name", "") << "." << std::hex
       << std::chrono::duration_cast<std::chrono::nanoseconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count();
  const Json event = {{"apiVersion", "events.k8s.io/v1"},
                      {"kind", "Event"},
                      {"metadata", {{"name", name.str()}, {"namespace", ns}}},
                      {"eventTime", MicroNow()},
                      {"reportingController", "kubelet"},
                      {"reportingInstance", "fake-kubelet"},
                      {"action", "MountVolume"},
                      {"reason", "FailedMount"},
                      {"type", "Warning"},
                      {"note", note},
                      {"regarding",
                       {{"apiVersion", "v1"},
                        {"kind", "Pod"},
                        {"namespace", ns},
                        {"name", meta.value("name", "")},
                        {"uid", meta.value("uid", "")},
                        {"resourceVersion", meta.value("resourceVersion", "")}}}};
  if (client_.Create(resources::kEvents, event).ok()) {
    event_name = name.str();
    count = 1;
  }
}

FakeKubelet::Outcome FakeKubelet::RunContainer(const Json& pod, const Json& container,
                                               const std::string& pod_dir) {
  const std::string ns = Field(pod, "metadata").value("namespace", "");
  const std::string image = container.value("image", "");
  auto program = options_.programs.find(image);
  if (program == options_.programs.end()) {
    return {1, "ErrImagePull", "the fake kubelet has no program for image " + image};
  }

  // Volumes → host directories; ConfigMap and Secret contents are read now.
  std::map<std::string, std::string> volume_dirs;
  std::map<std::string, std::map<std::string, std::string>> volume_files;
  std::set<std::string> config_volumes;
  for (const auto& volume : Field(pod, "spec").value("volumes", Json::array())) {
    const std::string name = volume.value("name", "");
    std::string dir = pod_dir + "/volumes/" + name;
    if (volume.contains("persistentVolumeClaim")) {
      dir = ClaimDir(volume["persistentVolumeClaim"].value("claimName", ""));
    } else if (volume.contains("configMap") || volume.contains("secret")) {
      const bool secret = volume.contains("secret");
      const Json& source = volume[secret ? "secret" : "configMap"];
      const std::string object_name = source.value(secret ? "secretName" : "name", "");
      auto object =
          client_.Get(secret ? resources::kSecrets : resources::kConfigMaps, ns, object_name);
      if (!object.ok()) {
        return {1, "ContainerCreating",
                std::string(secret ? "secret " : "configmap ") + object_name + " not found"};
      }
      std::map<std::string, std::string> data;
      const Json encoded = object->value("data", Json::object());
      for (const auto& [k, v] : encoded.items()) {
        data[k] = secret ? Base64Decode(v.get<std::string>()) : v.get<std::string>();
      }
      const Json plain = object->value("stringData", Json::object());
      for (const auto& [k, v] : plain.items()) {
        data[k] = v.get<std::string>();
      }
      auto& files = volume_files[name];
      if (source.contains("items")) {
        for (const auto& item : source["items"])
          files[item.value("path", "")] = data[item.value("key", "")];
      } else {
        files = data;
      }
      if (!secret) config_volumes.insert(name);
    }
    fs::create_directories(dir);
    volume_dirs[name] = dir;
  }
  Mounts mounts;
  for (const auto& mount : container.value("volumeMounts", Json::array())) {
    std::string dir = volume_dirs[mount.value("name", "")];
    if (mount.contains("subPath")) dir += "/" + mount.value("subPath", "");
    mounts.emplace_back(mount.value("mountPath", ""), dir);
  }
  const std::string termination_path =
      container.value("terminationMessagePath", std::string("/dev/termination-log"));
  const std::string termination_file = pod_dir + "/termination-log";
  std::ofstream(termination_file, std::ios::trunc).close();
  mounts.emplace_back(termination_path, termination_file);
  std::sort(mounts.begin(), mounts.end(),
            [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  for (const auto& [name, files] : volume_files) {
    for (const auto& [path, content] : files) {
      const std::string file = volume_dirs[name] + "/" + path;
      fs::create_directories(fs::path(file).parent_path());
      std::ofstream(file, std::ios::binary | std::ios::trunc)
          << (config_volumes.count(name) ? MapPaths(content, mounts) : content);
    }
  }

  // Environment: the test's process environment, the options' additions, the container's own.
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    const size_t eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& [k, v] : options_.env) env[k] = v;
  std::map<std::string, std::string> container_env;
  for (const auto& var : container.value("env", Json::array())) {
    std::string value;
    if (var.contains("value")) {
      value = Expand(var.value("value", ""), container_env);
    } else if (var.contains("valueFrom")) {
      const Json& from = var["valueFrom"];
      if (from.contains("fieldRef")) {
        value = FieldRef(pod, from["fieldRef"].value("fieldPath", ""));
      } else if (from.contains("secretKeyRef") || from.contains("configMapKeyRef")) {
        const bool secret = from.contains("secretKeyRef");
        const Json& ref = from[secret ? "secretKeyRef" : "configMapKeyRef"];
        auto object = client_.Get(secret ? resources::kSecrets : resources::kConfigMaps, ns,
                                  ref.value("name", ""));
        if (object.ok()) {
          value = object->value("data", Json::object()).value(ref.value("key", ""), "");
          if (secret) value = Base64Decode(value);
        }
      }
    }
    container_env[var.value("name", "")] = MapPaths(value, mounts);
  }
  for (const auto& [k, v] : container_env) env[k] = v;

  std::vector<std::string> argv = {program->second};
  const Json command = container.value("command", Json::array());
  for (size_t i = 1; i < command.size(); ++i) {
    argv.push_back(MapPaths(Expand(command[i].get<std::string>(), container_env), mounts));
  }
  for (const auto& arg : container.value("args", Json::array())) {
    argv.push_back(MapPaths(Expand(arg.get<std::string>(), container_env), mounts));
  }
  const int exit_code = Spawn(argv, env, pod_dir + "/stdout", pod_dir + "/stderr");
  std::string message = ReadUpTo(termination_file, kMaxTerminationMessage);
  if (message.empty() && exit_code != 0 &&
      container.value("terminationMessagePolicy", "") == "FallbackToLogsOnError") {
    message = ReadUpTo(pod_dir + "/stderr", kMaxTerminationMessage);
  }
  return {exit_code, exit_code == 0 ? "Completed" : "Error", message};
}

}  // namespace acequia::testing
