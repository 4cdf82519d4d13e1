#include "api/document.h"

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace acequia::api {

std::string FieldPath(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string IndexPath(const std::string& path, size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

std::string Quote(std::string_view text) { return "\"" + std::string(text) + "\""; }

bool IsDnsLabel(const std::string& name) {
  static const std::regex kName("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  return name.size() <= 63 && std::regex_match(name, kName);
}

std::optional<std::string> ScalarField(const YAML::Node& map, std::string_view key,
                                       const std::string& path, FieldErrorList& errors,
                                       bool required) {
  YAML::Node node = map[std::string(key)];
  if (!node || node.IsNull()) {
    if (required && node && key == "type") {
      errors.Error(FieldPath(path, key),
                   "required (YAML reads a bare null as no value: write \"null\" in quotes for "
                   "the null sink)");
    } else if (required) {
      errors.Error(FieldPath(path, key), "required");
    }
    return std::nullopt;
  }
  if (!node.IsScalar()) {
    errors.Error(FieldPath(path, key), "expected a string");
    return std::nullopt;
  }
  return node.Scalar();
}

Envelope ReadEnvelope(const YAML::Node& root, std::string_view kind, std::string_view default_name,
                      std::string_view spec_hint, FieldErrorList& errors) {
  Envelope envelope{std::string(default_name), "", root};
  if (!root["spec"] && !root["kind"] && !root["apiVersion"]) return envelope;  // a bare spec
  if (auto version = ScalarField(root, "apiVersion", "", errors, false);
      version && *version != kApiVersion) {
    errors.Error("apiVersion", "must be " + std::string(kApiVersion) + ", got " + Quote(*version));
  }
  if (auto given = ScalarField(root, "kind", "", errors, false); given && *given != kind) {
    errors.Error("kind", "must be " + std::string(kind) + ", got " + Quote(*given));
  }
  if (YAML::Node meta = root["metadata"]; meta && meta.IsMap()) {
    if (auto name = ScalarField(meta, "name", "metadata", errors, false)) {
      if (IsDnsLabel(*name)) {
        envelope.name = *name;
      } else {
        errors.Error("metadata.name", "invalid name " + Quote(*name));
      }
    }
    if (auto ns = ScalarField(meta, "namespace", "metadata", errors, false)) {
      envelope.namespace_name = *ns;
    }
  }
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    if (key != "apiVersion" && key != "kind" && key != "metadata" && key != "spec" &&
        key != "status") {
      errors.Error(key, "unknown field (known: apiVersion, kind, metadata, spec)");
    }
  }
  envelope.spec = root["spec"];
  if (!envelope.spec || !envelope.spec.IsMap()) {
    errors.Error("spec", "required: a map with " + std::string(spec_hint));
    envelope.spec = YAML::Node();
  }
  return envelope;
}

Result<YAML::Node> LoadYaml(std::string_view text) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument("invalid YAML at line " + std::to_string(e.mark.line + 1) +
                                   ", column " + std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

Result<DocumentFile> ReadDocumentFile(const std::string& path, std::string_view fallback_name) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  std::string stem = std::filesystem::path(path).stem().string();
  if (!IsDnsLabel(stem)) stem = std::string(fallback_name);
  return DocumentFile{text.str(), stem};
}

}  // namespace acequia::api
