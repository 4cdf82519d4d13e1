// Injecting a sidecar Flow's agent into pods (see pod_injector.h).
#include "operator/webhook/pod_injector.h"

#include <algorithm>
#include <map>
#include <set>

#include "api/flow.h"
#include "operator/kube/resources.h"
#include "operator/render/flow_render.h"
#include "operator/webhook/resource_validator.h"

namespace acequia::webhook {
namespace {

// RFC 6901: "~" → "~0", "/" → "~1".
std::string Escape(const std::string& token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

Json Add(const std::string& path, Json value) {
  return {{"op", "add"}, {"path", path}, {"value", std::move(value)}};
}

bool HasContainerNamed(const Json& containers, const std::string& name) {
  if (!containers.is_array()) return false;
  return std::any_of(containers.begin(), containers.end(),
                     [&](const Json& c) { return c.value("name", "") == name; });
}

std::string Label(const Json& pod, const std::string& key) {
  const Json labels = pod.value("metadata", Json::object()).value("labels", Json::object());
  return labels.is_object() ? labels.value(key, "") : "";
}

bool IsSidecarFlow(const Json& flow) {
  return flow.value("spec", Json::object()).value("mode", "") == "sidecar";
}

// A Flow whose spec.inject.selector.matchLabels (non-empty) all appear on the pod.
bool Selects(const Json& flow, const Json& pod) {
  const Json match = flow.value("spec", Json::object())
                         .value("inject", Json::object())
                         .value("selector", Json::object())
                         .value("matchLabels", Json::object());
  if (!match.is_object() || match.empty()) return false;
  const Json labels = pod.value("metadata", Json::object()).value("labels", Json::object());
  if (!labels.is_object()) return false;
  for (const auto& [key, value] : match.items()) {
    if (!labels.contains(key) || labels[key] != value) return false;
  }
  return true;
}

}  // namespace

Result<std::vector<Json>> ApiFlowLister::ListFlows(const std::string& ns) {
  auto list = client_.List(kube::resources::kFlows, ns);
  if (!list.ok()) return list.status();
  std::vector<Json> flows;
  for (const auto& item : list->value("items", Json::array())) flows.push_back(item);
  return flows;
}

bool AlreadyInjected(const Json& pod) {
  const Json annotations =
      pod.value("metadata", Json::object()).value("annotations", Json::object());
  if (annotations.is_object() && annotations.contains(kInjectedAnnotation)) return true;
  const Json spec = pod.value("spec", Json::object());
  return HasContainerNamed(spec.value("initContainers", Json()), render::kAgentContainerName) ||
         HasContainerNamed(spec.value("containers", Json()), render::kAgentContainerName);
}

Json SidecarPatch(const Json& pod, const Json& snippet, const std::string& flow_name) {
  Json patch = Json::array();
  const Json spec = pod.value("spec", Json::object());
  const Json containers = spec.value("containers", Json::array());
  const Json app_mounts = snippet.value("volumeMounts", Json::array());

  // A volume the application already mounts at the log path is the log volume.
  std::map<std::string, std::string> reused;  // snippet volume → the pod's volume
  for (const auto& mount : app_mounts) {
    for (const auto& container : containers) {
      for (const auto& existing : container.value("volumeMounts", Json::array())) {
        if (existing.value("mountPath", "") == mount.value("mountPath", "") &&
            !reused.count(mount.value("name", ""))) {
          reused[mount.value("name", "")] = existing.value("name", "");
        }
      }
    }
  }

  Json agent = snippet["initContainers"][0];
  for (auto& mount : agent["volumeMounts"]) {
    if (auto it = reused.find(mount.value("name", "")); it != reused.end())
      mount["name"] = it->second;
  }

  // Volumes.
  std::set<std::string> pod_volumes;
  for (const auto& v : spec.value("volumes", Json::array()))
    pod_volumes.insert(v.value("name", ""));
  Json volumes = Json::array();
  for (const auto& v : snippet.value("volumes", Json::array())) {
    const std::string name = v.value("name", "");
    if (!reused.count(name) && !pod_volumes.count(name)) volumes.push_back(v);
  }
  if (!volumes.empty()) {
    if (!spec.contains("volumes") || !spec["volumes"].is_array()) {
      patch.push_back(Add("/spec/volumes", volumes));
    } else {
      for (const auto& v : volumes) patch.push_back(Add("/spec/volumes/-", v));
    }
  }

  // The agent first among the init containers: it is up before the others run.
  if (!spec.contains("initContainers") || !spec["initContainers"].is_array()) {
    patch.push_back(Add("/spec/initContainers", Json::array({agent})));
  } else {
    patch.push_back(Add("/spec/initContainers/0", agent));
  }

  // The log volume in every application container that does not mount that path yet.
  for (size_t i = 0; i < containers.size(); ++i) {
    const Json& container = containers[i];
    const Json existing = container.value("volumeMounts", Json::array());
    Json missing = Json::array();
    for (const auto& mount : app_mounts) {
      const bool has = std::any_of(existing.begin(), existing.end(), [&](const Json& m) {
        return m.value("mountPath", "") == mount.value("mountPath", "");
      });
      if (!has) missing.push_back(mount);
    }
    if (missing.empty()) continue;
    const std::string base = "/spec/containers/" + std::to_string(i) + "/volumeMounts";
    if (!container.contains("volumeMounts") || !container["volumeMounts"].is_array()) {
      patch.push_back(Add(base, missing));
    } else {
      for (const auto& m : missing) patch.push_back(Add(base + "/-", m));
    }
  }

  // Annotations: the application's own prometheus.io/* win.
  const Json meta = pod.value("metadata", Json::object());
  const Json current = meta.value("annotations", Json::object());
  bool has_scrape = false;
  if (current.is_object()) {
    for (const auto& [key, value] : current.items())
      has_scrape |= key.rfind("prometheus.io/", 0) == 0;
  }
  Json wanted = Json::object();
  const Json snippet_annotations = snippet.value("annotations", Json::object());
  for (const auto& [key, value] : snippet_annotations.items()) {
    if (has_scrape && key.rfind("prometheus.io/", 0) == 0) continue;
    wanted[key] = value;
  }
  wanted[kInjectedAnnotation] = flow_name;
  if (!meta.contains("annotations") || !meta["annotations"].is_object()) {
    patch.push_back(Add("/metadata/annotations", wanted));
  } else {
    for (const auto& [key, value] : wanted.items()) {
      const std::string path = "/metadata/annotations/" + Escape(key);
      if (current.contains(key)) {
        patch.push_back({{"op", "replace"}, {"path", path}, {"value", value}});
      } else {
        patch.push_back(Add(path, value));
      }
    }
  }
  return patch;
}

AdmissionResponse PodInjector::Review(const AdmissionRequest& request) {
  const Json& pod = request.object;
  if (request.operation != "CREATE" || !pod.is_object())
    return AdmissionResponse::Allow(request.uid);
  if (Label(pod, "app.kubernetes.io/managed-by") == render::kManagedBy) {
    return AdmissionResponse::Allow(request.uid);
  }
  if (AlreadyInjected(pod)) return AdmissionResponse::Allow(request.uid);

  std::string ns = request.ns;
  if (ns.empty()) ns = pod.value("metadata", Json::object()).value("namespace", "");
  const std::string wanted = Label(pod, render::kFlowLabel);

  auto flows = flows_.ListFlows(ns);
  if (!flows.ok()) {
    // An error, not a decision: the failurePolicy of the webhook configuration decides.
    return AdmissionResponse::Error(request.uid, "acequia: listing the Flows of namespace \"" + ns +
                                                     "\": " + flows.status().message());
  }
  std::sort(flows->begin(), flows->end(), [](const Json& a, const Json& b) {
    return a["metadata"].value("name", "") < b["metadata"].value("name", "");
  });

  const Json* flow = nullptr;
  std::vector<std::string> others;
  if (!wanted.empty()) {
    for (const auto& f : *flows) {
      if (f["metadata"].value("name", "") == wanted) flow = &f;
    }
    if (flow == nullptr) {
      return AdmissionResponse::Deny(
          request.uid, 400, "BadRequest",
          "acequia: the pod is labelled " + std::string(render::kFlowLabel) + "=" + wanted +
              " but there is no Flow \"" + wanted + "\" in namespace \"" + ns + "\"");
    }
    if (!IsSidecarFlow(*flow)) {
      return AdmissionResponse::Deny(
          request.uid, 400, "BadRequest",
          "acequia: the pod is labelled " + std::string(render::kFlowLabel) + "=" + wanted +
              " but Flow \"" + wanted + "\" in namespace \"" + ns +
              "\" is not in sidecar mode (spec.mode: " +
              (*flow)["spec"].value("mode", std::string("collector")) + ")");
    }
  } else {
    for (const auto& f : *flows) {
      if (!IsSidecarFlow(f) || !Selects(f, pod)) continue;
      if (flow == nullptr) {
        flow = &f;
      } else {
        others.push_back(f["metadata"].value("name", ""));
      }
    }
    if (flow == nullptr) return AdmissionResponse::Allow(request.uid);
  }

  const std::string name = (*flow)["metadata"].value("name", "");
  auto parsed = api::ParseFlow(ManifestText(*flow, "Flow", ns), name);
  if (!parsed.flow) {
    return AdmissionResponse::Deny(
        request.uid, 400, "BadRequest",
        "acequia: Flow \"" + name + "\" in namespace \"" + ns +
            "\" is invalid, so its agent cannot be injected: " + api::JoinErrors(parsed.errors));
  }
  auto rendered = render::RenderFlow(*flow, *parsed.flow, settings_);
  if (!rendered.ok()) {
    return AdmissionResponse::Deny(
        request.uid, 400, "BadRequest",
        "acequia: Flow \"" + name + "\" in namespace \"" + ns +
            "\" is invalid, so its agent cannot be injected: " + rendered.status().message());
  }
  AdmissionResponse response = AdmissionResponse::Allow(request.uid);
  response.WithPatch(SidecarPatch(pod, rendered->sidecar, name));
  if (!others.empty()) {
    std::string list;
    for (const auto& o : others) list += (list.empty() ? "" : ", ") + o;
    response.WithWarning("acequia: the sidecar Flows " + name + ", " + list + " of namespace " +
                         ns + " all select this pod; only " + name + " was injected");
  }
  return response;
}

}  // namespace acequia::webhook
