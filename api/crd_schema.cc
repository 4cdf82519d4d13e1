#include "api/crd_schema.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <string_view>

#include "api/catalog.h"
#include "api/flow.h"
#include "api/import_job.h"

namespace acequia::api {
namespace {

using Json = nlohmann::ordered_json;

constexpr int64_t kMaxNameLength = 63;
constexpr std::string_view kNamePattern = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
// The forms api/quantity.cc reads; an integer is taken as seconds (durations) or bytes (sizes).
constexpr std::string_view kDurationPattern = "^([0-9]+|([0-9]+(ms|s|m|h|d))+)$";
constexpr std::string_view kSizePattern = "^[0-9]+(Ki|Mi|Gi|Ti|k|K|M|G|T)?$";

// List bounds. The API server estimates the worst-case cost of every CEL rule from them and
// refuses a CRD whose rules could cost too much; the nested rules on the spec stay well inside
// the per-rule limit with these.
constexpr int64_t kMaxSources = 16;
constexpr int64_t kMaxChannels = 32;
constexpr int64_t kMaxSinks = 32;
constexpr int64_t kMaxSinkGroups = 16;
constexpr int64_t kMaxShortList = 16;  // a source's channels, interceptors, a group's sinks
constexpr int64_t kMaxMapEntries = 64;

std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += separator;
    out += items[i];
  }
  return out;
}

// A CEL string literal.
std::string Cel(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

// Kubernetes escapes CEL keywords and some characters in property names; the generated rules
// only name properties that need no escaping and skip the others.
bool IsPlainCelField(std::string_view name) {
  static const std::set<std::string_view> kReserved = {
      "true",     "false",   "null",      "in",       "as",  "break",  "const",
      "continue", "else",    "for",       "function", "if",  "import", "let",
      "loop",     "package", "namespace", "return",   "var", "void",   "while"};
  static const std::regex kIdentifier("[a-zA-Z_][a-zA-Z0-9_]*");
  return !kReserved.count(name) && std::regex_match(std::string(name), kIdentifier);
}

Json Rule(std::string rule, std::string message) {
  return Json{{"rule", std::move(rule)}, {"message", std::move(message)}};
}
Json Rule(std::string rule, std::string message, std::string_view field_path) {
  Json r = Rule(std::move(rule), std::move(message));
  r["fieldPath"] = field_path;
  return r;
}
Json RuleWithMessageExpression(std::string rule, std::string message_expression) {
  return Json{{"rule", std::move(rule)}, {"messageExpression", std::move(message_expression)}};
}

Json NameSchema(std::string description) {
  return Json{{"type", "string"},
              {"description", std::move(description)},
              {"maxLength", kMaxNameLength},
              {"pattern", kNamePattern}};
}

Json StringList(std::string description, int64_t max_items, int64_t min_items = 0) {
  Json list{{"type", "array"}, {"description", std::move(description)}};
  if (min_items > 0) list["minItems"] = min_items;
  list["maxItems"] = max_items;
  list["items"] = Json{{"type", "string"}, {"maxLength", kMaxNameLength}};
  return list;
}

// ---- Component properties -------------------------------------------------------------------

// The schema of one property without its description and range: what must agree between two
// types that declare the same property for the merged schema to be typed.
Json PropertyShape(const PropertySpec& p) {
  switch (p.type) {
    case PropertyType::kString:
    case PropertyType::kRegex:  // compiled by the operator's validator (RE2), not by CEL
      return Json{{"type", "string"}};
    case PropertyType::kInt:
      return Json{{"type", "integer"}, {"format", "int64"}};
    case PropertyType::kBool:
      return Json{{"type", "boolean"}};
    case PropertyType::kDuration:
      return Json{{"x-kubernetes-int-or-string", true}, {"pattern", kDurationPattern}};
    case PropertyType::kSize:
      return Json{{"x-kubernetes-int-or-string", true}, {"pattern", kSizePattern}};
    case PropertyType::kStringList:
      return Json{{"type", "array"}, {"items", Json{{"type", "string"}}}};
    case PropertyType::kStringMap:
      return Json{{"type", "object"},
                  {"maxProperties", kMaxMapEntries},
                  {"additionalProperties", Json{{"type", "string"}}}};
    case PropertyType::kListMap:
      return Json{
          {"type", "object"},
          {"maxProperties", kMaxMapEntries},
          {"additionalProperties", Json{{"type", "array"}, {"items", Json{{"type", "string"}}}}}};
    case PropertyType::kIntMap:
      return Json{{"type", "object"},
                  {"maxProperties", kMaxMapEntries},
                  {"additionalProperties", Json{{"type", "integer"}, {"format", "int64"}}}};
    case PropertyType::kBoolMap:
      return Json{{"type", "object"},
                  {"maxProperties", kMaxMapEntries},
                  {"additionalProperties", Json{{"type", "boolean"}}}};
    case PropertyType::kIntList: {
      Json item{{"type", "integer"}, {"format", "int64"}};
      if (p.min) item["minimum"] = *p.min;
      if (p.max) item["maximum"] = *p.max;
      return Json{{"type", "array"}, {"items", item}};
    }
  }
  return Json::object();
}

struct Declaration {
  std::string_view type;  // the component type declaring the property
  const PropertySpec* spec;
};

// Merges the declarations of one property by several types of a kind into one schema: typed when
// they agree on the shape, with the loosest range and the union of their enums.
Json MergedProperty(const std::vector<Declaration>& decls, size_t types_of_kind) {
  const Json shape = PropertyShape(*decls.front().spec);
  bool same_shape = true;
  for (const auto& d : decls) same_shape = same_shape && PropertyShape(*d.spec) == shape;

  // Description: one text when all agree, else each type's own; then defaults and who takes it.
  std::vector<std::string> descriptions;
  std::map<std::string, std::vector<std::string>> by_text;
  for (const auto& d : decls) {
    std::string text(d.spec->description);
    if (!by_text.count(text)) descriptions.push_back(text);
    by_text[text].emplace_back(d.type);
  }
  std::string description;
  if (descriptions.size() == 1) {
    description = descriptions.front();
  } else {
    std::vector<std::string> parts;
    for (const auto& text : descriptions) parts.push_back(Join(by_text[text], ", ") + ": " + text);
    description = Join(parts, " ");
  }
  std::vector<std::string> defaults;
  std::set<std::string> distinct_defaults;
  std::vector<std::string> required_by;
  for (const auto& d : decls) {
    if (d.spec->required) required_by.emplace_back(d.type);
    if (d.spec->default_value && !d.spec->default_value->empty()) {
      defaults.push_back(std::string(*d.spec->default_value) + " (" + std::string(d.type) + ")");
      distinct_defaults.emplace(*d.spec->default_value);
    }
  }
  if (distinct_defaults.size() == 1 && defaults.size() == decls.size()) {
    description += " Default: " + *distinct_defaults.begin() + ".";
  } else if (!defaults.empty()) {
    description += " Default: " + Join(defaults, ", ") + ".";
  }
  if (!decls.front().spec->key_hint.empty()) {
    // Checked by the operator's validator (webhook, status): a CEL rule over map keys cannot be
    // bounded for the API server's cost estimate.
    description += " Keys: " + std::string(decls.front().spec->key_hint) + ".";
  }
  if (!required_by.empty()) description += " Required by: " + Join(required_by, ", ") + ".";
  if (decls.size() < types_of_kind) {
    std::vector<std::string> takers;
    for (const auto& d : decls) takers.emplace_back(d.type);
    description += " Taken by: " + Join(takers, ", ") + ".";
  }

  if (!same_shape) {
    return Json{{"description", description + " (Its form depends on the type.)"},
                {"x-kubernetes-preserve-unknown-fields", true}};
  }
  Json schema{{"description", description}};
  for (const auto& [key, value] : shape.items()) schema[key] = value;

  // Ranges: the loosest bound, or none when one declaration has none.
  std::optional<int64_t> min = decls.front().spec->min;
  std::optional<int64_t> max = decls.front().spec->max;
  std::vector<std::string> one_of;
  bool any_free_string = false;
  for (const auto& d : decls) {
    min = (min && d.spec->min) ? std::optional(std::min(*min, *d.spec->min)) : std::nullopt;
    max = (max && d.spec->max) ? std::optional(std::max(*max, *d.spec->max)) : std::nullopt;
    if (d.spec->one_of.empty()) any_free_string = true;
    for (auto v : d.spec->one_of) {
      if (std::find(one_of.begin(), one_of.end(), v) == one_of.end()) one_of.emplace_back(v);
    }
  }
  const PropertyType type = decls.front().spec->type;
  if (type == PropertyType::kInt || type == PropertyType::kSize) {
    // For sizes the bound holds for the integer form only; "64Mi" is checked by the validator.
    if (min) schema["minimum"] = *min;
    if (max) schema["maximum"] = *max;
  }
  if (type == PropertyType::kString && !any_free_string && !one_of.empty()) {
    schema["enum"] = one_of;
  }
  return schema;
}

// CEL: `var`.`property` with its per-type default when absent; -1 for a type without it.
std::string IntValueExpr(std::string_view var, ComponentKind kind, std::string_view property) {
  std::string fallback = "-1";
  auto types = CatalogOf(kind);
  for (auto it = types.rbegin(); it != types.rend(); ++it) {
    const PropertySpec* p = it->Find(property);
    if (p == nullptr || !p->default_value || p->default_value->empty()) continue;
    fallback = std::string(var) + ".type == " + Cel(it->name) + " ? " +
               std::string(*p->default_value) + " : (" + fallback + ")";
  }
  const std::string field = std::string(var) + "." + std::string(property);
  return "(has(" + field + ") ? " + field + " : (" + fallback + "))";
}

// CEL: `var`.type is one of the types of `kind` that declare an integer `property`.
std::optional<std::string> TypesDeclaring(std::string_view var, ComponentKind kind,
                                          std::string_view property) {
  std::vector<std::string> names;
  for (const auto& t : CatalogOf(kind)) {
    const PropertySpec* p = t.Find(property);
    if (p != nullptr && p->type == PropertyType::kInt) names.push_back(Cel(t.name));
  }
  if (names.empty() || !IsPlainCelField(property)) return std::nullopt;
  return std::string(var) + ".type in [" + Join(names, ", ") + "]";
}

// A chained CEL conditional on self.type: `self.type == 'a' ? A : self.type == 'b' ? B : other`.
std::string ByType(const std::vector<std::pair<std::string, std::string>>& cases,
                   std::string otherwise) {
  std::string out = std::move(otherwise);
  for (auto it = cases.rbegin(); it != cases.rend(); ++it) {
    out = "self.type == " + Cel(it->first) + " ? " + it->second + " : " + out;
  }
  return out;
}

// The object schema of one component of `kind`: `structural` keys (name, type, wiring) plus every
// property of every type, and the rules that tie the properties to the chosen type.
Json ComponentObject(ComponentKind kind, std::string description, Json structural,
                     std::vector<std::string> required, Json rules = Json::array()) {
  const auto types = CatalogOf(kind);
  const std::string kind_name(ComponentKindName(kind));
  std::vector<std::string> type_names;
  for (const auto& t : types) type_names.emplace_back(t.name);

  Json properties = std::move(structural);
  properties["type"] =
      Json{{"type", "string"},
           {"description", "The " + kind_name + " type: " + Join(type_names, ", ") +
                               " (properties: docs/reference.md)."},
           {"enum", type_names}};
  for (const auto& [key, value] : structural.items()) properties[key] = value;
  std::vector<std::string> order;
  std::map<std::string, std::vector<Declaration>> decls;
  for (const auto& t : types) {
    for (const auto& p : t.properties) {
      std::string name(p.name);
      if (!decls.count(name)) order.push_back(name);
      decls[name].push_back({t.name, &p});
    }
  }
  for (const auto& name : order) properties[name] = MergedProperty(decls[name], types.size());

  // Properties the chosen type does not take, and those it requires.
  std::vector<std::pair<std::string, std::string>> forbid_cases, known_cases, require_cases,
      required_names;
  for (const auto& t : types) {
    std::vector<std::string> forbidden, known, needed;
    for (const auto& name : order) {
      if (t.Find(name) == nullptr) {
        if (IsPlainCelField(name)) forbidden.push_back("!has(self." + name + ")");
      } else {
        known.push_back(name);
      }
    }
    for (const auto& p : t.properties) {
      if (p.required && IsPlainCelField(p.name))
        needed.push_back("has(self." + std::string(p.name) + ")");
    }
    if (!forbidden.empty()) forbid_cases.emplace_back(t.name, Join(forbidden, " && "));
    known_cases.emplace_back(t.name,
                             Cel(known.empty() ? "it has none" : "known: " + Join(known, ", ")));
    if (!needed.empty()) {
      require_cases.emplace_back(t.name, Join(needed, " && "));
      std::vector<std::string> names;
      for (const auto& p : t.properties) {
        if (p.required) names.emplace_back(p.name);
      }
      required_names.emplace_back(t.name, Cel(Join(names, ", ")));
    }
  }
  Json all_rules = Json::array();
  if (!forbid_cases.empty()) {
    all_rules.push_back(RuleWithMessageExpression(ByType(forbid_cases, "true"),
                                                  "'unknown property for " + kind_name +
                                                      " type \"' + self.type + '\" (' + (" +
                                                      ByType(known_cases, "''") + ") + ')'"));
  }
  if (!require_cases.empty()) {
    all_rules.push_back(RuleWithMessageExpression(
        ByType(require_cases, "true"), "'missing a property required by " + kind_name +
                                           " type \"' + self.type + '\" (required: ' + (" +
                                           ByType(required_names, "''") + ") + ')'"));
  }
  for (auto& r : rules) all_rules.push_back(std::move(r));

  required.insert(required.begin(), "type");
  Json object{{"type", "object"}, {"description", std::move(description)}};
  object["required"] = required;
  object["properties"] = std::move(properties);
  if (!all_rules.empty()) object["x-kubernetes-validations"] = std::move(all_rules);
  return object;
}

bool KindHasProperty(ComponentKind kind, std::string_view property, PropertyType type) {
  for (const auto& t : CatalogOf(kind)) {
    const PropertySpec* p = t.Find(property);
    if (p != nullptr && p->type == type) return true;
  }
  return false;
}

// ---- Flow -----------------------------------------------------------------------------------

Json SelectorSchema() {
  Json rules = Json::array();
  if (KindHasProperty(ComponentKind::kSelector, "default", PropertyType::kStringList)) {
    rules.push_back(
        Rule("self.type != 'multiplexing' || (has(self.default) && size(self.default) > 0)",
             "default is required: events whose header matches no mapping need a "
             "channel, or they would be lost",
             ".default"));
  }
  return ComponentObject(ComponentKind::kSelector,
                         "How the source picks channels for an event (default: replicating, "
                         "every event into every channel).",
                         Json::object(), {}, std::move(rules));
}

Json SourceSchema() {
  Json structural;
  structural["name"] = NameSchema("Unique among the sources; a DNS label (metric label value).");
  structural["channels"] = StringList("The channels this source writes to.", kMaxShortList, 1);
  structural["selector"] = SelectorSchema();
  structural["interceptors"] =
      Json{{"type", "array"},
           {"description", "Applied in order to every event before it is put into a channel."},
           {"maxItems", kMaxShortList},
           {"items",
            ComponentObject(ComponentKind::kInterceptor, "One interceptor.", Json::object(), {})}};
  Json rules = Json::array();
  std::vector<std::string> subsets;
  if (KindHasProperty(ComponentKind::kSelector, "default", PropertyType::kStringList)) {
    subsets.push_back(
        "(!has(self.selector.default) || self.selector.default.all(c, c in self.channels))");
  }
  if (KindHasProperty(ComponentKind::kSelector, "mapping", PropertyType::kListMap)) {
    subsets.push_back(
        "(!has(self.selector.mapping) || self.selector.mapping.all(k, "
        "self.selector.mapping[k].all(c, c in self.channels)))");
  }
  if (!subsets.empty()) {
    rules.push_back(Rule("!has(self.selector) || (" + Join(subsets, " && ") + ")",
                         "the selector names a channel that is not one of the source's channels",
                         ".selector"));
  }
  return ComponentObject(ComponentKind::kSource, "A source: where events come in.",
                         std::move(structural), {"name", "channels"}, std::move(rules));
}

Json ChannelSchema() {
  Json rules = Json::array();
  auto tx = TypesDeclaring("self", ComponentKind::kChannel, "transactionCapacity");
  auto cap = TypesDeclaring("self", ComponentKind::kChannel, "capacity");
  if (tx && cap) {
    rules.push_back(Rule("!(" + *tx + ") || !(" + *cap + ") || " +
                             IntValueExpr("self", ComponentKind::kChannel, "transactionCapacity") +
                             " <= " + IntValueExpr("self", ComponentKind::kChannel, "capacity"),
                         "transactionCapacity must not exceed capacity", ".transactionCapacity"));
  }
  Json structural;
  structural["name"] = NameSchema("Unique among the channels; a DNS label (metric label value).");
  return ComponentObject(ComponentKind::kChannel,
                         "A channel: holds events between sources and sinks, transactionally.",
                         std::move(structural), {"name"}, std::move(rules));
}

Json SinkSchema() {
  Json structural;
  structural["name"] = NameSchema("Unique among the sinks; a DNS label (metric label value).");
  structural["channel"] = Json{{"type", "string"},
                               {"description", "The channel this sink takes events from."},
                               {"maxLength", kMaxNameLength}};
  return ComponentObject(ComponentKind::kSink, "A sink: where events go out.",
                         std::move(structural), {"name", "channel"});
}

Json SinkGroupSchema() {
  Json processor = ComponentObject(ComponentKind::kSinkProcessor,
                                   "How the group's sinks share the work (default: default, "
                                   "one sink).",
                                   Json::object(), {});
  Json sinks =
      StringList("The sinks of this group; a sink is in at most one group.", kMaxShortList, 1);
  sinks["x-kubernetes-list-type"] = "set";
  Json group{{"type", "object"},
             {"description", "A group of sinks run by one sink processor."},
             {"required", {"name", "sinks"}},
             {"properties",
              {{"name", NameSchema("Unique among the sink groups; a DNS label.")},
               {"sinks", std::move(sinks)},
               {"processor", std::move(processor)}}},
             {"x-kubernetes-validations",
              Json::array({Rule("(has(self.processor) && self.processor.type != 'default') || "
                                "size(self.sinks) <= 1",
                                "the default processor runs one sink; name a processor type "
                                "for more sinks",
                                ".processor")})}};
  return group;
}

Json NamedList(std::string description, Json item, int64_t max_items, int64_t min_items) {
  Json list{{"type", "array"}, {"description", std::move(description)}};
  if (min_items > 0) list["minItems"] = min_items;
  list["maxItems"] = max_items;
  list["x-kubernetes-list-type"] = "map";
  list["x-kubernetes-list-map-keys"] = Json::array({"name"});
  list["items"] = std::move(item);
  return list;
}

std::string UniqueNames(std::string_view list) {
  const std::string l = "self." + std::string(list);
  return l + ".all(a, " + l + ".exists_one(b, b.name == a.name))";
}

Json FlowSpecRules() {
  const FlowSpec defaults;
  Json rules = Json::array();
  for (std::string_view list : {"sources", "channels", "sinks"}) {
    rules.push_back(Rule(UniqueNames(list), std::string(list) + " names must be unique",
                         "." + std::string(list)));
  }
  rules.push_back(Rule("!has(self.sinkGroups) || " + UniqueNames("sinkGroups"),
                       "sinkGroups names must be unique", ".sinkGroups"));
  rules.push_back(
      Rule("self.sources.all(s, s.channels.all(n, self.channels.exists(c, c.name == n)))",
           "a source names a channel that spec.channels does not declare", ".sources"));
  rules.push_back(Rule("self.sinks.all(s, self.channels.exists(c, c.name == s.channel))",
                       "a sink names a channel that spec.channels does not declare", ".sinks"));
  rules.push_back(Rule("self.channels.all(c, self.sinks.exists(s, s.channel == c.name))",
                       "every channel must be read by a sink, or its events would pile up",
                       ".channels"));
  rules.push_back(
      Rule("!has(self.sinkGroups) || self.sinkGroups.all(g, g.sinks.all(n, "
           "self.sinks.exists(s, s.name == n)))",
           "a sink group names a sink that spec.sinks does not declare", ".sinkGroups"));
  rules.push_back(
      Rule("!has(self.sinkGroups) || self.sinkGroups.all(g, g.sinks.all(n, "
           "self.sinkGroups.filter(h, n in h.sinks).size() == 1))",
           "a sink is in more than one sink group", ".sinkGroups"));
  if (KindHasProperty(ComponentKind::kSource, "port", PropertyType::kInt)) {
    const std::string metrics =
        "(has(self.metrics) && has(self.metrics.port) ? self.metrics.port : " +
        std::to_string(defaults.metrics_port) + ")";
    // Per protocol: a UDP source (syslogudp) may share its number with a TCP listener.
    rules.push_back(
        Rule("self.sources.all(a, !has(a.port) || ((a.type.contains('udp') || "
             "a.port != " +
                 metrics +
                 ") && self.sources.exists_one(b, has(b.port) && b.port == a.port "
                 "&& b.type.contains('udp') == a.type.contains('udp'))))",
             "two sources, or a source and spec.metrics.port, use the same port", ".sources"));
  }
  // A batch never exceeds the transactionCapacity of the channel it is put into or taken from.
  auto tx = TypesDeclaring("c", ComponentKind::kChannel, "transactionCapacity");
  if (tx) {
    const std::string tx_value = IntValueExpr("c", ComponentKind::kChannel, "transactionCapacity");
    if (auto batch = TypesDeclaring("s", ComponentKind::kSource, "batchSize")) {
      rules.push_back(
          Rule("self.sources.all(s, !(" + *batch +
                   ") || s.channels.all(n, self.channels.all(c, "
                   "c.name != n || !(" +
                   *tx + ") || " + IntValueExpr("s", ComponentKind::kSource, "batchSize") +
                   " <= " + tx_value + ")))",
               "a source's batchSize is larger than the transactionCapacity of one of its channels",
               ".sources"));
    }
    if (auto batch = TypesDeclaring("s", ComponentKind::kSink, "batchSize")) {
      rules.push_back(Rule(
          "self.sinks.all(s, !(" + *batch +
              ") || self.channels.all(c, "
              "c.name != s.channel || !(" +
              *tx + ") || " + IntValueExpr("s", ComponentKind::kSink, "batchSize") +
              " <= " + tx_value + "))",
          "a sink's batchSize is larger than the transactionCapacity of its channel", ".sinks"));
    }
  }
  return rules;
}

Json FlowSpecSchema() {
  const FlowSpec defaults;
  Json props;
  props["mode"] = Json{{"type", "string"},
                       {"description",
                        "collector: the agents run as a Deployment (a StatefulSet when a file "
                        "channel needs a volume); sidecar: the agent is injected into the pods "
                        "that match inject.selector."},
                       {"enum", {"collector", "sidecar"}},
                       {"default", defaults.mode}};
  props["replicas"] = Json{
      {"type", "integer"}, {"format", "int32"}, {"description", "Agent pods in collector mode."},
      {"minimum", 0},      {"maximum", 1000},   {"default", defaults.replicas}};
  props["inject"] = Json{
      {"type", "object"},
      {"description", "Sidecar mode: which pods get an agent, and which of their paths it reads."},
      {"properties",
       {{"selector",
         {{"type", "object"},
          {"description", "Pods whose labels match get the agent as a native sidecar."},
          {"required", {"matchLabels"}},
          {"properties",
           {{"matchLabels",
             {{"type", "object"},
              {"maxProperties", kMaxMapEntries},
              {"additionalProperties", {{"type", "string"}}}}}}}}},
        {"logVolume",
         {{"type", "string"},
          {"description",
           "Absolute path of the application's log directory, shared with the agent."},
          {"pattern", "^/"}}}}}};
  props["sources"] = NamedList("Where events come in.", SourceSchema(), kMaxSources, 1);
  props["channels"] = NamedList("Where events wait, in transactions, between sources and sinks.",
                                ChannelSchema(), kMaxChannels, 1);
  props["sinks"] = NamedList("Where events go out.", SinkSchema(), kMaxSinks, 1);
  props["sinkGroups"] = NamedList("Sinks that share a channel through one sink processor.",
                                  SinkGroupSchema(), kMaxSinkGroups, 0);
  props["storage"] =
      Json{{"type", "object"},
           {"description", "A persistent volume per agent for file channels (collector mode)."},
           {"required", {"size"}},
           {"properties",
            {{"size",
              {{"description", "Volume size, a quantity: 5Gi."},
               {"x-kubernetes-int-or-string", true},
               {"pattern", kSizePattern}}}}}};
  props["metrics"] =
      Json{{"type", "object"},
           {"description", "Where each agent serves /metrics (Prometheus) and its health checks."},
           {"default", Json::object()},
           {"properties",
            {{"port",
              {{"type", "integer"},
               {"format", "int32"},
               {"minimum", 1},
               {"maximum", 65535},
               {"default", defaults.metrics_port}}}}}};
  return Json{{"type", "object"},
              {"description",
               "The agents' pipeline: sources -> channels -> sinks, as in Apache Flume. The "
               "agent reads the same document from a file (acequia-agent --config)."},
              {"required", {"sources", "channels", "sinks"}},
              {"properties", std::move(props)},
              {"x-kubernetes-validations", FlowSpecRules()}};
}

Json ConditionsSchema() {
  return Json{
      {"type", "array"},
      {"description", "The latest observations of the object's state."},
      {"x-kubernetes-list-type", "map"},
      {"x-kubernetes-list-map-keys", {"type"}},
      {"items",
       {{"type", "object"},
        {"required", {"type", "status", "lastTransitionTime", "reason", "message"}},
        {"properties",
         {{"type", {{"type", "string"}, {"maxLength", 316}}},
          {"status", {{"type", "string"}, {"enum", {"True", "False", "Unknown"}}}},
          {"observedGeneration", {{"type", "integer"}, {"format", "int64"}, {"minimum", 0}}},
          {"lastTransitionTime", {{"type", "string"}, {"format", "date-time"}}},
          {"reason", {{"type", "string"}, {"maxLength", 1024}}},
          {"message", {{"type", "string"}, {"maxLength", 32768}}}}}}}};
}

Json FlowStatusSchema() {
  return Json{
      {"type", "object"},
      {"description", "Written by the operator through the status subresource."},
      {"properties",
       {{"observedGeneration", {{"type", "integer"}, {"format", "int64"}}},
        {"configHash",
         {{"type", "string"}, {"description", "Hash of the agent configuration in use."}}},
        {"replicas", {{"type", "integer"}, {"format", "int32"}, {"description", "Agent pods."}}},
        {"readyReplicas",
         {{"type", "integer"}, {"format", "int32"}, {"description", "Agent pods that are ready."}}},
        {"sidecar",
         {{"type", "object"},
          {"description",
           "Sidecar mode: what is injected into matching pods (initContainers, volumes, "
           "annotations)."},
          {"x-kubernetes-preserve-unknown-fields", true}}},
        {"conditions", ConditionsSchema()}}}};
}

std::string RootNameRule() {
  return "self.metadata.name.size() <= " + std::to_string(kMaxNameLength) +
         " && self.metadata.name.matches(" + Cel(kNamePattern) + ")";
}

Json Root(std::string description, Json spec, Json status) {
  return Json{{"type", "object"},
              {"description", std::move(description)},
              {"required", {"spec"}},
              {"properties",
               {{"apiVersion", {{"type", "string"}}},
                {"kind", {{"type", "string"}}},
                {"metadata", {{"type", "object"}}},
                {"spec", std::move(spec)},
                {"status", std::move(status)}}},
              {"x-kubernetes-validations",
               Json::array({Rule(RootNameRule(),
                                 "metadata.name must be a DNS label (lower-case letters, digits "
                                 "and '-', at most 63 characters): it names the resource's pods "
                                 "and metric labels")})}};
}

Json Column(std::string name, std::string type, std::string path, std::string description,
            int priority = 0) {
  Json c{{"name", std::move(name)},
         {"type", std::move(type)},
         {"jsonPath", std::move(path)},
         {"description", std::move(description)}};
  if (priority > 0) c["priority"] = priority;
  return c;
}

Json Crd(std::string_view plural, std::string_view singular, std::string_view kind,
         std::string_view short_name, Json columns, Json schema) {
  const std::string group(kApiGroup);
  return Json{
      {"apiVersion", "apiextensions.k8s.io/v1"},
      {"kind", "CustomResourceDefinition"},
      {"metadata",
       {{"name", std::string(plural) + "." + group},
        {"labels", {{"app.kubernetes.io/part-of", "acequia"}}}}},
      {"spec",
       {{"group", group},
        {"names",
         {{"kind", kind},
          {"listKind", std::string(kind) + "List"},
          {"plural", plural},
          {"singular", singular},
          {"shortNames", {short_name}},
          {"categories", {"acequia"}}}},
        {"scope", "Namespaced"},
        {"versions", Json::array({{{"name", "v1alpha1"},
                                   {"served", true},
                                   {"storage", true},
                                   {"subresources", {{"status", Json::object()}}},
                                   {"additionalPrinterColumns", std::move(columns)},
                                   {"schema", {{"openAPIV3Schema", std::move(schema)}}}}})}}}};
}

// ---- ImportJob ------------------------------------------------------------------------------
// Written by hand from api/import_job.cc (which has no property tables); the examples and
// tests/tools/testdata/imports keep the two in step.

Json Str(std::string description) {
  return Json{{"type", "string"}, {"description", std::move(description)}};
}

Json ImportSourceSchema() {
  Json columns =
      StringList("Columns to import, in order (table mode; default: every column).", 1024);
  columns["items"] = Json{{"type", "string"}, {"minLength", 1}};
  return Json{
      {"type", "object"},
      {"description", "The database and the rows to import."},
      {"required", {"driver", "database"}},
      {"properties",
       {{"driver",
         {{"type", "string"},
          {"description", "The database driver."},
          {"enum", {"postgresql", "mariadb", "mysql", "sqlite"}}}},
        {"host", Str("Database host (default: localhost). Not used by sqlite.")},
        {"port",
         {{"type", "integer"},
          {"format", "int32"},
          {"description",
           "Database port (default: 5432 for postgresql, 3306 for mariadb and "
           "mysql). Not used by sqlite."},
          {"minimum", 1},
          {"maximum", 65535}}},
        {"database",
         {{"type", "string"},
          {"description", "The database name, or the database file for sqlite."},
          {"minLength", 1}}},
        {"credentialsSecret",
         {{"type", "string"},
          {"description",
           "Secret in the job's namespace with keys username and password; "
           "mounted as files, never logged nor passed as arguments."},
          {"maxLength", 253}}},
        {"table", {{"type", "string"}, {"description", "The table to import."}, {"minLength", 1}}},
        {"query", Str("A query instead of a table; must contain $CONDITIONS, where each split puts "
                      "its range.")},
        {"columns", std::move(columns)},
        {"where", Str("An extra row filter (table mode).")}}},
      {"x-kubernetes-validations",
       Json::array(
           {Rule("has(self.table) != has(self.query)",
                 "give either table or query, not both and not neither"),
            Rule("!has(self.query) || self.query.contains('$CONDITIONS')",
                 "query must contain $CONDITIONS (where each split puts its range)", ".query"),
            Rule("!has(self.query) || (!has(self.columns) && !has(self.where))",
                 "columns and where are not allowed with query: select and filter in "
                 "the query"),
            Rule("self.driver != 'sqlite' || !has(self.port)",
                 "port is not used by the sqlite driver (database is the file)", ".port")})}};
}

Json ImportJobSpecSchema() {
  Json props;
  props["source"] = ImportSourceSchema();
  props["split"] = Json{
      {"type", "object"},
      {"description", "How the rows are divided among parallel workers (pods of an Indexed Job)."},
      {"properties",
       {{"by", {{"type", "string"}, {"description", "The split column."}, {"minLength", 1}}},
        {"count",
         {{"type", "integer"},
          {"format", "int32"},
          {"description", "Number of splits, each imported by its own pod."},
          {"minimum", 1},
          {"maximum", 10000},
          {"default", 1}}},
        {"boundaryQuery",
         Str("Returns one row (min, max) of the split column; replaces SELECT MIN(by), "
             "MAX(by).")}}},
      {"x-kubernetes-validations",
       Json::array({Rule("has(self.by) || !has(self.count) || self.count <= 1",
                         "by is required when count is greater than 1: the column whose range "
                         "is divided among the splits",
                         ".by"),
                    Rule("has(self.by) || !has(self.boundaryQuery)",
                         "boundaryQuery needs by: the column it bounds", ".boundaryQuery")})}};
  props["incremental"] = Json{
      {"type", "object"},
      {"description", "Import only rows added or changed since the last run."},
      {"required", {"mode", "checkColumn"}},
      {"properties",
       {{"mode",
         {{"type", "string"},
          {"description",
           "append: rows whose checkColumn grew; lastModified: rows changed "
           "since lastValue, merged on mergeKey."},
          {"enum", {"append", "lastModified"}}}},
        {"checkColumn", Str("The column compared with lastValue.")},
        {"lastValue",
         Str("Rows with checkColumn greater than this are imported; the operator carries it "
             "forward in status.lastValue.")},
        {"mergeKey", Str("lastModified: the key that identifies a changed row.")}}},
      {"x-kubernetes-validations",
       Json::array({Rule("self.mode != 'lastModified' || has(self.mergeKey)",
                         "mergeKey is required with mode lastModified: the key that identifies "
                         "a changed row",
                         ".mergeKey"),
                    Rule("self.mode != 'append' || !has(self.mergeKey)",
                         "mergeKey is only for mode lastModified", ".mergeKey")})}};
  const std::string one_char = "^([^\\r\\n]|\\\\t)$";
  props["target"] = Json{
      {"type", "object"},
      {"description", "Where the part files go, and their format."},
      {"required", {"path"}},
      {"properties",
       {{"volume",
         {{"type", "object"},
          {"description", "The volume mounted at path in the cluster."},
          {"required", {"persistentVolumeClaim"}},
          {"properties", {{"persistentVolumeClaim", Str("A claim in the job's namespace.")}}}}},
        {"path",
         {{"type", "string"},
          {"description", "The directory the part files land in."},
          {"minLength", 1}}},
        {"format",
         {{"type", "string"},
          {"description", "File format."},
          {"enum", {"csv", "tsv", "jsonl", "avro"}},
          {"default", "csv"}}},
        {"compression",
         {{"type", "string"},
          {"description", "none, gzip or zstd for text formats; none, deflate or snappy for avro."},
          {"enum", {"none", "gzip", "zstd", "deflate", "snappy"}},
          {"default", "none"}}},
        {"csv",
         {{"type", "object"},
          {"description", "Delimited-text options (format csv; PostgreSQL's CSV by default)."},
          {"properties",
           {{"delimiter",
             {{"type", "string"},
              {"description", "One character, or \\t. Default: ,"},
              {"pattern", one_char}}},
            {"quote",
             {{"type", "string"},
              {"description", "One character. Default: \""},
              {"pattern", one_char}}},
            {"escape",
             {{"type", "string"},
              {"description", "Written before a quote inside a quoted value. Default: the quote."},
              {"pattern", one_char}}},
            {"nullString",
             {{"type", "string"},
              {"description", "Written unquoted for NULL. Default: empty."},
              {"pattern", "^[^\\r\\n]*$"}}}}},
          {"x-kubernetes-validations",
           Json::array({Rule("(has(self.delimiter) ? self.delimiter : ',') != "
                             "(has(self.quote) ? self.quote : '\"')",
                             "quote must differ from the delimiter", ".quote")})}}},
        {"writeMode",
         {{"type", "string"},
          {"description",
           "What a run does when path already holds files (default: append for "
           "incremental imports, else failIfExists)."},
          {"enum", {"append", "overwrite", "failIfExists"}}}}}},
      {"x-kubernetes-validations",
       Json::array(
           {Rule("!has(self.compression) || (has(self.format) && self.format == 'avro' ? "
                 "self.compression in ['none', 'deflate', 'snappy'] : "
                 "self.compression in ['none', 'gzip', 'zstd'])",
                 "compression must be none, gzip or zstd for text formats and none, deflate or "
                 "snappy for avro",
                 ".compression"),
            Rule("!has(self.csv) || !has(self.format) || self.format == 'csv'",
                 "csv options are only for format csv", ".csv")})}};
  props["schedule"] = Json{{"type", "string"},
                           {"description",
                            "Optional cron schedule (5 fields, or @hourly…): one run per tick, "
                            "lastValue carried in status."},
                           {"pattern", "^(@\\S+\\s*|\\s*\\S+(\\s+\\S+){4}\\s*)$"}};
  const ImportJobSpec defaults;
  auto count = [](std::string description, int64_t min, int64_t max) {
    return Json{{"type", "integer"},
                {"format", "int32"},
                {"description", std::move(description)},
                {"minimum", min},
                {"maximum", max}};
  };
  props["parallelism"] =
      count("Pods of a run importing at once (default: the split count).", 1, 10000);
  props["backoffLimitPerIndex"] = count("Retries of one split's pod before the run fails.", 0, 100);
  props["backoffLimitPerIndex"]["default"] = defaults.backoff_limit_per_index;
  props["successfulRunsHistoryLimit"] =
      count("Succeeded runs whose Jobs and ConfigMaps are kept.", 0, 100);
  props["successfulRunsHistoryLimit"]["default"] = defaults.successful_runs_history_limit;
  props["failedRunsHistoryLimit"] =
      count("Failed runs whose Jobs and ConfigMaps are kept.", 0, 100);
  props["failedRunsHistoryLimit"]["default"] = defaults.failed_runs_history_limit;
  props["suspend"] = Json{{"type", "boolean"},
                          {"description", "true: no new run starts; a running one finishes."},
                          {"default", defaults.suspend}};
  return Json{{"type", "object"},
              {"description",
               "A Sqoop-style import of one table or query into files, split "
               "across parallel pods."},
              {"required", {"source", "target"}},
              {"properties", std::move(props)}};
}

Json ImportJobStatusSchema() {
  const Json count = Json{{"type", "integer"}, {"format", "int64"}, {"minimum", 0}};
  Json split_count = count;
  return Json{
      {"type", "object"},
      {"description", "Written by the operator through the status subresource."},
      {"properties",
       {{"observedGeneration", {{"type", "integer"}, {"format", "int64"}}},
        {"phase",
         {{"type", "string"},
          {"description", "Where the current or last run is."},
          {"enum", {"Pending", "Planning", "Running", "Committing", "Succeeded", "Failed"}}}},
        {"run", Str("Identifier of the current or last run (part files carry it).")},
        {"startTime", {{"type", "string"}, {"format", "date-time"}}},
        {"completionTime", {{"type", "string"}, {"format", "date-time"}}},
        {"lastScheduleTime", {{"type", "string"}, {"format", "date-time"}}},
        {"rowsImported", count},
        {"bytesWritten", count},
        {"lastValue", Str("The incremental check value the next run starts after.")},
        {"splits",
         {{"type", "array"},
          {"x-kubernetes-list-type", "map"},
          {"x-kubernetes-list-map-keys", {"index"}},
          {"items",
           {{"type", "object"},
            {"required", {"index"}},
            {"properties",
             {{"index", {{"type", "integer"}, {"format", "int32"}, {"minimum", 0}}},
              {"rows", count},
              {"bytes", split_count},
              {"state",
               {{"type", "string"}, {"enum", {"Pending", "Running", "Succeeded", "Failed"}}}},
              {"message", {{"type", "string"}}}}}}}}},
        {"conditions", ConditionsSchema()}}}};
}

// ---- YAML -----------------------------------------------------------------------------------

// yaml-cpp leaves these plain, and a reader would take them for a bool, null or number.
bool NeedsQuotes(const std::string& s) {
  static const std::regex kSpecial(
      "|y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|"
      "null|Null|NULL|~|[-+]?[0-9._].*|[-+]?\\.(inf|Inf|INF|nan|NaN|NAN)");
  return std::regex_match(s, kSpecial);
}

void Emit(YAML::Emitter& out, const Json& value) {
  switch (value.type()) {
    case Json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [key, item] : value.items()) {
        out << YAML::Key << key << YAML::Value;
        Emit(out, item);
      }
      out << YAML::EndMap;
      break;
    case Json::value_t::array:
      out << YAML::BeginSeq;
      for (const auto& item : value) Emit(out, item);
      out << YAML::EndSeq;
      break;
    case Json::value_t::string: {
      const auto& s = value.get_ref<const std::string&>();
      if (NeedsQuotes(s)) out << YAML::DoubleQuoted;
      out << s;
      break;
    }
    case Json::value_t::boolean:
      out << value.get<bool>();
      break;
    case Json::value_t::number_integer:
      out << value.get<int64_t>();
      break;
    case Json::value_t::number_unsigned:
      out << value.get<uint64_t>();
      break;
    case Json::value_t::number_float:
      out << value.get<double>();
      break;
    default:
      out << YAML::Null;
      break;
  }
}

}  // namespace

nlohmann::ordered_json FlowCrd() {
  Json columns =
      Json::array({Column("Mode", "string", ".spec.mode", "collector or sidecar"),
                   Column("Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status",
                          "Whether every agent runs the current configuration"),
                   Column("Replicas", "integer", ".status.replicas", "Agent pods"),
                   Column("Age", "date", ".metadata.creationTimestamp", ""),
                   Column("Reason", "string", ".status.conditions[?(@.type==\"Ready\")].reason",
                          "Why the flow is (not) ready", 1)});
  columns[3].erase("description");
  return Crd("flows", "flow", "Flow", "fl", std::move(columns),
             Root("A Flow runs Flume-style agents: sources, channels and sinks.", FlowSpecSchema(),
                  FlowStatusSchema()));
}

nlohmann::ordered_json ImportJobCrd() {
  Json columns = Json::array(
      {Column("Phase", "string", ".status.phase", "Where the current or last run is"),
       Column("Rows", "integer", ".status.rowsImported", "Rows imported by the last run"),
       Column("Last value", "string", ".status.lastValue",
              "The incremental check value the next run starts after"),
       Column("Age", "date", ".metadata.creationTimestamp", ""),
       Column("Schedule", "string", ".spec.schedule", "Cron schedule", 1),
       Column("Splits", "integer", ".spec.split.count", "Parallel pods per run", 1)});
  columns[3].erase("description");
  return Crd("importjobs", "importjob", "ImportJob", "ij", std::move(columns),
             Root("An ImportJob imports a database table or query into files, Sqoop-style.",
                  ImportJobSpecSchema(), ImportJobStatusSchema()));
}

std::string CrdYaml(const nlohmann::ordered_json& crd) {
  YAML::Emitter out;
  out.SetIndent(2);
  Emit(out, crd);
  return "# Generated by acequia-crdgen (api/crd_schema.cc) from the tables in api/: do not edit.\n"
         "# `make crds` regenerates it; tests/tools/crd_schema_test.cc fails when it drifts.\n" +
         std::string(out.c_str()) + "\n";
}

std::vector<CrdFile> GeneratedCrds() {
  return {{"flows.acequia.io.yaml", CrdYaml(FlowCrd())},
          {"importjobs.acequia.io.yaml", CrdYaml(ImportJobCrd())}};
}

}  // namespace acequia::api
