// YAML ↔ JSON for Kubernetes manifests: YAML documents become nlohmann::json values the way
// sigs.k8s.io/yaml does it (YAML 1.2 core schema for plain scalars; quoted scalars stay strings).
// Pure functions; thread-safe.
#pragma once

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace acequia::kube {

using Json = nlohmann::json;

Json YamlToJson(const YAML::Node& node);
// One document, YAML or JSON (JSON is YAML). An empty document is an error.
Result<Json> ParseYamlOrJson(std::string_view text);
// Every non-empty document of a multi-document stream ("---" separated).
Result<std::vector<Json>> ParseYamlDocuments(std::string_view text);
// Block-style YAML for a JSON value; strings that would read back as another type are quoted.
std::string JsonToYaml(const Json& value);

}  // namespace acequia::kube
