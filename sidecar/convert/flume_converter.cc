#include "sidecar/convert/flume_converter.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "api/catalog.h"
#include "api/flow.h"
#include "api/quantity.h"
#include "sidecar/convert/flume_mapping.h"
#include "sidecar/convert/java_properties.h"
#include "sidecar/convert/yaml_writer.h"

namespace acequia::sidecar::convert {
namespace {

using api::ComponentKind;
using api::PropertySpec;
using api::PropertyType;
using Severity = ConversionIssue::Severity;

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Flume's lists: names separated by spaces (dataDirs: by commas).
std::vector<std::string> SplitList(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (std::isspace(static_cast<unsigned char>(s[i])) || s[i] == ',')) ++i;
    size_t start = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i])) && s[i] != ',') ++i;
    if (i > start) out.emplace_back(s.substr(start, i - start));
  }
  return out;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct Entry {
  std::string key;  // the full key
  std::string value;
  int line = 0;
};

// One named Flume component: its keys below "<agent>.<section>.<name>.", in line order.
struct FlumeComponent {
  std::string name;
  std::vector<std::pair<std::string, const Entry*>> keys;  // sub-key → entry

  const Entry* Get(std::string_view sub) const {
    for (const auto& [k, e] : keys) {
      if (k == sub) return e;
    }
    return nullptr;
  }
};

class Converter {
 public:
  Converter(std::string agent, std::string file_name)
      : agent_(std::move(agent)), file_name_(std::move(file_name)) {}

  FlumeConversion Run(const std::vector<Entry>& entries);

 private:
  void Issue(Severity severity, const Entry* e, std::string message) {
    issues_.push_back({severity, e ? e->line : 0, e ? e->key : std::string(), std::move(message)});
  }
  void Dropped(const Entry* e, std::string message) {
    Issue(Severity::kDropped, e, std::move(message));
  }
  void Note(const Entry* e, std::string message) { Issue(Severity::kNote, e, std::move(message)); }
  void Origin(const std::string& path, const Entry* e) {
    if (e != nullptr) origins_.push_back({path, KeyOrigin{e->line, e->key}});
  }

  std::string Rename(const std::string& section, const std::string& flume_name) const {
    auto it = names_.find(section);
    if (it != names_.end()) {
      auto n = it->second.find(flume_name);
      if (n != it->second.end()) return n->second;
    }
    return FlowName(flume_name);
  }
  std::vector<std::string> RenameAll(const std::string& section,
                                     const std::vector<std::string>& names) const {
    std::vector<std::string> out;
    for (const auto& n : names) out.push_back(Rename(section, n));
    return out;
  }

  void AssignNames(const std::string& section, const std::string& kind_name);
  std::optional<std::string> ResolveType(ComponentKind kind, const Entry* type_entry,
                                         const std::string& what);
  // Converts one Flume property (`sub` relative to the component) into `props`.
  void ConvertProperty(ComponentKind kind, const std::string& type, std::string_view sub,
                       const Entry* e, const std::string& path,
                       std::map<std::string, YamlNode>& props,
                       const std::string& rename_section = {});
  // Writes `props` into `node` in catalogue order, with implied properties.
  void EmitProperties(ComponentKind kind, const std::string& type,
                      std::map<std::string, YamlNode>& props, YamlNode& node);

  void ConvertSources(YamlNode& spec);
  void ConvertChannels(YamlNode& spec);
  void ConvertSinks(YamlNode& spec);
  void ConvertSinkGroups(YamlNode& spec);
  void ConvertSelector(const FlumeComponent& source, const std::string& path, YamlNode& node);
  void ConvertInterceptors(const FlumeComponent& source, const std::string& path, YamlNode& node);

  // Names every key of a component that is not converted (its type is unsupported).
  void DropRest(const FlumeComponent& c, const std::string& kind_name, const std::string& type) {
    for (const auto& [sub, e] : c.keys) {
      if (sub == "type") continue;
      Dropped(e, "unsupported property of " + kind_name + " " + type + " (the " + kind_name +
                     " is not converted)");
    }
  }

  // The components listed in "<agent>.<section>", in list order; warns about unlisted ones.
  std::vector<const FlumeComponent*> Listed(const std::string& section);

  std::string agent_;
  std::string file_name_;
  std::map<std::string, const Entry*> agent_keys_;  // "sources" → a1.sources entry
  std::map<std::string, std::map<std::string, FlumeComponent>> components_;
  std::map<std::string, std::map<std::string, std::string>> names_;  // section → flume → ours
  std::vector<ConversionIssue> issues_;
  std::vector<std::pair<std::string, KeyOrigin>> origins_;
};

constexpr std::string_view kSections[] = {"sources", "channels", "sinks", "sinkgroups"};

void Converter::AssignNames(const std::string& section, const std::string& kind_name) {
  auto list = agent_keys_.find(section);
  if (list == agent_keys_.end()) return;
  std::set<std::string> taken;
  for (const auto& flume : SplitList(list->second->value)) {
    if (names_[section].count(flume)) continue;
    std::string ours = FlowName(flume);
    std::string base = ours;
    for (int n = 2; taken.count(ours); ++n) {
      std::string suffix = "-" + std::to_string(n);
      ours = base.substr(0, 63 - suffix.size()) + suffix;
    }
    taken.insert(ours);
    names_[section][flume] = ours;
    if (ours != flume) {
      Note(list->second, kind_name + " " + Quoted(flume) + " is named " + Quoted(ours) +
                             " (names are lower-case DNS labels)");
    }
  }
}

std::vector<const FlumeComponent*> Converter::Listed(const std::string& section) {
  std::vector<const FlumeComponent*> out;
  std::set<std::string> listed;
  auto list = agent_keys_.find(section);
  if (list != agent_keys_.end()) {
    for (const auto& name : SplitList(list->second->value)) {
      if (!listed.insert(name).second) continue;
      auto it = components_[section].find(name);
      if (it == components_[section].end()) {
        Dropped(list->second, Quoted(name) + " has no configuration (no " + agent_ + "." + section +
                                  "." + name + ".type)");
        continue;
      }
      out.push_back(&it->second);
    }
  }
  for (const auto& [name, component] : components_[section]) {
    if (listed.count(name) || component.keys.empty()) continue;
    Note(component.keys.front().second, "not converted: " + Quoted(name) + " is not listed in " +
                                            agent_ + "." + section +
                                            ", so Flume does not run it either");
  }
  return out;
}

std::optional<std::string> Converter::ResolveType(ComponentKind kind, const Entry* type_entry,
                                                  const std::string& what) {
  const std::string kind_name(api::ComponentKindName(kind));
  if (type_entry == nullptr) return std::nullopt;
  std::string flume_type(Trim(type_entry->value));
  if (auto ours = OurTypeName(kind, flume_type)) return std::string(*ours);
  std::string message = "unsupported " + kind_name + " type " + Quoted(flume_type);
  if (const auto* u = FindUnsupportedType(kind, flume_type); u && !u->hint.empty()) {
    message += ": " + std::string(u->hint);
  }
  Dropped(type_entry, message + (what.empty() ? "" : "; " + what + " not converted"));
  return std::nullopt;
}

void Converter::ConvertProperty(ComponentKind kind, const std::string& type, std::string_view sub,
                                const Entry* e, const std::string& path,
                                std::map<std::string, YamlNode>& props,
                                const std::string& rename_section) {
  const std::string kind_name(api::ComponentKindName(kind));
  const FlumeProperty* rule = FindFlumeProperty(kind, type, sub);
  if (rule == nullptr) {
    Dropped(e, "unsupported property of " + kind_name + " " + type);
    return;
  }
  const std::string_view text = Trim(e->value);
  using V = ValueConversion;
  if (rule->conversion == V::kAcceptedValue) {
    if (!EqualsIgnoreCase(text, rule->arg)) {
      Dropped(e, "unsupported value " + Quoted(e->value) + " (only " + std::string(rule->arg) +
                     ", what Acequia does)");
    }
    return;
  }
  if (rule->conversion == V::kIgnored) {
    Note(e, "ignored: " + std::string(rule->arg));
    return;
  }
  const auto* def = api::FindComponentType(kind, type);
  const PropertySpec* spec = def ? def->Find(rule->ours) : nullptr;
  if (spec == nullptr) {  // a table row the catalogue does not know: flume_mapping_test fails
    Dropped(e, "internal: no catalogue property " + Quoted(rule->ours));
    return;
  }
  const std::string ours(rule->ours);
  const std::string field_path = path + "." + ours;

  auto java_bool = [&](std::string_view t) {
    if (!EqualsIgnoreCase(t, "true") && !EqualsIgnoreCase(t, "false")) {
      Note(e, Quoted(e->value) + " is not true or false; Flume reads it as false");
    }
    return YamlNode::Literal(EqualsIgnoreCase(t, "true") ? "true" : "false");
  };
  auto scalar_of = [&](std::string_view t, PropertyType type_of) {
    switch (type_of) {
      case PropertyType::kInt:
      case PropertyType::kSize:
        return YamlNode::Literal(std::string(Trim(t)));
      case PropertyType::kBool:
        return java_bool(Trim(t));
      default:
        return YamlNode::String(std::string(t));
    }
  };
  auto list_of = [&](std::string_view t) {
    std::vector<std::string> items = SplitList(t);
    return YamlNode::List(rename_section.empty() ? items : RenameAll(rename_section, items));
  };

  std::optional<YamlNode> value;
  switch (rule->conversion) {
    case V::kSame:
      if (spec->type == PropertyType::kStringList || spec->type == PropertyType::kIntList) {
        value = list_of(text);
      } else if (spec->type == PropertyType::kString || spec->type == PropertyType::kRegex) {
        value = YamlNode::String(e->value);
      } else {
        value = scalar_of(text, spec->type);
      }
      break;
    case V::kList:
      value = list_of(text);
      break;
    case V::kBool:
      value = java_bool(text);
      break;
    case V::kMillis:
    case V::kSeconds: {
      const bool seconds = rule->conversion == V::kSeconds;
      int64_t n = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      // Seconds beyond int64 milliseconds are out of range too (Java's long overflows there).
      if (ec != std::errc() || end != text.data() + text.size() || n < 0 ||
          (seconds && n > std::numeric_limits<int64_t>::max() / 1000)) {
        Dropped(e, "expected a whole number of " +
                       std::string(seconds ? "seconds" : "milliseconds") + ", got " +
                       Quoted(e->value));
        return;
      }
      auto ms = std::chrono::milliseconds(seconds ? n * 1000 : n);
      value = YamlNode::Literal(api::FormatDuration(ms));
      break;
    }
    case V::kLowerCase:
      value = YamlNode::String(Lower(text));
      break;
    case V::kValueName: {
      auto mapped = OurValueName(kind, type, rule->ours, text);
      if (!mapped) {
        std::string known;
        for (const auto& v : FlumeValueNames()) {
          if (v.kind == kind && v.type == type && v.ours == rule->ours) {
            known += (known.empty() ? "" : ", ") + std::string(v.flume_value);
          }
        }
        Dropped(e, "unsupported value " + Quoted(e->value) + " (supported: " + known + ")");
        return;
      }
      value = YamlNode::String(std::string(*mapped));
      break;
    }
    case V::kMapEntry:
    case V::kFixedMapEntry: {
      const std::string map_key = rule->conversion == V::kMapEntry
                                      ? std::string(sub.substr(rule->flume.size()))
                                      : std::string(rule->arg);
      auto [it, inserted] = props.try_emplace(ours, YamlNode::Map());
      YamlNode entry_value = YamlNode::String(e->value);
      switch (spec->type) {
        case PropertyType::kListMap:
          entry_value = list_of(text);
          break;
        case PropertyType::kIntMap:
          entry_value = YamlNode::Literal(std::string(text));
          break;
        case PropertyType::kBoolMap:
          entry_value = java_bool(text);
          break;
        default:
          break;
      }
      const std::string entry_key = spec->type == PropertyType::kIntMap && !rename_section.empty()
                                        ? Rename(rename_section, map_key)
                                        : map_key;
      it->second.Set(entry_key, std::move(entry_value));
      Origin(field_path + "." + entry_key, e);
      if (inserted) Origin(field_path, e);
      return;
    }
    case V::kPrefixed:
      value = YamlNode::String(std::string(rule->arg) + std::string(text));
      break;
    case V::kAcceptedValue:
    case V::kIgnored:
      return;
  }
  if (props.count(ours)) {
    Note(e, "sets " + ours + " again; the last line wins");
  }
  props.insert_or_assign(ours, std::move(*value));
  Origin(field_path, e);
}

void Converter::EmitProperties(ComponentKind kind, const std::string& type,
                               std::map<std::string, YamlNode>& props, YamlNode& node) {
  const auto* def = api::FindComponentType(kind, type);
  if (def == nullptr) return;
  for (const auto& spec : def->properties) {
    const std::string name(spec.name);
    auto it = props.find(name);
    if (it != props.end()) {
      node.Set(name, std::move(it->second));
      continue;
    }
    for (const auto& implied : ImpliedProperties()) {
      if (implied.kind == kind && implied.type == type && implied.ours == spec.name) {
        YamlNode v = spec.type == PropertyType::kString
                         ? YamlNode::String(std::string(implied.value))
                         : YamlNode::Literal(std::string(implied.value));
        node.Set(name, std::move(v), std::string(implied.reason));
      }
    }
  }
}

void Converter::ConvertSelector(const FlumeComponent& source, const std::string& path,
                                YamlNode& node) {
  const Entry* type_entry = source.Get("selector.type");
  std::vector<std::pair<std::string, const Entry*>> keys;
  for (const auto& [sub, e] : source.keys) {
    if (StartsWith(sub, "selector.") && sub != "selector.type") keys.emplace_back(sub.substr(9), e);
  }
  if (type_entry == nullptr && keys.empty()) return;
  std::string type = "replicating";
  if (type_entry != nullptr) {
    auto resolved = ResolveType(ComponentKind::kSelector, type_entry,
                                "its properties are; events go to every channel instead");
    if (!resolved) return;
    type = *resolved;
  }
  const std::string sel_path = path + ".selector";
  Origin(sel_path, type_entry ? type_entry : keys.front().second);
  std::map<std::string, YamlNode> props;
  for (const auto& [sub, e] : keys) {
    ConvertProperty(ComponentKind::kSelector, type, sub, e, sel_path, props, "channels");
  }
  YamlNode selector = YamlNode::Map();
  selector.Set("type", YamlNode::String(type));
  EmitProperties(ComponentKind::kSelector, type, props, selector);
  node.Set("selector", std::move(selector));
}

void Converter::ConvertInterceptors(const FlumeComponent& source, const std::string& path,
                                    YamlNode& node) {
  const Entry* list = source.Get("interceptors");
  std::vector<std::string> names = list ? SplitList(list->value) : std::vector<std::string>{};
  std::set<std::string> listed(names.begin(), names.end());
  // Keys of interceptors that are not listed: Flume ignores them.
  std::set<std::string> warned;
  for (const auto& [sub, e] : source.keys) {
    if (!StartsWith(sub, "interceptors.")) continue;
    std::string name = sub.substr(13, sub.find('.', 13) - 13);
    if (!listed.count(name) && warned.insert(name).second) {
      Note(e, "not converted: interceptor " + Quoted(name) + " is not listed in " + agent_ +
                  ".sources." + source.name + ".interceptors, so Flume does not run it either");
    }
  }
  if (names.empty()) return;
  YamlNode out = YamlNode::BlockList();
  size_t index = 0;
  for (const auto& name : names) {
    const std::string prefix = "interceptors." + name + ".";
    const Entry* type_entry = source.Get(prefix + "type");
    if (type_entry == nullptr) {
      Dropped(list, "interceptor " + Quoted(name) + " has no type; not converted");
      continue;
    }
    auto type = ResolveType(ComponentKind::kInterceptor, type_entry, "interceptor");
    if (!type) continue;
    const std::string item_path = path + ".interceptors[" + std::to_string(index) + "]";
    Origin(item_path, type_entry);
    std::map<std::string, YamlNode> props;
    // regex_extractor's serializers: "serializers = s1 s2" and "serializers.s1.name = header".
    std::vector<std::string> serializer_names;
    const Entry* serializers_entry = nullptr;
    for (const auto& [sub_full, e] : source.keys) {
      if (!StartsWith(sub_full, prefix) || sub_full == prefix + "type") continue;
      std::string_view sub = std::string_view(sub_full).substr(prefix.size());
      if (*type == "regex_extractor" && (sub == "serializers" || StartsWith(sub, "serializers."))) {
        if (sub == "serializers") {
          serializers_entry = e;
          serializer_names = SplitList(e->value);
        }
        continue;  // handled below
      }
      ConvertProperty(ComponentKind::kInterceptor, *type, sub, e, item_path, props);
    }
    if (serializers_entry != nullptr) {
      std::vector<std::string> headers;
      std::set<std::string> known(serializer_names.begin(), serializer_names.end());
      for (const auto& s : serializer_names) {
        const std::string sp = prefix + "serializers." + s + ".";
        const Entry* header = source.Get(sp + "name");
        if (const Entry* t = source.Get(sp + "type");
            t != nullptr && !EqualsIgnoreCase(Trim(t->value), "default") &&
            Trim(t->value) !=
                "org.apache.flume.interceptor.RegexExtractorInterceptorPassThroughSerializer") {
          Dropped(t, "unsupported serializer type " + Quoted(t->value) +
                         " (only the default pass-through serializer)");
        }
        if (header == nullptr) {
          Dropped(serializers_entry,
                  "serializer " + Quoted(s) + " has no name; its group is " + "not extracted");
          headers.push_back("");
          continue;
        }
        headers.push_back(std::string(Trim(header->value)));
      }
      // A group without a header name cannot be skipped in a list: cut the list there.
      auto hole = std::find(headers.begin(), headers.end(), "");
      headers.erase(hole, headers.end());
      props.insert_or_assign("serializers", YamlNode::List(headers));
      Origin(item_path + ".serializers", serializers_entry);
      for (const auto& [sub_full, e] : source.keys) {
        if (!StartsWith(sub_full, prefix + "serializers.")) continue;
        std::string rest = sub_full.substr(prefix.size() + 12);
        size_t dot = rest.find('.');
        std::string s = rest.substr(0, dot);
        std::string field = dot == std::string::npos ? "" : rest.substr(dot + 1);
        if (!known.count(s)) {
          Note(e, "not converted: serializer " + Quoted(s) + " is not listed in serializers");
        } else if (field != "name" && field != "type") {
          Dropped(e, "unsupported property of the regex_extractor serializer");
        }
      }
    }
    YamlNode item = YamlNode::Map();
    item.Set("type", YamlNode::String(*type));
    EmitProperties(ComponentKind::kInterceptor, *type, props, item);
    out.Append(std::move(item));
    ++index;
  }
  if (index > 0) node.Set("interceptors", std::move(out));
}

void Converter::ConvertSources(YamlNode& spec) {
  YamlNode list = YamlNode::BlockList();
  size_t index = 0;
  for (const FlumeComponent* c : Listed("sources")) {
    const Entry* type_entry = c->Get("type");
    if (type_entry == nullptr) {
      Dropped(c->keys.front().second, "source " + Quoted(c->name) + " has no type; not converted");
      continue;
    }
    auto type = ResolveType(ComponentKind::kSource, type_entry, "the source is");
    if (!type) {
      DropRest(*c, "source", std::string(Trim(type_entry->value)));
      continue;
    }
    const std::string path = "spec.sources[" + std::to_string(index) + "]";
    Origin(path, type_entry);
    YamlNode node = YamlNode::Map();
    node.Set("name", YamlNode::String(Rename("sources", c->name)));
    node.Set("type", YamlNode::String(*type));
    if (const Entry* channels = c->Get("channels")) {
      node.Set("channels", YamlNode::List(RenameAll("channels", SplitList(channels->value))));
      Origin(path + ".channels", channels);
    }
    std::map<std::string, YamlNode> props;
    for (const auto& [sub, e] : c->keys) {
      if (sub == "type" || sub == "channels" || sub == "interceptors" ||
          StartsWith(sub, "selector.") || StartsWith(sub, "interceptors.")) {
        continue;
      }
      if (*type == "taildir" && (sub == "filegroups" || StartsWith(sub, "filegroups."))) continue;
      if (sub == "channel") {
        Dropped(e, "unsupported property of source " + *type + " (sources name their channels " +
                       "in channels)");
        continue;
      }
      ConvertProperty(ComponentKind::kSource, *type, sub, e, path, props);
    }
    if (*type == "taildir") {
      // filegroups = f1 f2, filegroups.f1 = /dir/regex → filegroups: {f1: /dir/glob}
      const Entry* groups = c->Get("filegroups");
      std::vector<std::string> names =
          groups ? SplitList(groups->value) : std::vector<std::string>{};
      std::set<std::string> listed(names.begin(), names.end());
      YamlNode map = YamlNode::Map();
      for (const auto& g : names) {
        const Entry* e = c->Get("filegroups." + g);
        if (e == nullptr) {
          Dropped(groups, "file group " + Quoted(g) + " has no path (filegroups." + g + ")");
          continue;
        }
        auto glob = FileRegexToGlob(Trim(e->value));
        if (!glob.ok()) {
          Dropped(e, glob.status().message());
          continue;
        }
        map.Set(g, YamlNode::String(*glob));
        Origin(path + ".filegroups." + g, e);
      }
      for (const auto& [sub, e] : c->keys) {
        if (StartsWith(sub, "filegroups.") && !listed.count(sub.substr(11))) {
          Note(e, "not converted: file group " + Quoted(sub.substr(11)) +
                      " is not listed in filegroups");
        }
      }
      if (groups != nullptr) {
        props.insert_or_assign("filegroups", std::move(map));
        Origin(path + ".filegroups", groups);
      }
    }
    EmitProperties(ComponentKind::kSource, *type, props, node);
    ConvertSelector(*c, path, node);
    ConvertInterceptors(*c, path, node);
    list.Append(std::move(node));
    ++index;
  }
  spec.Set("sources", std::move(list));
  if (auto it = agent_keys_.find("sources"); it != agent_keys_.end()) {
    Origin("spec.sources", it->second);
  }
}

void Converter::ConvertChannels(YamlNode& spec) {
  YamlNode list = YamlNode::BlockList();
  size_t index = 0;
  for (const FlumeComponent* c : Listed("channels")) {
    const Entry* type_entry = c->Get("type");
    if (type_entry == nullptr) {
      Dropped(c->keys.front().second, "channel " + Quoted(c->name) + " has no type; not converted");
      continue;
    }
    auto type = ResolveType(ComponentKind::kChannel, type_entry, "the channel is");
    if (!type) {
      DropRest(*c, "channel", std::string(Trim(type_entry->value)));
      continue;
    }
    const std::string path = "spec.channels[" + std::to_string(index) + "]";
    Origin(path, type_entry);
    YamlNode node = YamlNode::Map();
    node.Set("name", YamlNode::String(Rename("channels", c->name)));
    node.Set("type", YamlNode::String(*type));
    std::map<std::string, YamlNode> props;
    for (const auto& [sub, e] : c->keys) {
      if (sub != "type") ConvertProperty(ComponentKind::kChannel, *type, sub, e, path, props);
    }
    EmitProperties(ComponentKind::kChannel, *type, props, node);
    list.Append(std::move(node));
    ++index;
  }
  spec.Set("channels", std::move(list));
  if (auto it = agent_keys_.find("channels"); it != agent_keys_.end()) {
    Origin("spec.channels", it->second);
  }
}

void Converter::ConvertSinks(YamlNode& spec) {
  YamlNode list = YamlNode::BlockList();
  size_t index = 0;
  for (const FlumeComponent* c : Listed("sinks")) {
    const Entry* type_entry = c->Get("type");
    if (type_entry == nullptr) {
      Dropped(c->keys.front().second, "sink " + Quoted(c->name) + " has no type; not converted");
      continue;
    }
    auto type = ResolveType(ComponentKind::kSink, type_entry, "the sink is");
    if (!type) {
      DropRest(*c, "sink", std::string(Trim(type_entry->value)));
      continue;
    }
    const std::string path = "spec.sinks[" + std::to_string(index) + "]";
    Origin(path, type_entry);
    YamlNode node = YamlNode::Map();
    node.Set("name", YamlNode::String(Rename("sinks", c->name)));
    node.Set("type", YamlNode::String(*type));
    if (const Entry* channel = c->Get("channel")) {
      node.Set("channel", YamlNode::String(Rename("channels", std::string(Trim(channel->value)))));
      Origin(path + ".channel", channel);
    }
    std::map<std::string, YamlNode> props;
    for (const auto& [sub, e] : c->keys) {
      if (sub == "type" || sub == "channel") continue;
      if (sub == "channels") {
        Dropped(e, "unsupported property of sink " + *type +
                       " (a sink reads one channel: " + "channel)");
        continue;
      }
      ConvertProperty(ComponentKind::kSink, *type, sub, e, path, props);
    }
    EmitProperties(ComponentKind::kSink, *type, props, node);
    list.Append(std::move(node));
    ++index;
  }
  spec.Set("sinks", std::move(list));
  if (auto it = agent_keys_.find("sinks"); it != agent_keys_.end()) {
    Origin("spec.sinks", it->second);
  }
}

void Converter::ConvertSinkGroups(YamlNode& spec) {
  YamlNode list = YamlNode::BlockList();
  size_t index = 0;
  for (const FlumeComponent* c : Listed("sinkgroups")) {
    const std::string path = "spec.sinkGroups[" + std::to_string(index) + "]";
    const Entry* sinks = c->Get("sinks");
    if (sinks == nullptr) sinks = c->Get("processor.sinks");  // the user guide's other spelling
    YamlNode node = YamlNode::Map();
    node.Set("name", YamlNode::String(Rename("sinkgroups", c->name)));
    Origin(path, sinks ? sinks : c->keys.front().second);
    if (sinks != nullptr) {
      node.Set("sinks", YamlNode::List(RenameAll("sinks", SplitList(sinks->value))));
      Origin(path + ".sinks", sinks);
    }
    const Entry* type_entry = c->Get("processor.type");
    std::string type = "default";
    bool processor_ok = true;
    if (type_entry != nullptr) {
      auto resolved = ResolveType(ComponentKind::kSinkProcessor, type_entry, "its properties are");
      processor_ok = resolved.has_value();
      if (resolved) type = *resolved;
    }
    const std::string proc_path = path + ".processor";
    std::map<std::string, YamlNode> props;
    for (const auto& [sub, e] : c->keys) {
      if (sub == "sinks" || sub == "processor.sinks" || sub == "processor.type") continue;
      if (!StartsWith(sub, "processor.")) {
        Dropped(e, "unsupported property of sink group");
        continue;
      }
      if (!processor_ok) continue;
      ConvertProperty(ComponentKind::kSinkProcessor, type, std::string_view(sub).substr(10), e,
                      proc_path, props, "sinks");
    }
    if (processor_ok && type_entry != nullptr) {
      YamlNode processor = YamlNode::Map();
      processor.Set("type", YamlNode::String(type));
      EmitProperties(ComponentKind::kSinkProcessor, type, props, processor);
      node.Set("processor", std::move(processor));
      Origin(proc_path, type_entry);
    }
    list.Append(std::move(node));
    ++index;
  }
  if (index > 0) spec.Set("sinkGroups", std::move(list));
}

FlumeConversion Converter::Run(const std::vector<Entry>& entries) {
  const std::string prefix = agent_ + ".";
  for (const auto& e : entries) {
    if (!StartsWith(e.key, prefix)) continue;
    std::string rest = e.key.substr(prefix.size());
    size_t dot = rest.find('.');
    std::string section = rest.substr(0, dot);
    bool known_section =
        std::find(std::begin(kSections), std::end(kSections), section) != std::end(kSections);
    if (!known_section) {
      Dropped(&e, section == "configfilters"
                      ? "unsupported: configuration filters (put the values in the manifest, "
                        "or use a Kubernetes Secret)"
                      : "unsupported key");
      continue;
    }
    if (dot == std::string::npos) {
      agent_keys_[section] = &e;
      continue;
    }
    std::string name_and_sub = rest.substr(dot + 1);
    size_t dot2 = name_and_sub.find('.');
    if (dot2 == std::string::npos || dot2 + 1 == name_and_sub.size()) {
      Dropped(&e, "unsupported key (expected " + agent_ + "." + section + ".<name>.<property>)");
      continue;
    }
    FlumeComponent& c = components_[section][name_and_sub.substr(0, dot2)];
    c.name = name_and_sub.substr(0, dot2);
    c.keys.emplace_back(name_and_sub.substr(dot2 + 1), &e);
  }
  AssignNames("sources", "source");
  AssignNames("channels", "channel");
  AssignNames("sinks", "sink");
  AssignNames("sinkgroups", "sink group");

  YamlNode doc = YamlNode::Map();
  doc.Set("apiVersion", YamlNode::String("acequia.io/v1alpha1"));
  doc.Set("kind", YamlNode::String("Flow"));
  YamlNode metadata = YamlNode::Map();
  const std::string flow_name = FlowName(agent_);
  metadata.Set("name", YamlNode::String(flow_name));
  doc.Set("metadata", std::move(metadata));
  YamlNode spec = YamlNode::Map();
  ConvertSources(spec);
  ConvertChannels(spec);
  ConvertSinks(spec);
  ConvertSinkGroups(spec);
  doc.Set("spec", std::move(spec));

  FlumeConversion out;
  out.agent = agent_;
  // Names as YAML scalars: a line break in one would end the comment.
  out.manifest = "# Converted from " + YamlScalar(file_name_) + " (Flume agent " +
                 YamlScalar(agent_) + ") by acequia-agent convert-flume.\n" + doc.Write();
  std::stable_sort(
      issues_.begin(), issues_.end(),
      [](const ConversionIssue& a, const ConversionIssue& b) { return a.line < b.line; });
  out.issues = std::move(issues_);
  out.origins = std::move(origins_);
  return out;
}

}  // namespace

std::string ConversionIssue::Format(std::string_view file) const {
  std::string out(file);
  if (line > 0) out += ":" + std::to_string(line);
  out += ": ";
  if (!key.empty()) out += key + ": ";
  if (severity == Severity::kNote) out += "note: ";
  return out + message;
}

bool FlumeConversion::dropped_anything() const {
  return std::any_of(issues.begin(), issues.end(),
                     [](const ConversionIssue& i) { return i.severity == Severity::kDropped; });
}

std::string FlowName(std::string_view flume_name) {
  std::string out;
  for (char ch : flume_name) {
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (ok) {
      out += c;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.size() > 63) out.resize(63);
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "flume" : out;
}

Result<std::string> FileRegexToGlob(std::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) {
    return Status::InvalidArgument("file group path " + Quoted(path) + " is not absolute");
  }
  std::string glob(path.substr(0, slash + 1));
  std::string_view re = path.substr(slash + 1);
  if (!re.empty() && re.front() == '^') re.remove_prefix(1);
  if (!re.empty() && re.back() == '$' && (re.size() < 2 || re[re.size() - 2] != '\\')) {
    re.remove_suffix(1);
  }
  auto fail = [&](const std::string& why) {
    return Status::InvalidArgument("file name pattern " + Quoted(path.substr(slash + 1)) +
                                   " has no glob equivalent (" + why +
                                   "); write it as a glob: *, ?, [...]");
  };
  for (size_t i = 0; i < re.size(); ++i) {
    char c = re[i];
    char next = i + 1 < re.size() ? re[i + 1] : '\0';
    if (c == '.') {
      if (next == '*') {
        glob += '*';
        ++i;
      } else if (next == '+') {
        glob += "?*";
        ++i;
      } else {
        glob += '?';
      }
    } else if (c == '\\') {
      if (next == '\0' || std::isalnum(static_cast<unsigned char>(next))) {
        return fail(std::string("escape \\") + next);
      }
      if (next == '*' || next == '?' || next == '[' || next == ']') {
        return fail(std::string("literal ") + next);
      }
      glob += next;
      ++i;
    } else if (c == '[') {
      size_t end = re.find(']', i + 2);
      if (end == std::string_view::npos) return fail("unclosed [");
      std::string_view cls = re.substr(i, end - i + 1);
      if (cls.find('\\') != std::string_view::npos) return fail("escape in a character class");
      std::string copy(cls);
      if (copy.size() > 2 && copy[1] == '^') copy[1] = '!';
      glob += copy;
      i = end;
    } else if (std::string_view("*+?(){}|^$").find(c) != std::string_view::npos) {
      return fail(std::string("operator ") + c);
    } else {
      glob += c;
    }
    if (i + 1 < re.size() && std::string_view("*+?{").find(re[i + 1]) != std::string_view::npos &&
        c != '.') {
      return fail(std::string("repetition ") + re[i + 1]);
    }
  }
  return glob;
}

Result<FlumeConversion> ConvertFlumeProperties(std::string_view text,
                                               const FlumeConvertOptions& options) {
  auto parsed = ParseJavaProperties(text);
  if (!parsed.ok()) return parsed.status();
  // Java keeps the last value of a key; earlier ones are reported.
  std::map<std::string, size_t> last;
  for (size_t i = 0; i < parsed->size(); ++i) last[(*parsed)[i].key] = i;
  std::vector<Entry> entries;
  std::vector<ConversionIssue> overridden;
  for (size_t i = 0; i < parsed->size(); ++i) {
    const auto& p = (*parsed)[i];
    if (last[p.key] != i) {
      overridden.push_back({Severity::kNote, p.line, p.key,
                            "set again at line " + std::to_string((*parsed)[last[p.key]].line) +
                                ", which wins (as in Flume)"});
      continue;
    }
    entries.push_back({p.key, p.value, p.line});
  }
  // The agents: first segments of keys whose second is a component section. Flume rejects a key
  // with an empty agent name (".sources"), and --agent could not choose it.
  std::vector<std::string> agents;
  for (const auto& e : entries) {
    size_t dot = e.key.find('.');
    if (dot == std::string::npos || dot == 0) continue;
    std::string second = e.key.substr(dot + 1, e.key.find('.', dot + 1) - dot - 1);
    if (std::find(std::begin(kSections), std::end(kSections), second) == std::end(kSections)) {
      continue;
    }
    std::string agent = e.key.substr(0, dot);
    if (std::find(agents.begin(), agents.end(), agent) == agents.end()) agents.push_back(agent);
  }
  std::string known;
  for (const auto& a : agents) known += (known.empty() ? "" : ", ") + a;
  std::string agent = options.agent;
  if (agent.empty()) {
    if (agents.empty()) {
      return Status::InvalidArgument(
          "no Flume agent found: expected keys like <agent>.sources = r1");
    }
    if (agents.size() > 1) {
      return Status::InvalidArgument("the file configures several agents (" + known +
                                     "): choose one with --agent");
    }
    agent = agents.front();
  } else if (std::find(agents.begin(), agents.end(), agent) == agents.end()) {
    return Status::InvalidArgument("no agent " + Quoted(agent) + " in the file" +
                                   (known.empty() ? "" : " (found: " + known + ")"));
  }
  Converter converter(agent, options.file_name);
  FlumeConversion out = converter.Run(entries);
  const std::string prefix = agent + ".";
  for (auto& o : overridden) {
    if (StartsWith(o.key, prefix)) out.issues.push_back(std::move(o));
  }
  std::stable_sort(
      out.issues.begin(), out.issues.end(),
      [](const ConversionIssue& a, const ConversionIssue& b) { return a.line < b.line; });
  return out;
}

std::vector<ConversionIssue> ValidateConversion(const FlumeConversion& conversion) {
  std::vector<ConversionIssue> out;
  api::FlowParseResult parsed = api::ParseFlow(conversion.manifest, FlowName(conversion.agent));
  for (const auto& error : parsed.errors) {
    const KeyOrigin* best = nullptr;
    size_t best_len = 0;
    for (const auto& [path, origin] : conversion.origins) {
      bool matches = error.path == path ||
                     (StartsWith(error.path, path) &&
                      (error.path[path.size()] == '.' || error.path[path.size()] == '['));
      if (matches && path.size() >= best_len) {
        best = &origin;
        best_len = path.size();
      }
    }
    ConversionIssue issue;
    issue.severity = Severity::kDropped;
    if (best != nullptr) {
      issue.line = best->line;
      issue.key = best->key;
    }
    issue.message = error.message + (error.path.empty() ? "" : " (" + error.path + ")");
    out.push_back(std::move(issue));
  }
  return out;
}

}  // namespace acequia::sidecar::convert
