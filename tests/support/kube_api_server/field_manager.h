// Patches and field ownership for the Kubernetes API test server:
// - JSON merge patch (RFC 7386) and JSON patch (RFC 6902), exact;
// - strategic merge patch, approximated: merge keys come from a short table of well-known list
//   fields (containers/name, ports/containerPort, volumeMounts/mountPath, …) instead of the Go
//   struct tags, and $patch, $retainKeys, $setElementOrder and $deleteFromPrimitiveList are
//   honoured;
// - server-side apply with metadata.managedFields (FieldsV1): per-manager field sets, conflicts
//   when another manager owns a field whose value would change, force to take fields over,
//   removal of fields a manager applied before and no longer applies (unless someone else owns
//   them). Lists are associative only for the table's fields (custom resources: always atomic,
//   i.e. as if no schema declared x-kubernetes-list-type: map); a real server reads the schema.
// Pure functions over JSON; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace acequia::testing::kube {

using Json = nlohmann::json;

struct FieldScope {
  bool custom = false;              // custom resource: no strategic merge, atomic lists
  bool status_subresource = false;  // the main endpoint ignores status, /status ignores the rest
  bool status_endpoint = false;     // this write came through /status
};

Result<Json> StrategicMergePatch(const Json& original, const Json& patch);

struct ApplyConflict {
  std::string manager;
  std::string field;  // ".spec.replicas"
};

// Server-side apply of `applied` onto `live` (null when the object does not exist yet) for
// `manager`. On success `live` holds the merged object with updated managedFields. When other
// managers own fields the apply would change and `force` is false, returns the conflicts and
// leaves `live` untouched.
std::vector<ApplyConflict> ServerSideApply(Json& live, const Json& applied,
                                           const std::string& manager, bool force,
                                           const FieldScope& scope, const std::string& api_version,
                                           const std::string& now);

// Records a non-apply write (create, update, patch) by `manager` in `updated`'s managedFields:
// the manager takes every field it set or changed; fields that disappeared leave every set.
// `old` is null for a create. `updated` must already carry the old managedFields.
void RecordUpdate(const Json* old, Json& updated, const std::string& manager,
                  const FieldScope& scope, const std::string& api_version, const std::string& now);

}  // namespace acequia::testing::kube
