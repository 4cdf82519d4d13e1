// Component properties, declared once as a table and used for validation, defaults, the docs and
// the CRD schema (Fluent Bit's config maps are the model). A PropertySpec describes one key; a
// PropertyValues holds the typed values of one configured component, defaults filled in.
// All types here are immutable values once built; share them freely across threads.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"

namespace acequia::api {

enum class PropertyType {
  kString,
  kRegex,  // a string that must compile as an RE2 regular expression
  kInt,
  kBool,
  kDuration,    // "30s", "250ms", or plain seconds
  kSize,        // bytes: "64Mi", "1G", "4096"
  kStringList,  // [a, b]
  kStringMap,   // {key: value}
  kListMap,     // {key: [a, b]} (multiplexing selector mappings)
  kIntMap,      // {key: 10} (failover priorities)
  kBoolMap,     // {key: false} (http sink status-code policies)
  kIntList,     // [5140, 5141] or Flume's "5140 5141"; every item within min/max (kept as text)
};

std::string_view PropertyTypeName(PropertyType type);

struct PropertySpec {
  std::string_view name;
  PropertyType type;
  // Textual default in the property's own syntax ("30s", "100", "true", "a,b"); nullopt when the
  // property is required or simply absent when unset.
  std::optional<std::string_view> default_value;
  std::string_view description;
  bool required = false;
  std::optional<int64_t> min = std::nullopt;  // for kInt and kSize
  std::optional<int64_t> max = std::nullopt;
  std::vector<std::string_view> one_of = {};  // allowed values for kString
  // For the map types: an RE2 pattern every key must match in full, and how to say what it
  // expects in an error ("a status code such as \"503\" or a class such as \"5XX\"").
  std::string_view key_pattern = {};
  std::string_view key_hint = {};
};

using ListMap = std::map<std::string, std::vector<std::string>>;
using IntMap = std::map<std::string, int64_t>;
using BoolMap = std::map<std::string, bool>;
using PropertyValue =
    std::variant<std::string, int64_t, bool, std::chrono::milliseconds, std::vector<std::string>,
                 std::map<std::string, std::string>, ListMap, IntMap, BoolMap>;

// Parses `node` as a value of `spec`; the error message names no field (the caller prefixes it).
Result<PropertyValue> ParsePropertyValue(const PropertySpec& spec, const YAML::Node& node);
// Parses the textual default of `spec`.
Result<PropertyValue> ParsePropertyText(const PropertySpec& spec, std::string_view text);
// A canonical rendering of a value, used in fingerprints and docs.
std::string FormatPropertyValue(const PropertyValue& value);

class PropertyValues {
 public:
  void Set(std::string name, PropertyValue value) { values_[std::move(name)] = std::move(value); }
  bool Has(std::string_view name) const { return values_.find(name) != values_.end(); }

  // Typed getters; asking for a property the table does not declare with that type is a
  // programming error (validation guarantees declared properties are present when defaulted).
  const std::string& GetString(std::string_view name) const;
  int64_t GetInt(std::string_view name) const;
  bool GetBool(std::string_view name) const;
  std::chrono::milliseconds GetDuration(std::string_view name) const;
  int64_t GetSize(std::string_view name) const { return GetInt(name); }
  const std::vector<std::string>& GetList(std::string_view name) const;
  const std::map<std::string, std::string>& GetMap(std::string_view name) const;
  const ListMap& GetListMap(std::string_view name) const;
  const IntMap& GetIntMap(std::string_view name) const;
  const BoolMap& GetBoolMap(std::string_view name) const;
  // The items of a kIntList property (stored as their canonical decimal text, so GetList works).
  std::vector<int64_t> GetIntList(std::string_view name) const;

  // Canonical text of all values: two components with equal fingerprints behave the same.
  std::string Fingerprint() const;
  const std::map<std::string, PropertyValue, std::less<>>& all() const { return values_; }

 private:
  const PropertyValue& Get(std::string_view name) const;
  std::map<std::string, PropertyValue, std::less<>> values_;
};

}  // namespace acequia::api
