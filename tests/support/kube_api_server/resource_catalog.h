// What the Kubernetes API test server serves: the built-in kinds it knows and the custom
// resources registered from CustomResourceDefinition files (apiextensions.k8s.io/v1), with the
// discovery documents (/api, /apis, /api/v1, /apis/<group>/<version>) built from them.
// Threading: filled before the server starts (or under the server's lock), then read-only.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace acequia::testing::kube {

using Json = nlohmann::json;

struct ResourceInfo {
  std::string group;     // "" for core
  std::string version;   // served version (one entry per version)
  std::string resource;  // plural
  std::string singular;
  std::string kind;
  std::string list_kind;
  bool namespaced = true;
  bool status_subresource = false;
  bool custom = false;  // from a CRD: merge patch only, no strategic merge patch
  bool storage_version = true;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  Json printer_columns = Json::array();  // a CRD version's additionalPrinterColumns
  Json schema;                           // a CRD version's openAPIV3Schema (defaults)
  // Objects are stored once per group/resource, whatever version they were written in.
  std::string StorageKey() const { return group + "/" + resource; }
  std::string ApiVersion() const { return group.empty() ? version : group + "/" + version; }
};

class ResourceCatalog {
 public:
  ResourceCatalog();  // the built-in kinds

  // Registers every served version of a CRD object.
  Status AddCrd(const Json& crd);
  // Loads every *.yaml / *.yml / *.json CRD file in `dir`.
  Status LoadCrdDir(const std::string& dir);

  const ResourceInfo* Find(const std::string& group, const std::string& version,
                           const std::string& resource) const;
  // Any version of group/resource (for garbage collection and storage lookups).
  const ResourceInfo* FindAnyVersion(const std::string& storage_key) const;
  std::vector<const ResourceInfo*> All() const;
  bool HasGroupVersion(const std::string& group, const std::string& version) const;

  Json CoreVersions(const std::string& server_address) const;  // GET /api
  Json GroupList() const;                                      // GET /apis
  std::optional<Json> Group(const std::string& group) const;   // GET /apis/<group>
  std::optional<Json> ResourceList(const std::string& group, const std::string& version) const;

 private:
  void Add(ResourceInfo info);
  std::vector<ResourceInfo> resources_;
  std::vector<std::string> group_order_;
};

}  // namespace acequia::testing::kube
