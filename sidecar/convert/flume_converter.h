// Converts a Flume agent's .properties configuration into a Flow manifest: sources, channels,
// sinks, interceptors (in the order of their list), channel selectors and sink groups, with
// Flume's type and property names mapped through the tables of flume_mapping.h. Nothing is lost
// silently: every type, property or value that has no equivalent is reported with its line,
// the rest is still converted, and the manifest can be checked with the Flow validator, whose
// errors are traced back to the Flume keys they come from.
// Pure functions over text; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace acequia::sidecar::convert {

struct ConversionIssue {
  enum class Severity {
    kDropped,  // configuration that is not in the manifest, or a manifest the validator rejects
    kNote,     // worth knowing, nothing lost (a renamed component, an ignored tuning knob)
  };
  Severity severity = Severity::kDropped;
  int line = 0;     // 0: not tied to a line
  std::string key;  // the Flume key, "a1.sources.r1.type"; may be empty
  std::string message;

  // "agent.properties:12: a1.sources.r1.type: unsupported source type \"kafka\""
  std::string Format(std::string_view file) const;
};

// Where a field of the manifest comes from.
struct KeyOrigin {
  int line = 0;
  std::string key;
};

struct FlumeConversion {
  std::string agent;                                       // the Flume agent converted
  std::string manifest;                                    // the Flow manifest, YAML
  std::vector<ConversionIssue> issues;                     // in line order
  std::vector<std::pair<std::string, KeyOrigin>> origins;  // manifest path → Flume key

  bool dropped_anything() const;
};

struct FlumeConvertOptions {
  std::string agent;                           // empty: the only agent the file configures
  std::string file_name = "agent.properties";  // named in the manifest's header comment
};

// Fails (without a manifest) only when the text cannot be read as properties or names no agent
// to convert (none, several without options.agent, or not options.agent).
Result<FlumeConversion> ConvertFlumeProperties(std::string_view text,
                                               const FlumeConvertOptions& options);

// Runs the Flow validator on the manifest; each error becomes a kDropped issue at the Flume key
// the failing field comes from, its message ending with the manifest path.
std::vector<ConversionIssue> ValidateConversion(const FlumeConversion& conversion);

// Lower-case letters, digits and '-' (a DNS label), as Flow names must be.
std::string FlowName(std::string_view flume_name);

// Flume's taildir file pattern (a directory, then a regular expression on file names) as our
// glob; fails for a regular expression a glob cannot express.
Result<std::string> FileRegexToGlob(std::string_view path);

}  // namespace acequia::sidecar::convert
