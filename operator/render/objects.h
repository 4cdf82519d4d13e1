// Pieces every rendered object shares: the recommended labels, the controller ownerReference,
// metadata, and a stable content hash. Pure functions; thread-safe.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace acequia::render {

using Json = nlohmann::json;

inline constexpr const char* kFieldManager = "acequia-operator";
inline constexpr const char* kManagedBy = "acequia-operator";
// Label on every child: the owning Flow's or ImportJob's name (selectors, kubectl get -l).
inline constexpr const char* kFlowLabel = "acequia.io/flow";
inline constexpr const char* kImportJobLabel = "acequia.io/importjob";
inline constexpr const char* kRunLabel = "acequia.io/run";
inline constexpr const char* kPhaseLabel = "acequia.io/phase";
// Pod template annotations.
inline constexpr const char* kConfigHashAnnotation = "acequia.io/config-hash";
inline constexpr const char* kRestartHashAnnotation = "acequia.io/restart-hash";

// app.kubernetes.io/{name,instance,component,managed-by,part-of} for a child of `owner_name`.
// name = "acequia-agent" | "acequia-import", component = "collector", "plan", "run", …
std::map<std::string, std::string> StandardLabels(const std::string& app_name,
                                                  const std::string& owner_name,
                                                  const std::string& component);

// {apiVersion, kind, name, uid, controller: true, blockOwnerDeletion: true} of `owner` (the
// Flow or ImportJob object as read from the API server).
Json ControllerReference(const Json& owner);

// metadata for a child: name, namespace (the owner's), labels, ownerReferences.
Json ChildMetadata(const Json& owner, const std::string& name,
                   const std::map<std::string, std::string>& labels);

// Hex SHA-256 of `text` (OpenSSL), first `length` characters.
std::string ContentHash(const std::string& text, size_t length = 16);

// A DNS-1123 name "<base>-<suffix>" cut to `max` characters: when it is too long, the base is
// shortened and a hash of the full name keeps it unique.
std::string ChildName(const std::string& base, const std::string& suffix, size_t max = 63);

}  // namespace acequia::render
