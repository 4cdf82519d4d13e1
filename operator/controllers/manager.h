// Manager: what every controller of acequia-operator shares — the Kubernetes client, one set of
// informers per resource type (one informer per watched namespace, or one for all), the Events
// recorder, the operator settings and the metrics registry — and the controllers themselves,
// started once the caches have synced, the way controller-runtime's manager does.
// Threading: Watch/AddController before Start(); the accessors are thread-safe afterwards.
#pragma once

#include <prometheus/registry.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "operator/kube/controller.h"
#include "operator/kube/event_recorder.h"
#include "operator/kube/informer.h"
#include "operator/kube/kube_client.h"
#include "operator/render/settings.h"

namespace acequia::controllers {

using Json = nlohmann::json;

struct ManagerOptions {
  std::vector<std::string> namespaces;  // empty: every namespace
  int max_concurrent_reconciles = 4;
  render::OperatorSettings settings;
  std::string identity = "acequia-operator";  // Events' reportingInstance
  std::chrono::milliseconds cache_sync_timeout{60000};
  // How long an ImportJob's pod may stay Pending (ContainerCreating) before the controller looks
  // for Warning Events about it (--import-pod-stuck-after; importjob_decision.h).
  std::chrono::milliseconds import_pod_stuck_after{60000};
  // The wall clock controllers read (ImportJob schedules); tests may replace it.
  std::function<std::chrono::system_clock::time_point()> now = [] {
    return std::chrono::system_clock::now();
  };
};

class Manager {
 public:
  Manager(kube::KubeClient& client, ManagerOptions options,
          std::shared_ptr<prometheus::Registry> registry);
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  kube::KubeClient& client() { return client_; }
  const ManagerOptions& options() const { return options_; }
  const render::OperatorSettings& settings() const { return options_.settings; }
  kube::EventRecorder& events() { return events_; }
  std::shared_ptr<prometheus::Registry> registry() { return registry_; }
  std::chrono::system_clock::time_point Now() const { return options_.now(); }

  // Starts watching `type` (in the watched namespaces) and calls the handlers on changes.
  // Several calls for one type share the informers (the first call's label selector, e.g.
  // "app.kubernetes.io/managed-by=acequia-operator" for Pods, decides what is cached).
  // Before Start().
  // `transform` (also decided by the first call) trims what the cache keeps of each object,
  // after managedFields are dropped: a controller that only needs metadata and status should
  // not hold every pod template in memory.
  void Watch(const kube::ResourceType& type, kube::Informer::Handlers handlers,
             const std::string& label_selector = "",
             std::function<void(Json&)> transform = nullptr);
  // Reads from the informers' caches (the type must be watched).
  std::optional<Json> Cached(const kube::ResourceType& type, const std::string& ns,
                             const std::string& name) const;
  std::vector<Json> CachedList(const kube::ResourceType& type, const std::string& ns,
                               const kube::LabelSelector& selector = {}) const;
  // The cached objects of `type` whose controller owner has `owner_uid` (indexed).
  std::vector<Json> CachedOwnedBy(const kube::ResourceType& type, const std::string& owner_uid) const;

  // A controller named `name` with max_concurrent_reconciles workers. Before Start().
  kube::Controller& AddController(const std::string& name, kube::Controller::Reconciler reconciler);

  // Handlers that put the watched object's own key on `controller`'s queue.
  static kube::Informer::Handlers EnqueueObject(kube::Controller& controller);
  // Handlers that put the key of the object's controller owner of kind `owner_kind` on the queue.
  static kube::Informer::Handlers EnqueueOwner(kube::Controller& controller,
                                               const std::string& owner_kind);

  // Starts the informers, waits until every cache has synced, then starts the controllers.
  Status Start();
  void Stop();

 private:
  kube::KubeClient& client_;
  ManagerOptions options_;
  std::shared_ptr<prometheus::Registry> registry_;
  kube::EventRecorder events_;
  // "group/resource" → informers (one per namespace, or one for all)
  std::map<std::string, std::vector<std::unique_ptr<kube::Informer>>> informers_;
  std::vector<std::unique_ptr<kube::Controller>> controllers_;
  bool started_ = false;
};

// The controllers, each registering its watches and its kube::Controller on the manager.
Status SetupFlowController(Manager& manager);
Status SetupImportJobController(Manager& manager);

}  // namespace acequia::controllers
