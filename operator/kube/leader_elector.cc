#include "operator/kube/leader_elector.h"

#include <ctime>
#include <random>

#include "common/logging.h"

namespace acequia::kube {

std::string MicroTimeNow() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()) %
                std::chrono::seconds(1);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[64];
  std::snprintf(out, sizeof out, "%s.%06lldZ", buf, static_cast<long long>(micros.count()));
  return out;
}

LeaderElector::LeaderElector(KubeClient& client, LeaderElectionConfig config, Callbacks callbacks)
    : client_(client), config_(std::move(config)), callbacks_(std::move(callbacks)) {}

LeaderElector::~LeaderElector() { Stop(); }

void LeaderElector::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void LeaderElector::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

bool LeaderElector::Sleep(std::chrono::milliseconds duration) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, duration, [this] { return stopping_; });
}

bool LeaderElector::TryAcquireOrRenew() {
  const std::string now = MicroTimeNow();
  const int duration_seconds = static_cast<int>(std::max<int64_t>(
      1, std::chrono::duration_cast<std::chrono::seconds>(config_.lease_duration +
                                                          std::chrono::milliseconds(999))
             .count()));
  auto lease = client_.Get(resources::kLeases, config_.lease_namespace, config_.lease_name);
  if (!lease.ok()) {
    if (!IsNotFound(lease.status())) return false;
    Json fresh = {
        {"metadata", {{"name", config_.lease_name}, {"namespace", config_.lease_namespace}}},
        {"spec",
         {{"holderIdentity", config_.identity},
          {"leaseDurationSeconds", duration_seconds},
          {"acquireTime", now},
          {"renewTime", now},
          {"leaseTransitions", 0}}}};
    auto created = client_.Create(resources::kLeases, fresh);
    if (!created.ok()) return false;
    observed_spec_ = (*created)["spec"];
    observed_at_ = std::chrono::steady_clock::now();
    return true;
  }
  Json spec = lease->value("spec", Json::object());
  if (spec != observed_spec_) {
    observed_spec_ = spec;
    observed_at_ = std::chrono::steady_clock::now();
  }
  const std::string holder = spec.value("holderIdentity", "");
  if (holder != last_leader_) {
    last_leader_ = holder;
    if (!holder.empty() && callbacks_.on_new_leader) callbacks_.on_new_leader(holder);
  }
  // The holder's own lease duration counts, not ours (client-go reads leaseDurationSeconds).
  const auto valid_for = std::chrono::seconds(spec.value("leaseDurationSeconds", 0));
  if (!holder.empty() && holder != config_.identity &&
      std::chrono::steady_clock::now() < observed_at_ + valid_for) {
    return false;
  }
  Json updated = *lease;
  Json& s = updated["spec"];
  if (holder != config_.identity) {
    s["acquireTime"] = now;
    s["leaseTransitions"] = spec.value("leaseTransitions", 0) + 1;
  }
  s["holderIdentity"] = config_.identity;
  s["leaseDurationSeconds"] = duration_seconds;
  s["renewTime"] = now;
  auto written = client_.Update(resources::kLeases, updated);  // 409 if someone wrote first
  if (!written.ok()) return false;
  observed_spec_ = (*written)["spec"];
  observed_at_ = std::chrono::steady_clock::now();
  return true;
}

void LeaderElector::Release() {
  auto lease = client_.Get(resources::kLeases, config_.lease_namespace, config_.lease_name);
  if (!lease.ok() ||
      lease->value("/spec/holderIdentity"_json_pointer, std::string()) != config_.identity) {
    return;
  }
  Json updated = *lease;
  const std::string now = MicroTimeNow();
  updated["spec"]["holderIdentity"] = "";
  updated["spec"]["leaseDurationSeconds"] = 1;
  updated["spec"]["renewTime"] = now;
  updated["spec"]["acquireTime"] = now;
  (void)client_.Update(resources::kLeases, updated);
}

void LeaderElector::Run() {
  const std::string scope = "leader-election";
  std::mt19937 rng{std::random_device{}()};
  // Acquire: try every retryPeriod, with jitter so candidates do not move in lock step.
  while (true) {
    if (TryAcquireOrRenew()) break;
    std::uniform_int_distribution<int64_t> jitter(0, config_.retry_period.count() / 5);
    if (!Sleep(config_.retry_period + std::chrono::milliseconds(jitter(rng)))) return;
  }
  leader_ = true;
  LogMessage(LogLevel::kInfo, scope) << config_.identity << " acquired lease "
                                     << config_.lease_namespace << "/" << config_.lease_name;
  if (callbacks_.on_started_leading) callbacks_.on_started_leading();
  // Renew: every retryPeriod; leadership is lost when no renewal succeeded for renewDeadline.
  auto last_renew = std::chrono::steady_clock::now();
  bool stopped = false;
  while (true) {
    if (!Sleep(config_.retry_period)) {
      stopped = true;
      break;
    }
    if (TryAcquireOrRenew()) {
      last_renew = std::chrono::steady_clock::now();
    } else if (std::chrono::steady_clock::now() - last_renew >= config_.renew_deadline) {
      LogMessage(LogLevel::kWarn, scope) << config_.identity << " lost the lease";
      break;
    }
  }
  leader_ = false;
  if (callbacks_.on_stopped_leading) callbacks_.on_stopped_leading();
  if (stopped && config_.release_on_stop) Release();
}

}  // namespace acequia::kube
