#include "api/property.h"

#include <re2/re2.h>

#include <cassert>
#include <charconv>
#include <cstdio>
#include <cstdlib>

#include "api/quantity.h"

namespace acequia::api {
namespace {

std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return "\"" + node.Scalar() + "\"";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Null:
      return "null";
    default:
      return "nothing";
  }
}

Status CheckRange(const PropertySpec& spec, int64_t value) {
  if (spec.min && value < *spec.min) {
    return Status::InvalidArgument("must be at least " + std::to_string(*spec.min) + ", got " +
                                   std::to_string(value));
  }
  if (spec.max && value > *spec.max) {
    return Status::InvalidArgument("must be at most " + std::to_string(*spec.max) + ", got " +
                                   std::to_string(value));
  }
  return Status::Ok();
}

Result<PropertyValue> ParseScalar(const PropertySpec& spec, std::string_view text);

// Checks every item of a kIntList as an integer within the spec's range; keeps canonical text.
Result<PropertyValue> ParseIntItems(const PropertySpec& spec,
                                    const std::vector<std::string>& items) {
  PropertySpec item_spec = spec;
  item_spec.type = PropertyType::kInt;
  std::vector<std::string> out;
  for (size_t i = 0; i < items.size(); ++i) {
    auto value = ParseScalar(item_spec, items[i]);
    if (!value.ok()) {
      return Status::InvalidArgument("item " + std::to_string(i) + ": " + value.status().message());
    }
    out.push_back(std::to_string(std::get<int64_t>(*value)));
  }
  return PropertyValue(std::move(out));
}

Result<PropertyValue> ParseScalar(const PropertySpec& spec, std::string_view text) {
  switch (spec.type) {
    case PropertyType::kString: {
      if (!spec.one_of.empty()) {
        bool found = false;
        std::string allowed;
        for (std::string_view v : spec.one_of) {
          found = found || v == text;
          allowed += (allowed.empty() ? "" : ", ") + std::string(v);
        }
        if (!found) {
          return Status::InvalidArgument("must be one of " + allowed + ", got \"" +
                                         std::string(text) + "\"");
        }
      }
      return PropertyValue(std::string(text));
    }
    case PropertyType::kRegex: {
      re2::RE2 compiled(re2::StringPiece(text.data(), text.size()), re2::RE2::Quiet);
      if (!compiled.ok()) {
        return Status::InvalidArgument("invalid regular expression \"" + std::string(text) +
                                       "\": " + compiled.error());
      }
      return PropertyValue(std::string(text));
    }
    case PropertyType::kInt: {
      int64_t value = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (ec != std::errc() || end != text.data() + text.size()) {
        return Status::InvalidArgument("expected an integer, got \"" + std::string(text) + "\"");
      }
      if (Status s = CheckRange(spec, value); !s.ok()) return s;
      return PropertyValue(value);
    }
    case PropertyType::kBool:
      if (text == "true") return PropertyValue(true);
      if (text == "false") return PropertyValue(false);
      return Status::InvalidArgument("expected true or false, got \"" + std::string(text) + "\"");
    case PropertyType::kDuration: {
      auto d = ParseDuration(text);
      if (!d.ok()) return Status::InvalidArgument(d.status().message());
      return PropertyValue(*d);
    }
    case PropertyType::kSize: {
      auto size = ParseSize(text);
      if (!size.ok()) return Status::InvalidArgument(size.status().message());
      if (Status s = CheckRange(spec, *size); !s.ok()) return s;
      return PropertyValue(*size);
    }
    case PropertyType::kStringList: {  // Flume's space-separated lists: "c1 c2"
      std::vector<std::string> items;
      size_t i = 0;
      while (i < text.size()) {
        while (i < text.size() && (text[i] == ' ' || text[i] == ',')) ++i;
        size_t start = i;
        while (i < text.size() && text[i] != ' ' && text[i] != ',') ++i;
        if (i > start) items.emplace_back(text.substr(start, i - start));
      }
      return PropertyValue(std::move(items));
    }
    case PropertyType::kIntList: {  // "5140 5141" or "5140,5141"
      PropertySpec list_spec = spec;
      list_spec.type = PropertyType::kStringList;
      auto words = ParseScalar(list_spec, text);
      if (!words.ok()) return words;
      return ParseIntItems(spec, std::get<std::vector<std::string>>(*words));
    }
    case PropertyType::kStringMap:
    case PropertyType::kListMap:
    case PropertyType::kIntMap:
    case PropertyType::kBoolMap:
      if (text.empty() || text == "{}") {
        switch (spec.type) {
          case PropertyType::kStringMap:
            return PropertyValue(std::map<std::string, std::string>{});
          case PropertyType::kIntMap:
            return PropertyValue(IntMap{});
          case PropertyType::kBoolMap:
            return PropertyValue(BoolMap{});
          default:
            return PropertyValue(ListMap{});
        }
      }
      return Status::InvalidArgument("expected a map, got \"" + std::string(text) + "\"");
  }
  return Status::Internal("unhandled property type");
}

// The first key of a map node that does not match spec.key_pattern, as an error.
Status CheckMapKeys(const PropertySpec& spec, const YAML::Node& node) {
  if (spec.key_pattern.empty()) return Status::Ok();
  const re2::RE2 pattern(re2::StringPiece(spec.key_pattern.data(), spec.key_pattern.size()));
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    if (!re2::RE2::FullMatch(key, pattern)) {
      return Status::InvalidArgument("key \"" + key + "\": expected " + std::string(spec.key_hint));
    }
  }
  return Status::Ok();
}

}  // namespace

std::string_view PropertyTypeName(PropertyType type) {
  switch (type) {
    case PropertyType::kString:
      return "string";
    case PropertyType::kRegex:
      return "regular expression (RE2)";
    case PropertyType::kInt:
      return "integer";
    case PropertyType::kBool:
      return "boolean";
    case PropertyType::kDuration:
      return "duration";
    case PropertyType::kSize:
      return "size";
    case PropertyType::kStringList:
      return "list of strings";
    case PropertyType::kStringMap:
      return "map of strings";
    case PropertyType::kListMap:
      return "map of string lists";
    case PropertyType::kIntMap:
      return "map of integers";
    case PropertyType::kBoolMap:
      return "map of booleans";
    case PropertyType::kIntList:
      return "list of integers";
  }
  return "?";
}

Result<PropertyValue> ParsePropertyText(const PropertySpec& spec, std::string_view text) {
  return ParseScalar(spec, text);
}

Result<PropertyValue> ParsePropertyValue(const PropertySpec& spec, const YAML::Node& node) {
  switch (spec.type) {
    case PropertyType::kIntList: {
      if (node.IsScalar()) return ParseScalar(spec, node.Scalar());
      if (!node.IsSequence()) {
        return Status::InvalidArgument("expected a list of integers, got " + Describe(node));
      }
      std::vector<std::string> items;
      for (const auto& item : node) {
        if (!item.IsScalar()) {
          return Status::InvalidArgument("expected a list of integers, found " + Describe(item) +
                                         " in it");
        }
        items.push_back(item.Scalar());
      }
      return ParseIntItems(spec, items);
    }
    case PropertyType::kStringList: {
      if (node.IsScalar()) return ParseScalar(spec, node.Scalar());
      if (!node.IsSequence()) {
        return Status::InvalidArgument("expected a list of strings, got " + Describe(node));
      }
      std::vector<std::string> items;
      for (const auto& item : node) {
        if (!item.IsScalar()) {
          return Status::InvalidArgument("expected a list of strings, found " + Describe(item) +
                                         " in it");
        }
        items.push_back(item.Scalar());
      }
      return PropertyValue(std::move(items));
    }
    case PropertyType::kStringMap: {
      if (!node.IsMap()) return Status::InvalidArgument("expected a map, got " + Describe(node));
      if (Status keys = CheckMapKeys(spec, node); !keys.ok()) return keys;
      std::map<std::string, std::string> map;
      for (const auto& kv : node) {
        if (!kv.second.IsScalar()) {
          return Status::InvalidArgument("value of \"" + kv.first.as<std::string>() +
                                         "\" must be a string, got " + Describe(kv.second));
        }
        map[kv.first.as<std::string>()] = kv.second.Scalar();
      }
      return PropertyValue(std::move(map));
    }
    case PropertyType::kListMap: {
      if (!node.IsMap()) return Status::InvalidArgument("expected a map, got " + Describe(node));
      if (Status keys = CheckMapKeys(spec, node); !keys.ok()) return keys;
      ListMap map;
      PropertySpec list_spec = spec;
      list_spec.type = PropertyType::kStringList;
      for (const auto& kv : node) {
        auto list = ParsePropertyValue(list_spec, kv.second);
        if (!list.ok()) {
          return Status::InvalidArgument("value of \"" + kv.first.as<std::string>() +
                                         "\": " + list.status().message());
        }
        map[kv.first.as<std::string>()] = std::get<std::vector<std::string>>(*list);
      }
      return PropertyValue(std::move(map));
    }
    case PropertyType::kIntMap:
    case PropertyType::kBoolMap: {
      if (!node.IsMap()) return Status::InvalidArgument("expected a map, got " + Describe(node));
      if (Status keys = CheckMapKeys(spec, node); !keys.ok()) return keys;
      PropertySpec value_spec = spec;
      value_spec.type =
          spec.type == PropertyType::kIntMap ? PropertyType::kInt : PropertyType::kBool;
      IntMap ints;
      BoolMap bools;
      for (const auto& kv : node) {
        const std::string key = kv.first.as<std::string>();
        Result<PropertyValue> value =
            Status::InvalidArgument("expected a " + std::string(PropertyTypeName(value_spec.type)) +
                                    ", got " + Describe(kv.second));
        if (kv.second.IsScalar()) value = ParseScalar(value_spec, kv.second.Scalar());
        if (!value.ok()) {
          return Status::InvalidArgument("value of \"" + key + "\": " + value.status().message());
        }
        if (spec.type == PropertyType::kIntMap) {
          ints[key] = std::get<int64_t>(*value);
        } else {
          bools[key] = std::get<bool>(*value);
        }
      }
      return spec.type == PropertyType::kIntMap ? PropertyValue(std::move(ints))
                                                : PropertyValue(std::move(bools));
    }
    default:
      if (!node.IsScalar()) {
        return Status::InvalidArgument("expected a " + std::string(PropertyTypeName(spec.type)) +
                                       ", got " + Describe(node));
      }
      return ParseScalar(spec, node.Scalar());
  }
}

std::string FormatPropertyValue(const PropertyValue& value) {
  struct Visitor {
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(int64_t v) const { return std::to_string(v); }
    std::string operator()(bool v) const { return v ? "true" : "false"; }
    std::string operator()(std::chrono::milliseconds d) const { return FormatDuration(d); }
    std::string operator()(const std::vector<std::string>& list) const {
      std::string out = "[";
      for (size_t i = 0; i < list.size(); ++i) out += (i ? ", " : "") + list[i];
      return out + "]";
    }
    std::string operator()(const std::map<std::string, std::string>& map) const {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, v] : map) {
        out += (first ? "" : ", ") + k + ": " + v;
        first = false;
      }
      return out + "}";
    }
    std::string operator()(const IntMap& map) const {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, v] : map) {
        out += (first ? "" : ", ") + k + ": " + std::to_string(v);
        first = false;
      }
      return out + "}";
    }
    std::string operator()(const BoolMap& map) const {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, v] : map) {
        out += (first ? "" : ", ") + k + ": " + (v ? "true" : "false");
        first = false;
      }
      return out + "}";
    }
    std::string operator()(const ListMap& map) const {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, v] : map) {
        out += (first ? "" : ", ") + k + ": " + (*this)(v);
        first = false;
      }
      return out + "}";
    }
  };
  return std::visit(Visitor{}, value);
}

const PropertyValue& PropertyValues::Get(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) {
    (void)std::fprintf(stderr, "acequia: property \"%.*s\" read but never declared or set\n",
                       static_cast<int>(name.size()), name.data());
    std::abort();
  }
  return it->second;
}

const std::string& PropertyValues::GetString(std::string_view name) const {
  return std::get<std::string>(Get(name));
}
int64_t PropertyValues::GetInt(std::string_view name) const { return std::get<int64_t>(Get(name)); }
bool PropertyValues::GetBool(std::string_view name) const { return std::get<bool>(Get(name)); }
std::chrono::milliseconds PropertyValues::GetDuration(std::string_view name) const {
  return std::get<std::chrono::milliseconds>(Get(name));
}
const std::vector<std::string>& PropertyValues::GetList(std::string_view name) const {
  return std::get<std::vector<std::string>>(Get(name));
}
const std::map<std::string, std::string>& PropertyValues::GetMap(std::string_view name) const {
  return std::get<std::map<std::string, std::string>>(Get(name));
}
const ListMap& PropertyValues::GetListMap(std::string_view name) const {
  return std::get<ListMap>(Get(name));
}
const IntMap& PropertyValues::GetIntMap(std::string_view name) const {
  return std::get<IntMap>(Get(name));
}
const BoolMap& PropertyValues::GetBoolMap(std::string_view name) const {
  return std::get<BoolMap>(Get(name));
}
std::vector<int64_t> PropertyValues::GetIntList(std::string_view name) const {
  std::vector<int64_t> out;
  for (const auto& item : GetList(name)) out.push_back(std::stoll(item));
  return out;
}

std::string PropertyValues::Fingerprint() const {
  std::string out;
  for (const auto& [name, value] : values_) {
    out += name;
    out += '=';
    out += FormatPropertyValue(value);
    out += ';';
  }
  return out;
}

}  // namespace acequia::api
