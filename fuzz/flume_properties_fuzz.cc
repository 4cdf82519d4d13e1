// libFuzzer target for convert-flume: ParseJavaProperties must read any text, giving every entry
// a line of the input, or fail naming a line of it; the Flume → Flow converter must turn any
// properties into a manifest that is YAML (yaml-cpp reads it back), whose strings read back as
// written, whose issues are in line order and whose origins name lines of the input and fields
// of the manifest; and the Flow validator must check that manifest without crashing. A broken
// property aborts. Threading: libFuzzer calls the entry point from one thread.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "sidecar/convert/flume_converter.h"
#include "sidecar/convert/java_properties.h"
#include "sidecar/convert/yaml_writer.h"

namespace {

using acequia::sidecar::convert::ConversionIssue;
using acequia::sidecar::convert::FlumeConversion;
using acequia::sidecar::convert::FlumeConvertOptions;
using acequia::sidecar::convert::PropertyEntry;
using acequia::sidecar::convert::YamlNode;

constexpr std::string_view kSections[] = {"sources", "channels", "sinks", "sinkgroups"};

// Physical lines as Java counts them: \n, \r and \r\n end a line; a last line needs no end.
int CountLines(std::string_view text) {
  int lines = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n'))) {
      ++lines;
    }
  }
  if (!text.empty() && text.back() != '\n' && text.back() != '\r') ++lines;
  return lines;
}

// The agents the converter sees: first segments of keys whose second segment is a section.
std::vector<std::string> Agents(const std::vector<PropertyEntry>& entries) {
  std::vector<std::string> agents;
  for (const auto& e : entries) {
    const size_t dot = e.key.find('.');
    if (dot == std::string::npos || dot == 0) continue;
    const std::string_view rest = std::string_view(e.key).substr(dot + 1);
    const std::string_view second = rest.substr(0, rest.find('.'));
    if (std::find(std::begin(kSections), std::end(kSections), second) == std::end(kSections)) {
      continue;
    }
    std::string agent = e.key.substr(0, dot);
    if (std::find(agents.begin(), agents.end(), agent) == agents.end()) agents.push_back(agent);
  }
  return agents;
}

// Issues name lines of the input (0: none); the converter's come in line order, the
// validator's in manifest order.
void CheckIssues(const std::vector<ConversionIssue>& issues, int lines, bool in_line_order) {
  for (size_t i = 0; i < issues.size(); ++i) {
    if (issues[i].line < 0 || issues[i].line > lines) std::abort();
    if (in_line_order && i > 0 && issues[i - 1].line > issues[i].line) std::abort();
    if (issues[i].message.empty()) std::abort();
  }
}

// The node at a manifest path ("spec.sources[0].filegroups.f1"). Map keys may hold '.' and '[',
// so at a map the longest key that the path continues with wins.
bool HasPath(const YAML::Node& node, std::string_view path) {
  if (path.empty()) return true;
  if (path.front() == '[') {
    const size_t close = path.find(']');
    if (close == std::string_view::npos || !node.IsSequence()) return false;
    const size_t index = std::strtoul(std::string(path.substr(1, close - 1)).c_str(), nullptr, 10);
    if (index >= node.size()) return false;
    return HasPath(node[index], path.substr(close + 1));
  }
  if (path.front() == '.') path.remove_prefix(1);
  if (!node.IsMap()) return false;
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    if (path.substr(0, key.size()) != key) continue;
    const std::string_view rest = path.substr(key.size());
    if (!rest.empty() && rest.front() != '.' && rest.front() != '[') continue;
    if (HasPath(kv.second, rest)) return true;
  }
  return false;
}

void CheckConversion(const FlumeConversion& conversion, const std::string& agent, int lines) {
  if (conversion.agent != agent) std::abort();
  CheckIssues(conversion.issues, lines, true);
  YAML::Node root;
  try {
    root = YAML::Load(conversion.manifest);
  } catch (const YAML::Exception&) {
    std::abort();  // the manifest is not YAML
  }
  if (!root.IsMap() || !root["spec"].IsMap()) std::abort();
  if (root["kind"].as<std::string>() != "Flow") std::abort();
  if (root["metadata"]["name"].as<std::string>() != acequia::sidecar::convert::FlowName(agent)) {
    std::abort();
  }
  for (const auto& [path, origin] : conversion.origins) {
    if (origin.line < 1 || origin.line > lines || origin.key.empty()) std::abort();
    if (!HasPath(root, path)) std::abort();  // an origin for a field the manifest lacks
  }
  CheckIssues(acequia::sidecar::convert::ValidateConversion(conversion), lines, false);
}

// A string the converter writes (as a value, a list item or a map key) reads back as written.
void CheckStrings(const std::string& text) {
  YamlNode map = YamlNode::Map();
  map.Set(text, YamlNode::String("v"));
  YamlNode doc = YamlNode::Map();
  doc.Set("value", YamlNode::String(text));
  doc.Set("list", YamlNode::List({text, text}));
  doc.Set("map", std::move(map));
  try {
    const YAML::Node read = YAML::Load(doc.Write());
    if (read["value"].as<std::string>() != text) std::abort();
    if (read["list"].size() != 2 || read["list"][1].as<std::string>() != text) std::abort();
    if (read["map"].size() != 1 || read["map"].begin()->first.as<std::string>() != text) {
      std::abort();
    }
  } catch (const YAML::Exception&) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const int lines = CountLines(text);
  auto entries = acequia::sidecar::convert::ParseJavaProperties(text);
  if (!entries.ok()) {
    // "line N: malformed \uxxxx escape", N a line of the input.
    const std::string& message = entries.status().message();
    if (message.rfind("line ", 0) != 0) std::abort();
    const long line = std::strtol(message.c_str() + 5, nullptr, 10);
    if (line < 1 || line > lines) std::abort();
    return 0;
  }
  int previous = 1;
  for (const auto& e : *entries) {
    if (e.line < previous || e.line > lines) std::abort();
    previous = e.line;
  }
  if (!entries->empty()) {
    CheckStrings(entries->front().key);
    CheckStrings(entries->front().value);
    CheckStrings(entries->back().value);
  }

  const std::vector<std::string> agents = Agents(*entries);
  FlumeConvertOptions options;
  if (agents.size() != 1) {  // without --agent: fails, naming the reason
    auto refused = acequia::sidecar::convert::ConvertFlumeProperties(text, options);
    if (refused.ok() || refused.status().message().empty()) std::abort();
  }
  options.agent = agents.empty() ? "a1" : agents.front();
  auto conversion = acequia::sidecar::convert::ConvertFlumeProperties(text, options);
  if (agents.empty()) {
    if (conversion.ok()) std::abort();
    return 0;
  }
  if (!conversion.ok()) std::abort();  // the text parsed and names the agent
  CheckConversion(*conversion, options.agent, lines);
  return 0;
}
