// The Kubernetes resources Acequia reads and writes, by group/version/resource, with the kind
// and scope the REST paths and request bodies need. Constants; thread-safe.
#pragma once

#include <string>

namespace acequia::kube {

struct ResourceType {
  std::string group;  // "" for the core group
  std::string version;
  std::string resource;  // plural, lower case
  std::string kind;
  bool namespaced = true;

  std::string ApiVersion() const { return group.empty() ? version : group + "/" + version; }
  // "/api/v1/namespaces/ns/configmaps/name/status"; empty parts are left out.
  std::string Path(const std::string& ns = "", const std::string& name = "",
                   const std::string& subresource = "") const {
    std::string p = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
    if (namespaced && !ns.empty()) p += "/namespaces/" + ns;
    p += "/" + resource;
    if (!name.empty()) p += "/" + name;
    if (!subresource.empty()) p += "/" + subresource;
    return p;
  }
  bool operator==(const ResourceType&) const = default;
};

namespace resources {
inline const ResourceType kNamespaces{"", "v1", "namespaces", "Namespace", false};
inline const ResourceType kConfigMaps{"", "v1", "configmaps", "ConfigMap"};
inline const ResourceType kSecrets{"", "v1", "secrets", "Secret"};
inline const ResourceType kServices{"", "v1", "services", "Service"};
inline const ResourceType kPods{"", "v1", "pods", "Pod"};
inline const ResourceType kServiceAccounts{"", "v1", "serviceaccounts", "ServiceAccount"};
inline const ResourceType kCoreEvents{"", "v1", "events", "Event"};
inline const ResourceType kDeployments{"apps", "v1", "deployments", "Deployment"};
inline const ResourceType kStatefulSets{"apps", "v1", "statefulsets", "StatefulSet"};
inline const ResourceType kJobs{"batch", "v1", "jobs", "Job"};
inline const ResourceType kLeases{"coordination.k8s.io", "v1", "leases", "Lease"};
inline const ResourceType kEvents{"events.k8s.io", "v1", "events", "Event"};
inline const ResourceType kFlows{"acequia.io", "v1alpha1", "flows", "Flow"};
inline const ResourceType kImportJobs{"acequia.io", "v1alpha1", "importjobs", "ImportJob"};
inline const ResourceType kPodMonitors{"monitoring.coreos.com", "v1", "podmonitors", "PodMonitor"};
}  // namespace resources

}  // namespace acequia::kube
