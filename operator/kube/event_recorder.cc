#include "operator/kube/event_recorder.h"

#include <sstream>

#include "operator/kube/leader_elector.h"

namespace acequia::kube {
namespace {

constexpr auto kSeriesWindow = std::chrono::minutes(6);

std::string Meta(const Json& object, const char* field) {
  return object.value("/metadata"_json_pointer, Json::object()).value(field, "");
}

}  // namespace

EventRecorder::EventRecorder(KubeClient& client, std::string controller, std::string instance)
    : client_(client), controller_(std::move(controller)), instance_(std::move(instance)) {}

Status EventRecorder::Record(const Json& regarding, const std::string& type,
                             const std::string& reason, const std::string& action,
                             const std::string& note) {
  const std::string ns =
      Meta(regarding, "namespace").empty() ? "default" : Meta(regarding, "namespace");
  const std::string key = Meta(regarding, "uid") + "|" + regarding.value("kind", "") + "|" + ns +
                          "|" + Meta(regarding, "name") + "|" + type + "|" + reason + "|" + action +
                          "|" + note;
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  auto it = seen_.find(key);
  if (it != seen_.end() && now - it->second.last < kSeriesWindow) {
    Seen& s = it->second;
    Json patch = {{"series", {{"count", s.count + 1}, {"lastObservedTime", MicroTimeNow()}}}};
    auto patched = client_.MergePatch(resources::kEvents, s.ns, s.name, patch, false);
    if (patched.ok()) {
      ++s.count;
      s.last = now;
      return Status::Ok();
    }
    if (!IsNotFound(patched.status())) return patched.status();
    seen_.erase(it);  // the Event expired on the server: start a new one
  }
  for (auto i = seen_.begin(); i != seen_.end();) {
    i = now - i->second.last >= kSeriesWindow ? seen_.erase(i) : std::next(i);
  }
  std::ostringstream name;
  name << Meta(regarding, "name") << "." << std::hex
       << std::chrono::duration_cast<std::chrono::nanoseconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count();
  Json ref = {{"apiVersion", regarding.value("apiVersion", "")},
              {"kind", regarding.value("kind", "")},
              {"name", Meta(regarding, "name")}};
  if (!Meta(regarding, "namespace").empty()) ref["namespace"] = Meta(regarding, "namespace");
  if (!Meta(regarding, "uid").empty()) ref["uid"] = Meta(regarding, "uid");
  if (!Meta(regarding, "resourceVersion").empty()) {
    ref["resourceVersion"] = Meta(regarding, "resourceVersion");
  }
  Json event = {{"metadata", {{"name", name.str()}, {"namespace", ns}}},
                {"eventTime", MicroTimeNow()},
                {"reportingController", controller_},
                {"reportingInstance", instance_},
                {"action", action},
                {"reason", reason},
                {"type", type},
                {"note", note.substr(0, 1024)},
                {"regarding", ref}};
  auto created = client_.Create(resources::kEvents, event);
  if (!created.ok()) return created.status();
  seen_[key] = {ns, name.str(), 1, now};
  return Status::Ok();
}

}  // namespace acequia::kube
