#include "operator/kube/informer.h"

#include <set>

#include "common/logging.h"

namespace acequia::kube {
namespace {

std::string Meta(const Json& object, const char* field) {
  auto m = object.find("metadata");
  if (m == object.end() || !m->is_object()) return "";
  auto it = m->find(field);
  return it != m->end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

std::string ObjectKey(const Json& object) {
  std::string ns = Meta(object, "namespace");
  return ns.empty() ? Meta(object, "name") : ns + "/" + Meta(object, "name");
}

std::optional<Json> ObjectCache::Get(const std::string& key) const {
  std::shared_lock lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return std::nullopt;
  return it->second;
}

std::vector<Json> ObjectCache::List(const LabelSelector& selector, const std::string& ns) const {
  std::shared_lock lock(mu_);
  std::vector<Json> out;
  // Keys are "namespace/name", so one namespace is one contiguous range of the map.
  auto it = ns.empty() ? objects_.begin() : objects_.lower_bound(ns + "/");
  for (; it != objects_.end(); ++it) {
    if (!ns.empty() && it->first.compare(0, ns.size() + 1, ns + "/") != 0) break;
    const Json& object = it->second;
    static const Json kNoLabels;
    const Json* labels = &kNoLabels;
    if (auto m = object.find("metadata"); m != object.end() && m->is_object()) {
      if (auto l = m->find("labels"); l != m->end()) labels = &*l;
    }
    if (!selector.empty() && !selector.Matches(*labels)) continue;
    out.push_back(object);
  }
  return out;
}

std::vector<Json> ObjectCache::ListOwnedBy(const std::string& owner_uid) const {
  std::shared_lock lock(mu_);
  std::vector<Json> out;
  auto owned = by_owner_.find(owner_uid);
  if (owned == by_owner_.end()) return out;
  for (const auto& key : owned->second) {
    if (auto it = objects_.find(key); it != objects_.end()) out.push_back(it->second);
  }
  return out;
}

namespace {

std::string ControllerUid(const Json& object) {
  auto m = object.find("metadata");
  if (m == object.end() || !m->is_object()) return "";
  auto refs = m->find("ownerReferences");
  if (refs == m->end() || !refs->is_array()) return "";
  for (const auto& ref : *refs) {
    if (ref.value("controller", false)) return ref.value("uid", "");
  }
  return "";
}

}  // namespace

void ObjectCache::PutLocked(const std::string& key, Json object) {
  auto it = objects_.find(key);
  if (it != objects_.end()) {
    const std::string old_owner = ControllerUid(it->second);
    if (!old_owner.empty()) by_owner_[old_owner].erase(key);
  }
  const std::string owner = ControllerUid(object);
  if (!owner.empty()) by_owner_[owner].insert(key);
  objects_[key] = std::move(object);
}

void ObjectCache::EraseLocked(const std::string& key) {
  auto it = objects_.find(key);
  if (it == objects_.end()) return;
  const std::string owner = ControllerUid(it->second);
  if (!owner.empty()) {
    auto owned = by_owner_.find(owner);
    owned->second.erase(key);
    if (owned->second.empty()) by_owner_.erase(owned);
  }
  objects_.erase(it);
}

size_t ObjectCache::size() const {
  std::shared_lock lock(mu_);
  return objects_.size();
}

Informer::Informer(KubeClient& client, ResourceType type, InformerOptions options)
    : client_(client), type_(std::move(type)), options_(std::move(options)) {}

Informer::~Informer() { Stop(); }

void Informer::AddHandlers(Handlers handlers) { handlers_.push_back(std::move(handlers)); }

void Informer::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void Informer::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    if (stream_) stream_->Cancel();
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

bool Informer::WaitForSync(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!synced_) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

std::string Informer::last_resource_version() const {
  std::lock_guard lock(mu_);
  return resource_version_;
}

bool Informer::Sleep(std::chrono::milliseconds duration) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, duration, [this] { return stopping_; });
}

void StripManagedFields(Json& object) {
  auto meta = object.find("metadata");
  if (meta != object.end() && meta->is_object()) meta->erase("managedFields");
}

void Informer::Replace(const std::vector<Json>& items) {
  std::map<std::string, Json> fresh;
  for (const auto& item : items) fresh[ObjectKey(item)] = item;
  std::vector<Json> added, deleted;
  std::vector<std::pair<Json, Json>> updated;
  {
    std::unique_lock lock(cache_.mu_);
    for (const auto& [key, object] : cache_.objects_) {
      if (!fresh.count(key)) deleted.push_back(object);
    }
    for (const auto& [key, object] : fresh) {
      auto it = cache_.objects_.find(key);
      if (it == cache_.objects_.end()) {
        added.push_back(object);
      } else if (Meta(it->second, "resourceVersion") != Meta(object, "resourceVersion")) {
        updated.emplace_back(it->second, object);
      }
    }
    cache_.objects_.clear();
    cache_.by_owner_.clear();
    for (auto& [key, object] : fresh) cache_.PutLocked(key, object);
  }
  for (const auto& h : handlers_) {
    for (const auto& o : deleted) {
      if (h.on_delete) h.on_delete(o);
    }
    for (const auto& o : added) {
      if (h.on_add) h.on_add(o);
    }
    for (const auto& [a, b] : updated) {
      if (h.on_update) h.on_update(a, b);
    }
  }
}

void Informer::Upsert(const Json& object) {
  std::optional<Json> old;
  {
    std::unique_lock lock(cache_.mu_);
    const std::string key = ObjectKey(object);
    if (auto it = cache_.objects_.find(key); it != cache_.objects_.end()) old = it->second;
    cache_.PutLocked(key, object);
  }
  for (const auto& h : handlers_) {
    if (old && h.on_update) h.on_update(*old, object);
    if (!old && h.on_add) h.on_add(object);
  }
}

void Informer::Erase(const Json& object) {
  {
    std::unique_lock lock(cache_.mu_);
    cache_.EraseLocked(ObjectKey(object));
  }
  for (const auto& h : handlers_) {
    if (h.on_delete) h.on_delete(object);
  }
}

void Informer::Run() {
  const std::string scope = "informer/" + type_.resource;
  auto backoff = options_.initial_backoff;
  auto fail = [&](const Status& s, const char* what) {
    LogMessage(LogLevel::kWarn, scope)
        << what << " failed: " << s.message() << "; retrying in " << backoff.count() << " ms";
    bool ok = Sleep(backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
    return ok;
  };
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    auto list = client_.List(type_, options_.ns, {options_.label_selector, ""});
    if (!list.ok()) {
      if (!fail(list.status(), "list")) return;
      continue;
    }
    ++lists_;
    std::vector<Json> items;
    for (const auto& item : list->value("items", Json::array())) {
      Json object = item;
      object["apiVersion"] = type_.ApiVersion();  // list items may omit them
      object["kind"] = type_.kind;
      if (options_.transform) options_.transform(object);
      items.push_back(std::move(object));
    }
    Replace(items);
    std::string rv = list->value("/metadata/resourceVersion"_json_pointer, std::string());
    {
      std::lock_guard lock(mu_);
      resource_version_ = rv;
    }
    synced_ = true;
    backoff = options_.initial_backoff;

    bool relist = false;
    while (!relist) {
      WatchOptions watch_options;
      watch_options.resource_version = rv;
      watch_options.label_selector = options_.label_selector;
      watch_options.allow_bookmarks = true;
      watch_options.timeout_seconds = options_.watch_timeout_seconds;
      auto stream = client_.Watch(type_, options_.ns, watch_options);
      if (!stream.ok()) {
        if (IsGone(stream.status())) break;
        if (!fail(stream.status(), "watch")) return;
        continue;
      }
      ++watches_;
      {
        std::lock_guard lock(mu_);
        if (stopping_) return;
        stream_ = stream->get();
      }
      Status broken;
      while (true) {
        auto event = (*stream)->Next();
        if (!event.ok()) {
          broken = event.status();
          break;
        }
        if (!event->has_value()) break;  // the server ended the watch: resume from rv
        WatchEvent& e = **event;
        if (options_.transform && e.type != "BOOKMARK") options_.transform(e.object);
        std::string event_rv = Meta(e.object, "resourceVersion");
        if (e.type == "ADDED" || e.type == "MODIFIED") {
          Upsert(e.object);
        } else if (e.type == "DELETED") {
          Erase(e.object);
        }
        if (!event_rv.empty()) {
          rv = event_rv;
          std::lock_guard lock(mu_);
          resource_version_ = rv;
        }
        backoff = options_.initial_backoff;
      }
      {
        std::lock_guard lock(mu_);
        stream_ = nullptr;
        if (stopping_) return;
      }
      stream->reset();
      if (broken.ok()) continue;
      if (IsGone(broken)) {
        LogMessage(LogLevel::kInfo, scope) << "watch from " << rv << " expired; listing again";
        relist = true;
      } else if (!fail(broken, "watch stream")) {
        return;
      }
    }
  }
}

}  // namespace acequia::kube
