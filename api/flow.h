// The Flow resource (acequia.io/v1alpha1): its types, parsing from YAML (a whole manifest or just
// its spec), defaults from the component catalogue, and validation with exact field paths.
// The agent's config file is a Flow, so the operator and the agent share this code.
// Parsed values are immutable; thread-safe to share.
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/catalog.h"
#include "api/document.h"
#include "api/field_error.h"
#include "api/property.h"
#include "common/status.h"

namespace acequia::api {

// One configured component: an interceptor, a selector, a channel or a sink processor.
struct ComponentConfig {
  std::string name;  // empty for interceptors and selectors
  std::string type;
  PropertyValues properties;  // every declared property, defaults filled in
  std::string path;           // where it was declared: "spec.channels[0]"

  std::string Fingerprint() const { return type + "|" + properties.Fingerprint(); }
};

struct SourceConfig {
  std::string name;
  std::string type;
  PropertyValues properties;
  std::string path;
  std::vector<std::string> channels;
  ComponentConfig selector;  // "replicating" when not given
  std::vector<ComponentConfig> interceptors;

  // Equal fingerprints mean an identical source: reload leaves it running.
  std::string Fingerprint() const;
};

struct SinkConfig {
  std::string name;
  std::string type;
  PropertyValues properties;
  std::string path;
  std::string channel;

  std::string Fingerprint() const { return type + "|" + channel + "|" + properties.Fingerprint(); }
};

struct SinkGroupConfig {
  std::string name;
  std::vector<std::string> sinks;
  ComponentConfig processor;
  std::string path;
};

struct InjectConfig {
  std::map<std::string, std::string> match_labels;
  std::string log_volume;
};

struct FlowSpec {
  std::string mode = "collector";  // collector | sidecar
  int64_t replicas = 1;
  InjectConfig inject;
  std::vector<SourceConfig> sources;
  std::vector<ComponentConfig> channels;
  std::vector<SinkConfig> sinks;
  std::vector<SinkGroupConfig> sink_groups;
  std::optional<int64_t> storage_bytes;
  int64_t metrics_port = 9464;

  const ComponentConfig* FindChannel(std::string_view name) const;
};

struct Flow {
  std::string name;
  std::string namespace_name;
  FlowSpec spec;
};

struct FlowParseResult {
  std::optional<Flow> flow;  // set only when errors is empty
  std::vector<FieldError> errors;
};

// Parses and validates a Flow. `default_name` names the flow when the document is a bare spec or
// has no metadata.name.
FlowParseResult ParseFlow(std::string_view yaml_text, std::string_view default_name = "flow");
FlowParseResult ParseFlowNode(const YAML::Node& root, std::string_view default_name = "flow");

// Reads and parses a file; the error lists every field error, one per line.
Result<Flow> LoadFlowFile(const std::string& path);

}  // namespace acequia::api
