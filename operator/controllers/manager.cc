#include "operator/controllers/manager.h"

#include "common/logging.h"

namespace acequia::controllers {
namespace {

std::string TypeKey(const kube::ResourceType& type) { return type.group + "/" + type.resource; }

}  // namespace

Manager::Manager(kube::KubeClient& client, ManagerOptions options,
                 std::shared_ptr<prometheus::Registry> registry)
    : client_(client),
      options_(std::move(options)),
      registry_(std::move(registry)),
      events_(client, "acequia-operator", options_.identity) {}

Manager::~Manager() { Stop(); }

void Manager::Watch(const kube::ResourceType& type, kube::Informer::Handlers handlers,
                    const std::string& label_selector, std::function<void(Json&)> transform) {
  auto& informers = informers_[TypeKey(type)];
  if (informers.empty()) {
    std::vector<std::string> namespaces = options_.namespaces;
    if (namespaces.empty() || !type.namespaced) namespaces = {""};
    for (const auto& ns : namespaces) {
      kube::InformerOptions informer_options;
      informer_options.ns = ns;
      informer_options.label_selector = label_selector;
      if (transform) {
        informer_options.transform = [transform](Json& object) {
          kube::StripManagedFields(object);
          transform(object);
        };
      }
      informers.push_back(std::make_unique<kube::Informer>(client_, type, informer_options));
    }
  }
  for (auto& informer : informers) informer->AddHandlers(handlers);
}

std::optional<Json> Manager::Cached(const kube::ResourceType& type, const std::string& ns,
                                    const std::string& name) const {
  auto it = informers_.find(TypeKey(type));
  if (it == informers_.end()) return std::nullopt;
  const std::string key = type.namespaced ? ns + "/" + name : name;
  for (const auto& informer : it->second) {
    if (auto object = informer->cache().Get(key)) return object;
  }
  return std::nullopt;
}

std::vector<Json> Manager::CachedList(const kube::ResourceType& type, const std::string& ns,
                                      const kube::LabelSelector& selector) const {
  std::vector<Json> out;
  auto it = informers_.find(TypeKey(type));
  if (it == informers_.end()) return out;
  for (const auto& informer : it->second) {
    auto items = informer->cache().List(selector, ns);
    out.insert(out.end(), std::make_move_iterator(items.begin()),
               std::make_move_iterator(items.end()));
  }
  return out;
}

std::vector<Json> Manager::CachedOwnedBy(const kube::ResourceType& type,
                                         const std::string& owner_uid) const {
  std::vector<Json> out;
  auto it = informers_.find(TypeKey(type));
  if (it == informers_.end()) return out;
  for (const auto& informer : it->second) {
    auto items = informer->cache().ListOwnedBy(owner_uid);
    out.insert(out.end(), std::make_move_iterator(items.begin()),
               std::make_move_iterator(items.end()));
  }
  return out;
}

kube::Controller& Manager::AddController(const std::string& name,
                                         kube::Controller::Reconciler reconciler) {
  controllers_.push_back(std::make_unique<kube::Controller>(
      name, std::move(reconciler), registry_, std::max(1, options_.max_concurrent_reconciles)));
  return *controllers_.back();
}

kube::Informer::Handlers Manager::EnqueueObject(kube::Controller& controller) {
  kube::WorkQueue* queue = &controller.queue();
  auto add = [queue](const Json& object) { queue->Add(kube::ObjectKey(object)); };
  return {add, [add](const Json&, const Json& object) { add(object); }, add};
}

kube::Informer::Handlers Manager::EnqueueOwner(kube::Controller& controller,
                                               const std::string& owner_kind) {
  kube::WorkQueue* queue = &controller.queue();
  auto add = [queue, owner_kind](const Json& object) {
    const Json& meta = object.value("metadata", Json::object());
    for (const auto& ref : meta.value("ownerReferences", Json::array())) {
      if (ref.value("kind", "") != owner_kind || !ref.value("controller", false)) continue;
      const std::string ns = meta.value("namespace", "");
      queue->Add(ns.empty() ? ref.value("name", "") : ns + "/" + ref.value("name", ""));
    }
  };
  return {add, [add](const Json& old_object, const Json& object) {
            add(object);
            // An owner that changed (adoption, release) hears about it too.
            if (old_object.value("metadata", Json::object()).value("ownerReferences", Json()) !=
                object.value("metadata", Json::object()).value("ownerReferences", Json())) {
              add(old_object);
            }
          },
          add};
}

Status Manager::Start() {
  if (started_) return Status::Ok();
  started_ = true;
  for (auto& [type, informers] : informers_) {
    for (auto& informer : informers) informer->Start();
  }
  const auto deadline = std::chrono::steady_clock::now() + options_.cache_sync_timeout;
  for (auto& [type, informers] : informers_) {
    for (auto& informer : informers) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (!informer->WaitForSync(std::max(left, std::chrono::milliseconds(1)))) {
        return Status::DeadlineExceeded("caches did not sync: " + type + " informer after " +
                                        std::to_string(options_.cache_sync_timeout.count()) +
                                        " ms");
      }
    }
  }
  LogMessage(LogLevel::kInfo, "manager") << "caches synced; starting " << controllers_.size()
                                         << " controllers";
  for (auto& controller : controllers_) controller->Start();
  return Status::Ok();
}

void Manager::Stop() {
  if (!started_) return;
  started_ = false;
  for (auto& controller : controllers_) controller->Stop();
  for (auto& [type, informers] : informers_) {
    for (auto& informer : informers) informer->Stop();
  }
}

}  // namespace acequia::controllers
