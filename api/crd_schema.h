// The CustomResourceDefinitions of Flow and ImportJob (apiextensions.k8s.io/v1), built from the
// same tables the validators read: a Flow component's properties come from api/catalog.cc, the
// spec's own fields and defaults from api/flow.h. crds/*.yaml are this code's output
// (`make crds`); tests/tools/crd_schema_test.cc fails when they drift.
//
// What the schema can say and what it leaves to the C++ validator:
//  - structural: every field typed; unknown fields rejected by strict field validation;
//  - per component type: `type` is an enum of the catalogue; the properties of all types of one
//    kind are merged into one object schema (a property that two types declare with different
//    shapes is left untyped), and CEL rules reject properties the chosen type does not take and
//    require the ones it needs, with the same words as api/flow.cc;
//  - cross-field rules (wiring, unique names and ports, capacities) are CEL rules on the spec;
//  - left to the validator (the operator reports them as Ready=False, reason InvalidSpec): size
//    ranges (sizes are quantities, "64Mi"), per-type ranges when two types disagree, and the
//    selector's `optional` channels.
// Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace acequia::api {

// The whole CRD object, in the order it is written.
nlohmann::ordered_json FlowCrd();
nlohmann::ordered_json ImportJobCrd();

// YAML text of one CRD, with a header saying where it comes from.
std::string CrdYaml(const nlohmann::ordered_json& crd);

struct CrdFile {
  std::string file_name;  // "flows.acequia.io.yaml"
  std::string yaml;
};

// Every CRD of the project, as crds/ holds them.
std::vector<CrdFile> GeneratedCrds();

}  // namespace acequia::api
