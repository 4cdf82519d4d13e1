// What reading any resource document (a Flow, an ImportJob) shares: accumulating errors with
// their field paths, reading scalars, checking names, loading YAML text and files with errors
// that say where. Pure functions and a plain value class; thread-compatible.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/field_error.h"
#include "common/status.h"

namespace acequia::api {

inline constexpr std::string_view kApiGroup = "acequia.io";
inline constexpr std::string_view kApiVersion = "acequia.io/v1alpha1";

// Collects every error of a document instead of stopping at the first.
class FieldErrorList {
 public:
  void Error(std::string path, std::string message) {
    errors_.push_back({std::move(path), std::move(message)});
  }
  std::vector<FieldError> Take() { return std::move(errors_); }
  bool clean() const { return errors_.empty(); }

 private:
  std::vector<FieldError> errors_;
};

// "spec.sources" + "port" → "spec.sources.port"; "" + "kind" → "kind".
std::string FieldPath(const std::string& path, std::string_view key);
// "spec.sources" + 2 → "spec.sources[2]".
std::string IndexPath(const std::string& path, size_t index);
std::string Quote(std::string_view text);

// Names are DNS-1123 labels: they become Kubernetes object names, ports and metric labels.
bool IsDnsLabel(const std::string& name);

// The scalar at map[key]; nullopt when it is absent or null (an error when `required`) or not a
// scalar (an error).
std::optional<std::string> ScalarField(const YAML::Node& map, std::string_view key,
                                       const std::string& path, FieldErrorList& errors,
                                       bool required);

// The envelope of a resource: a whole manifest (apiVersion, kind, metadata, spec) or just its
// spec. `name` starts as the caller's default and takes metadata.name when given.
struct Envelope {
  std::string name;
  std::string namespace_name;
  YAML::Node spec;  // null when the manifest has no usable spec (an error was recorded)
};
// Checks apiVersion (acequia.io/v1alpha1), kind, metadata and unknown top-level fields.
// `spec_hint` completes "required: a map with …".
Envelope ReadEnvelope(const YAML::Node& root, std::string_view kind, std::string_view default_name,
                      std::string_view spec_hint, FieldErrorList& errors);

// Parses YAML text; the error says where: "invalid YAML at line 3, column 5: …".
Result<YAML::Node> LoadYaml(std::string_view text);

// Parses a document's text with `parse_node` (YAML::Node → a parse result with an `errors`
// list), turning YAML syntax and shape errors into document-level errors.
template <typename ParseResult, typename NodeParser>
ParseResult ParseDocument(std::string_view text, std::string_view kind, NodeParser&& parse_node) {
  ParseResult result;
  auto root = LoadYaml(text);
  if (!root.ok()) {
    result.errors.push_back({"", root.status().message()});
    return result;
  }
  try {
    return parse_node(*root);
  } catch (const YAML::Exception& e) {
    result.errors.push_back({"", "malformed " + std::string(kind) + ": " + e.msg});
    return result;
  }
}

struct DocumentFile {
  std::string text;
  std::string name;  // the file's stem when it is a valid name, else the fallback
};
Result<DocumentFile> ReadDocumentFile(const std::string& path, std::string_view fallback_name);

}  // namespace acequia::api
