#include "tests/support/kube_api_server/resource_catalog.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "operator/kube/yaml_json.h"

namespace acequia::testing::kube {

ResourceCatalog::ResourceCatalog() {
  auto add = [this](std::string group, std::string version, std::string resource,
                    std::string singular, std::string kind, bool namespaced, bool status,
                    std::vector<std::string> short_names) {
    ResourceInfo info;
    info.group = std::move(group);
    info.version = std::move(version);
    info.resource = std::move(resource);
    info.singular = std::move(singular);
    info.kind = kind;
    info.list_kind = kind + "List";
    info.namespaced = namespaced;
    info.status_subresource = status;
    info.short_names = std::move(short_names);
    Add(std::move(info));
  };
  add("", "v1", "namespaces", "namespace", "Namespace", false, true, {"ns"});
  add("", "v1", "configmaps", "configmap", "ConfigMap", true, false, {"cm"});
  add("", "v1", "secrets", "secret", "Secret", true, false, {});
  add("", "v1", "services", "service", "Service", true, true, {"svc"});
  add("", "v1", "pods", "pod", "Pod", true, true, {"po"});
  add("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, false, {"sa"});
  add("", "v1", "events", "event", "Event", true, false, {"ev"});
  add("apps", "v1", "deployments", "deployment", "Deployment", true, true, {"deploy"});
  add("apps", "v1", "statefulsets", "statefulset", "StatefulSet", true, true, {"sts"});
  add("batch", "v1", "jobs", "job", "Job", true, true, {});
  add("coordination.k8s.io", "v1", "leases", "lease", "Lease", true, false, {});
  add("events.k8s.io", "v1", "events", "event", "Event", true, false, {"ev"});
  add("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations",
      "mutatingwebhookconfiguration", "MutatingWebhookConfiguration", false, false, {});
  add("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations",
      "validatingwebhookconfiguration", "ValidatingWebhookConfiguration", false, false, {});
}

void ResourceCatalog::Add(ResourceInfo info) {
  if (!info.group.empty() &&
      std::find(group_order_.begin(), group_order_.end(), info.group) == group_order_.end()) {
    group_order_.push_back(info.group);
  }
  for (auto& existing : resources_) {
    if (existing.group == info.group && existing.version == info.version &&
        existing.resource == info.resource) {
      existing = std::move(info);
      return;
    }
  }
  resources_.push_back(std::move(info));
}

Status ResourceCatalog::AddCrd(const Json& crd) {
  if (crd.value("kind", "") != "CustomResourceDefinition") {
    return Status::InvalidArgument("not a CustomResourceDefinition: kind " +
                                   crd.value("kind", std::string("<none>")));
  }
  const Json& spec = crd.value("spec", Json::object());
  const Json& names = spec.value("names", Json::object());
  std::string group = spec.value("group", "");
  std::string plural = names.value("plural", "");
  if (group.empty() || plural.empty() || names.value("kind", "").empty()) {
    return Status::InvalidArgument("CRD needs spec.group, spec.names.plural and spec.names.kind");
  }
  if (crd.value("/metadata/name"_json_pointer, std::string()) != plural + "." + group) {
    return Status::InvalidArgument("CRD metadata.name must be " + plural + "." + group);
  }
  for (const auto& v : spec.value("versions", Json::array())) {
    if (!v.value("served", true)) continue;
    ResourceInfo info;
    info.group = group;
    info.version = v.value("name", "");
    info.resource = plural;
    info.singular = names.value("singular", "");
    if (info.singular.empty()) {
      info.singular = names.value("kind", "");
      std::transform(info.singular.begin(), info.singular.end(), info.singular.begin(), ::tolower);
    }
    info.kind = names.value("kind", "");
    info.list_kind = names.value("listKind", info.kind + "List");
    info.namespaced = spec.value("scope", "Namespaced") == "Namespaced";
    info.status_subresource = v.contains("/subresources/status"_json_pointer);
    info.custom = true;
    info.storage_version = v.value("storage", false);
    for (const auto& s : names.value("shortNames", Json::array())) info.short_names.push_back(s);
    for (const auto& c : names.value("categories", Json::array())) info.categories.push_back(c);
    info.printer_columns = v.value("additionalPrinterColumns", Json::array());
    info.schema = v.value("/schema/openAPIV3Schema"_json_pointer, Json());
    Add(std::move(info));
  }
  return Status::Ok();
}

Status ResourceCatalog::LoadCrdDir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::NotFound("CRD directory " + dir + " not found");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    auto ext = entry.path().extension().string();
    if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml" || ext == ".json")) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    auto docs = acequia::kube::ParseYamlDocuments(text.str());
    if (!docs.ok()) return docs.status().Annotate(file.string());
    for (const auto& doc : *docs) {
      if (auto s = AddCrd(doc); !s.ok()) return s.Annotate(file.string());
    }
  }
  return Status::Ok();
}

const ResourceInfo* ResourceCatalog::Find(const std::string& group, const std::string& version,
                                          const std::string& resource) const {
  for (const auto& r : resources_) {
    if (r.group == group && r.version == version && r.resource == resource) return &r;
  }
  return nullptr;
}

const ResourceInfo* ResourceCatalog::FindAnyVersion(const std::string& storage_key) const {
  const ResourceInfo* found = nullptr;
  for (const auto& r : resources_) {
    if (r.StorageKey() != storage_key) continue;
    if (!found || r.storage_version) found = &r;
  }
  return found;
}

std::vector<const ResourceInfo*> ResourceCatalog::All() const {
  std::vector<const ResourceInfo*> out;
  for (const auto& r : resources_) out.push_back(&r);
  return out;
}

bool ResourceCatalog::HasGroupVersion(const std::string& group, const std::string& version) const {
  return std::any_of(resources_.begin(), resources_.end(),
                     [&](const auto& r) { return r.group == group && r.version == version; });
}

Json ResourceCatalog::CoreVersions(const std::string& server_address) const {
  return {{"kind", "APIVersions"},
          {"versions", {"v1"}},
          {"serverAddressByClientCIDRs",
           {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}}}};
}

std::optional<Json> ResourceCatalog::Group(const std::string& group) const {
  std::vector<std::string> versions;
  std::string preferred;
  for (const auto& r : resources_) {
    if (r.group != group) continue;
    if (std::find(versions.begin(), versions.end(), r.version) == versions.end()) {
      versions.push_back(r.version);
    }
    if (r.storage_version && preferred.empty()) preferred = r.version;
  }
  if (versions.empty()) return std::nullopt;
  if (preferred.empty()) preferred = versions.front();
  Json out = {{"kind", "APIGroup"}, {"apiVersion", "v1"}, {"name", group}};
  out["versions"] = Json::array();
  for (const auto& v : versions) {
    out["versions"].push_back({{"groupVersion", group + "/" + v}, {"version", v}});
  }
  out["preferredVersion"] = {{"groupVersion", group + "/" + preferred}, {"version", preferred}};
  return out;
}

Json ResourceCatalog::GroupList() const {
  Json out = {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", Json::array()}};
  for (const auto& g : group_order_) {
    auto group = Group(g);
    if (!group) continue;
    group->erase("kind");
    group->erase("apiVersion");
    out["groups"].push_back(*group);
  }
  return out;
}

std::optional<Json> ResourceCatalog::ResourceList(const std::string& group,
                                                  const std::string& version) const {
  if (!HasGroupVersion(group, version)) return std::nullopt;
  Json list = {{"kind", "APIResourceList"},
               {"apiVersion", "v1"},
               {"groupVersion", group.empty() ? version : group + "/" + version},
               {"resources", Json::array()}};
  for (const auto& r : resources_) {
    if (r.group != group || r.version != version) continue;
    Json entry = {
        {"name", r.resource},
        {"singularName", r.singular},
        {"namespaced", r.namespaced},
        {"kind", r.kind},
        {"verbs",
         {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}}};
    if (!r.short_names.empty()) entry["shortNames"] = r.short_names;
    if (!r.categories.empty()) entry["categories"] = r.categories;
    list["resources"].push_back(entry);
    if (r.status_subresource) {
      list["resources"].push_back({{"name", r.resource + "/status"},
                                   {"singularName", ""},
                                   {"namespaced", r.namespaced},
                                   {"kind", r.kind},
                                   {"verbs", {"get", "patch", "update"}}});
    }
  }
  return list;
}

}  // namespace acequia::testing::kube
