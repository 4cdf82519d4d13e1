// Informer: keeps a local cache of one resource (optionally one namespace and a label
// selector) in step with the API server the way client-go's reflector does: list, then watch
// from the list's resourceVersion with bookmarks; when the server ends the watch, watch again
// from the last version seen; on errors back off exponentially; on 410 Gone list again and
// report the difference to the handlers (adds, updates, deletes of what changed meanwhile).
// Threading: one background thread per informer runs the list/watch loop and calls the
// handlers in event order; the cache is safe to read from any thread. Handlers must not block
// for long (put keys on a WorkQueue). The client must outlive the informer.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "operator/kube/kube_client.h"
#include "operator/kube/label_selector.h"

namespace acequia::kube {

// "namespace/name", or "name" for cluster-scoped objects (client-go's MetaNamespaceKeyFunc).
std::string ObjectKey(const Json& object);

class ObjectCache {
 public:
  std::optional<Json> Get(const std::string& key) const;
  // Objects in `ns` (every namespace when empty) whose labels match `selector`, by key.
  std::vector<Json> List(const LabelSelector& selector = {}, const std::string& ns = "") const;
  // Objects whose controller ownerReference has `owner_uid` (an index, like controller-runtime's
  // owner field index): a controller finds its children without scanning the cache.
  std::vector<Json> ListOwnedBy(const std::string& owner_uid) const;
  size_t size() const;

 private:
  friend class Informer;
  // Under mu_ (exclusive). They keep the owner index in step with objects_.
  void PutLocked(const std::string& key, Json object);
  void EraseLocked(const std::string& key);

  mutable std::shared_mutex mu_;
  std::map<std::string, Json> objects_;
  std::map<std::string, std::set<std::string>> by_owner_;  // controller owner uid → keys
};

// Removes metadata.managedFields (client-go's TransformStripManagedFields).
void StripManagedFields(Json& object);

struct InformerOptions {
  std::string ns;  // empty: all namespaces
  std::string label_selector;
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{30000};
  int watch_timeout_seconds = 300;
  // Applied to every object before it is cached and handed to the handlers, like client-go's
  // cache TransformFunc; by default it drops metadata.managedFields, which nothing reads from
  // a cache and which is often the largest part of an object.
  std::function<void(Json&)> transform = StripManagedFields;
};

class Informer {
 public:
  struct Handlers {
    std::function<void(const Json&)> on_add;
    std::function<void(const Json& old_object, const Json& new_object)> on_update;
    std::function<void(const Json&)> on_delete;
  };

  Informer(KubeClient& client, ResourceType type, InformerOptions options = {});
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  void AddHandlers(Handlers handlers);  // before Start()
  void Start();
  void Stop();
  bool HasSynced() const { return synced_; }
  bool WaitForSync(std::chrono::milliseconds timeout);
  const ObjectCache& cache() const { return cache_; }
  const ResourceType& type() const { return type_; }

  // For tests and metrics: how many lists and watches were started.
  int lists() const { return lists_; }
  int watches() const { return watches_; }
  std::string last_resource_version() const;

 private:
  void Run();
  bool Sleep(std::chrono::milliseconds duration);  // false when stopping
  void Replace(const std::vector<Json>& items);
  void Upsert(const Json& object);
  void Erase(const Json& object);

  KubeClient& client_;
  const ResourceType type_;
  const InformerOptions options_;
  std::vector<Handlers> handlers_;
  ObjectCache cache_;
  std::thread thread_;
  std::atomic<bool> synced_{false};
  std::atomic<int> lists_{0};
  std::atomic<int> watches_{0};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  WatchStream* stream_ = nullptr;  // the open watch, cancelled by Stop()
  std::string resource_version_;
};

}  // namespace acequia::kube
