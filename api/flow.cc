#include "api/flow.h"

#include <algorithm>
#include <set>

#include "api/document.h"
#include "api/quantity.h"

namespace acequia::api {
namespace {

std::string KnownNames(std::span<const ComponentType> types) {
  std::vector<std::string> names;
  for (const auto& t : types) names.emplace_back(t.name);
  std::sort(names.begin(), names.end());
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Parses the `type` and properties of one component map against the catalogue.
// Returns false when the component is unusable (no or unknown type).
bool ParseComponent(const YAML::Node& node, ComponentKind kind, const std::string& path,
                    FieldErrorList& check, std::string* type_out, PropertyValues* props_out) {
  const std::string kind_name(ComponentKindName(kind));
  auto type = ScalarField(node, "type", path, check, true);
  if (!type) return false;
  const ComponentType* def = FindComponentType(kind, *type);
  if (def == nullptr) {
    check.Error(FieldPath(path, "type"), "unknown " + kind_name + " type " + Quote(*type) +
                                             " (known: " + KnownNames(CatalogOf(kind)) + ")");
    return false;
  }
  *type_out = *type;
  auto structural = StructuralKeys(kind);
  std::set<std::string> present;  // given, even if invalid: not reported as missing too
  for (const auto& kv : node) {
    std::string key = kv.first.as<std::string>();
    if (std::find(structural.begin(), structural.end(), key) != structural.end()) continue;
    const PropertySpec* spec = def->Find(key);
    if (spec == nullptr) {
      std::string known;
      for (const auto& p : def->properties)
        known += (known.empty() ? "" : ", ") + std::string(p.name);
      check.Error(FieldPath(path, key),
                  "unknown property for " + kind_name + " type " + Quote(*type) +
                      (known.empty() ? " (it has none)" : " (known: " + known + ")"));
      continue;
    }
    present.insert(key);
    auto value = ParsePropertyValue(*spec, kv.second);
    if (!value.ok()) {
      check.Error(FieldPath(path, key), value.status().message());
      continue;
    }
    props_out->Set(key, std::move(value).value());
  }
  bool complete = present.size() == props_out->all().size();
  for (const auto& spec : def->properties) {
    if (props_out->Has(spec.name) || present.count(std::string(spec.name))) continue;
    if (spec.required) {
      check.Error(FieldPath(path, spec.name), "required by " + kind_name + " type " + Quote(*type));
      complete = false;
    } else if (spec.default_value) {
      auto value = ParsePropertyText(spec, *spec.default_value);
      if (value.ok()) props_out->Set(std::string(spec.name), std::move(value).value());
    }
  }
  if (complete && def->rules != nullptr) {
    for (const auto& error : def->rules(*props_out)) {
      check.Error(FieldPath(path, error.path), error.message);
    }
  }
  return true;
}

// Parses a named list section (sources, channels, sinks): checks names and duplicates.
template <typename Fn>
void ForEachNamed(const YAML::Node& spec, std::string_view key, FieldErrorList& check, Fn&& fn) {
  const std::string path = FieldPath("spec", key);
  YAML::Node list = spec[std::string(key)];
  if (!list || list.IsNull()) return;
  if (!list.IsSequence()) {
    check.Error(path, "expected a list");
    return;
  }
  std::map<std::string, std::string> seen;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string item_path = IndexPath(path, i);
    const YAML::Node& item = list[i];
    if (!item.IsMap()) {
      check.Error(item_path, "expected a map with name and type");
      continue;
    }
    auto name = ScalarField(item, "name", item_path, check, true);
    if (!name) continue;
    if (!IsDnsLabel(*name)) {
      check.Error(FieldPath(item_path, "name"),
                  "invalid name " + Quote(*name) +
                      ": use lower-case letters, digits and '-', starting and ending with a "
                      "letter or digit, at most 63 characters");
      continue;
    }
    auto [it, inserted] = seen.emplace(*name, item_path);
    if (!inserted) {
      check.Error(FieldPath(item_path, "name"),
                  "duplicate name " + Quote(*name) + " (also " + it->second + ")");
      continue;
    }
    fn(item, item_path, *name);
  }
}

ComponentConfig DefaultSelector(const std::string& path) {
  ComponentConfig selector;
  selector.type = "replicating";
  selector.path = path;
  selector.properties.Set("optional", std::vector<std::string>{});
  return selector;
}

void ParseSources(const YAML::Node& spec, FlowSpec& out, FieldErrorList& check) {
  ForEachNamed(
      spec, "sources", check,
      [&](const YAML::Node& node, const std::string& path, const std::string& name) {
        SourceConfig source;
        source.name = name;
        source.path = path;
        if (!ParseComponent(node, ComponentKind::kSource, path, check, &source.type,
                            &source.properties)) {
          return;
        }
        YAML::Node channels = node["channels"];
        if (!channels || channels.IsNull()) {
          check.Error(FieldPath(path, "channels"), "required: the channels this source writes to");
        } else if (channels.IsScalar()) {
          source.channels.push_back(channels.Scalar());
        } else if (channels.IsSequence()) {
          for (const auto& c : channels) {
            if (c.IsScalar())
              source.channels.push_back(c.Scalar());
            else
              check.Error(FieldPath(path, "channels"), "expected a list of channel names");
          }
          if (source.channels.empty()) {
            check.Error(FieldPath(path, "channels"), "must name at least one channel");
          }
        } else {
          check.Error(FieldPath(path, "channels"), "expected a list of channel names");
        }
        YAML::Node selector = node["selector"];
        source.selector = DefaultSelector(FieldPath(path, "selector"));
        if (selector && !selector.IsNull()) {
          if (!selector.IsMap()) {
            check.Error(FieldPath(path, "selector"), "expected a map with a type");
          } else {
            ComponentConfig parsed;
            parsed.path = FieldPath(path, "selector");
            if (ParseComponent(selector, ComponentKind::kSelector, parsed.path, check, &parsed.type,
                               &parsed.properties)) {
              source.selector = std::move(parsed);
            }
          }
        }
        YAML::Node interceptors = node["interceptors"];
        if (interceptors && !interceptors.IsNull()) {
          if (!interceptors.IsSequence()) {
            check.Error(FieldPath(path, "interceptors"), "expected a list");
          } else {
            for (size_t i = 0; i < interceptors.size(); ++i) {
              ComponentConfig interceptor;
              interceptor.path = IndexPath(FieldPath(path, "interceptors"), i);
              if (!interceptors[i].IsMap()) {
                check.Error(interceptor.path, "expected a map with a type");
                continue;
              }
              if (ParseComponent(interceptors[i], ComponentKind::kInterceptor, interceptor.path,
                                 check, &interceptor.type, &interceptor.properties)) {
                source.interceptors.push_back(std::move(interceptor));
              }
            }
          }
        }
        out.sources.push_back(std::move(source));
      });
}

void ParseChannels(const YAML::Node& spec, FlowSpec& out, FieldErrorList& check) {
  ForEachNamed(spec, "channels", check,
               [&](const YAML::Node& node, const std::string& path, const std::string& name) {
                 ComponentConfig channel;
                 channel.name = name;
                 channel.path = path;
                 if (ParseComponent(node, ComponentKind::kChannel, path, check, &channel.type,
                                    &channel.properties)) {
                   out.channels.push_back(std::move(channel));
                 }
               });
}

void ParseSinks(const YAML::Node& spec, FlowSpec& out, FieldErrorList& check) {
  ForEachNamed(spec, "sinks", check,
               [&](const YAML::Node& node, const std::string& path, const std::string& name) {
                 SinkConfig sink;
                 sink.name = name;
                 sink.path = path;
                 auto channel = ScalarField(node, "channel", path, check, true);
                 if (!ParseComponent(node, ComponentKind::kSink, path, check, &sink.type,
                                     &sink.properties)) {
                   return;
                 }
                 if (channel) sink.channel = *channel;
                 out.sinks.push_back(std::move(sink));
               });
}

void ParseSinkGroups(const YAML::Node& spec, FlowSpec& out, FieldErrorList& check) {
  ForEachNamed(
      spec, "sinkGroups", check,
      [&](const YAML::Node& node, const std::string& path, const std::string& name) {
        SinkGroupConfig group;
        group.name = name;
        group.path = path;
        YAML::Node sinks = node["sinks"];
        if (!sinks || !sinks.IsSequence() || sinks.size() == 0) {
          check.Error(FieldPath(path, "sinks"), "required: a list of at least one sink name");
        } else {
          for (const auto& s : sinks) {
            if (s.IsScalar())
              group.sinks.push_back(s.Scalar());
            else
              check.Error(FieldPath(path, "sinks"), "expected a list of sink names");
          }
        }
        group.processor.path = FieldPath(path, "processor");
        YAML::Node processor = node["processor"];
        if (!processor || processor.IsNull()) {
          group.processor.type = "default";
        } else if (!processor.IsMap()) {
          check.Error(group.processor.path, "expected a map with a type");
        } else {
          ParseComponent(processor, ComponentKind::kSinkProcessor, group.processor.path, check,
                         &group.processor.type, &group.processor.properties);
        }
        for (const auto& kv : node) {
          std::string key = kv.first.as<std::string>();
          if (key != "name" && key != "sinks" && key != "processor") {
            check.Error(FieldPath(path, key), "unknown field (known: name, sinks, processor)");
          }
        }
        out.sink_groups.push_back(std::move(group));
      });
}

void ParseScalars(const YAML::Node& spec, FlowSpec& out, FieldErrorList& check) {
  if (auto mode = ScalarField(spec, "mode", "spec", check, false)) {
    if (*mode != "collector" && *mode != "sidecar") {
      check.Error("spec.mode", "must be collector or sidecar, got " + Quote(*mode));
    } else {
      out.mode = *mode;
    }
  }
  if (auto replicas = ScalarField(spec, "replicas", "spec", check, false)) {
    PropertySpec p{"replicas", PropertyType::kInt, std::nullopt, "", false, 0, 1000};
    auto v = ParsePropertyText(p, *replicas);
    if (v.ok())
      out.replicas = std::get<int64_t>(*v);
    else
      check.Error("spec.replicas", v.status().message());
  }
  if (YAML::Node inject = spec["inject"]; inject && !inject.IsNull()) {
    if (!inject.IsMap()) {
      check.Error("spec.inject", "expected a map");
    } else {
      for (const auto& kv : inject) {
        std::string key = kv.first.as<std::string>();
        if (key == "selector") {
          YAML::Node labels = kv.second["matchLabels"];
          if (labels && labels.IsMap()) {
            for (const auto& l : labels) {
              out.inject.match_labels[l.first.as<std::string>()] = l.second.as<std::string>();
            }
          } else {
            check.Error("spec.inject.selector.matchLabels", "expected a map of labels");
          }
        } else if (key == "logVolume") {
          if (kv.second.IsScalar() && !kv.second.Scalar().empty() && kv.second.Scalar()[0] == '/') {
            out.inject.log_volume = kv.second.Scalar();
          } else {
            check.Error("spec.inject.logVolume", "expected an absolute path");
          }
        } else {
          check.Error(FieldPath("spec.inject", key), "unknown field (known: selector, logVolume)");
        }
      }
    }
  }
  if (YAML::Node storage = spec["storage"]; storage && !storage.IsNull()) {
    if (auto size = ScalarField(storage, "size", "spec.storage", check, true)) {
      auto bytes = ParseSize(*size);
      if (bytes.ok())
        out.storage_bytes = *bytes;
      else
        check.Error("spec.storage.size", bytes.status().message());
    }
  }
  if (YAML::Node metrics = spec["metrics"]; metrics && !metrics.IsNull()) {
    if (auto port = ScalarField(metrics, "port", "spec.metrics", check, false)) {
      PropertySpec p{"port", PropertyType::kInt, std::nullopt, "", false, 1, 65535};
      auto v = ParsePropertyText(p, *port);
      if (v.ok())
        out.metrics_port = std::get<int64_t>(*v);
      else
        check.Error("spec.metrics.port", v.status().message());
    }
  }
}

// Rules that span components: wiring, capacities, ports.
void CheckWiring(const FlowSpec& spec, FieldErrorList& check) {
  std::map<std::string, const ComponentConfig*> channels;
  for (const auto& c : spec.channels) channels[c.name] = &c;
  std::set<std::string> read;
  std::map<std::string, std::string> sink_groups_of;
  std::map<std::pair<bool, int64_t>, std::string> ports;  // (udp, port) → who listens
  ports[{false, spec.metrics_port}] = "spec.metrics.port";

  for (const auto& source : spec.sources) {
    std::set<std::string> own(source.channels.begin(), source.channels.end());
    for (size_t i = 0; i < source.channels.size(); ++i) {
      const auto& name = source.channels[i];
      auto it = channels.find(name);
      if (it == channels.end()) {
        check.Error(IndexPath(FieldPath(source.path, "channels"), i),
                    "unknown channel " + Quote(name));
        continue;
      }
      if (source.properties.Has("batchSize")) {
        int64_t batch = source.properties.GetInt("batchSize");
        int64_t tx = it->second->properties.GetInt("transactionCapacity");
        if (batch > tx) {
          check.Error(FieldPath(source.path, "batchSize"),
                      std::to_string(batch) + " is larger than the transactionCapacity (" +
                          std::to_string(tx) + ") of channel " + Quote(name));
        }
      }
    }
    auto check_channels = [&](const std::vector<std::string>& names, const std::string& path) {
      for (const auto& n : names) {
        if (!own.count(n)) {
          check.Error(path, "channel " + Quote(n) + " is not one of the source's channels");
        }
      }
    };
    const auto& sel = source.selector;
    if (sel.type == "replicating") {
      check_channels(sel.properties.GetList("optional"), FieldPath(sel.path, "optional"));
    } else if (sel.type == "multiplexing") {
      for (const auto& [value, names] : sel.properties.GetListMap("mapping")) {
        check_channels(names, FieldPath(FieldPath(sel.path, "mapping"), value));
      }
      for (const auto& [value, names] : sel.properties.GetListMap("optional")) {
        check_channels(names, FieldPath(FieldPath(sel.path, "optional"), value));
      }
      check_channels(sel.properties.GetList("default"), FieldPath(sel.path, "default"));
      if (sel.properties.GetList("default").empty()) {
        check.Error(FieldPath(sel.path, "default"),
                    "required: events whose header matches no mapping need a channel, or they "
                    "would be lost");
      }
    }
    if (source.properties.Has("port")) {
      int64_t port = source.properties.GetInt("port");
      auto [it, inserted] = ports.emplace(std::pair{IsUdpSourceType(source.type), port},
                                          FieldPath(source.path, "port"));
      if (!inserted) {
        check.Error(FieldPath(source.path, "port"),
                    "port " + std::to_string(port) + " is already used by " + it->second);
      }
    }
  }
  for (const auto& sink : spec.sinks) {
    if (sink.channel.empty()) continue;
    if (!channels.count(sink.channel)) {
      check.Error(FieldPath(sink.path, "channel"), "unknown channel " + Quote(sink.channel));
    } else {
      read.insert(sink.channel);
    }
  }
  std::set<std::string> sink_names;
  for (const auto& sink : spec.sinks) sink_names.insert(sink.name);
  for (const auto& group : spec.sink_groups) {
    for (size_t i = 0; i < group.sinks.size(); ++i) {
      const auto& name = group.sinks[i];
      const std::string path = IndexPath(FieldPath(group.path, "sinks"), i);
      if (!sink_names.count(name)) {
        check.Error(path, "unknown sink " + Quote(name));
        continue;
      }
      auto [it, inserted] = sink_groups_of.emplace(name, group.path);
      if (!inserted) check.Error(path, "sink " + Quote(name) + " is already in " + it->second);
    }
    if (group.processor.properties.Has("priority")) {
      const std::set<std::string> members(group.sinks.begin(), group.sinks.end());
      for (const auto& [name, priority] : group.processor.properties.GetIntMap("priority")) {
        if (!members.count(name)) {
          check.Error(FieldPath(FieldPath(group.processor.path, "priority"), name),
                      "sink " + Quote(name) + " is not one of the group's sinks");
        }
      }
    }
    if (group.processor.type == "default" && group.sinks.size() > 1) {
      check.Error(FieldPath(group.path, "processor"),
                  "the default processor runs one sink; name a processor type for " +
                      std::to_string(group.sinks.size()) + " sinks");
    }
  }
  for (const auto& channel : spec.channels) {
    if (!read.count(channel.name)) {
      check.Error(channel.path, "channel " + Quote(channel.name) +
                                    " is not read by any sink: its events would pile up");
    }
    if (channel.properties.Has("transactionCapacity") && channel.properties.Has("capacity") &&
        channel.properties.GetInt("transactionCapacity") > channel.properties.GetInt("capacity")) {
      check.Error(FieldPath(channel.path, "transactionCapacity"),
                  "must not exceed capacity (" +
                      std::to_string(channel.properties.GetInt("capacity")) + ")");
    }
  }
  for (const auto& sink : spec.sinks) {
    if (!sink.properties.Has("batchSize") || !channels.count(sink.channel)) continue;
    const auto* channel = channels[sink.channel];
    if (channel->properties.Has("transactionCapacity") &&
        sink.properties.GetInt("batchSize") > channel->properties.GetInt("transactionCapacity")) {
      check.Error(FieldPath(sink.path, "batchSize"),
                  std::to_string(sink.properties.GetInt("batchSize")) +
                      " is larger than the transactionCapacity (" +
                      std::to_string(channel->properties.GetInt("transactionCapacity")) +
                      ") of channel " + Quote(sink.channel));
    }
  }
  if (spec.sources.empty()) check.Error("spec.sources", "at least one source is required");
  if (spec.channels.empty()) check.Error("spec.channels", "at least one channel is required");
  if (spec.sinks.empty()) check.Error("spec.sinks", "at least one sink is required");
}

constexpr std::array<std::string_view, 9> kSpecKeys = {"mode",       "replicas", "inject",
                                                       "sources",    "channels", "sinks",
                                                       "sinkGroups", "storage",  "metrics"};

}  // namespace

std::string SourceConfig::Fingerprint() const {
  std::string out = type + "|" + properties.Fingerprint() + "|channels=";
  for (const auto& c : channels) out += c + ",";
  out += "|selector=" + selector.Fingerprint() + "|interceptors=";
  for (const auto& i : interceptors) out += i.Fingerprint() + ";";
  return out;
}

const ComponentConfig* FlowSpec::FindChannel(std::string_view name) const {
  for (const auto& c : channels) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

FlowParseResult ParseFlowNode(const YAML::Node& root, std::string_view default_name) {
  FieldErrorList check;
  FlowParseResult result;
  if (!root.IsMap()) {
    result.errors.push_back({"", "expected a Flow manifest or its spec as a YAML map"});
    return result;
  }
  Envelope envelope =
      ReadEnvelope(root, "Flow", default_name, "sources, channels and sinks", check);
  if (envelope.spec.IsNull()) {
    result.errors = check.Take();
    return result;
  }
  Flow flow;
  flow.name = envelope.name;
  flow.namespace_name = envelope.namespace_name;
  const YAML::Node& spec = envelope.spec;
  for (const auto& kv : spec) {
    std::string key = kv.first.as<std::string>();
    if (std::find(kSpecKeys.begin(), kSpecKeys.end(), key) == kSpecKeys.end()) {
      check.Error(FieldPath("spec", key),
                  "unknown field (known: mode, replicas, inject, sources, channels, sinks, "
                  "sinkGroups, storage, metrics)");
    }
  }
  ParseScalars(spec, flow.spec, check);
  ParseChannels(spec, flow.spec, check);
  ParseSources(spec, flow.spec, check);
  ParseSinks(spec, flow.spec, check);
  ParseSinkGroups(spec, flow.spec, check);
  if (check.clean()) CheckWiring(flow.spec, check);
  result.errors = check.Take();
  if (result.errors.empty()) result.flow = std::move(flow);
  return result;
}

FlowParseResult ParseFlow(std::string_view yaml_text, std::string_view default_name) {
  return ParseDocument<FlowParseResult>(
      yaml_text, "Flow", [&](const YAML::Node& root) { return ParseFlowNode(root, default_name); });
}

Result<Flow> LoadFlowFile(const std::string& path) {
  auto file = ReadDocumentFile(path, "flow");
  if (!file.ok()) return file.status();
  FlowParseResult parsed = ParseFlow(file->text, file->name);
  if (!parsed.flow) return Status::InvalidArgument(path + ":\n" + JoinErrors(parsed.errors));
  return std::move(*parsed.flow);
}

}  // namespace acequia::api
