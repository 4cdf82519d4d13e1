// How Flume's configuration maps onto the Flow catalogue, as data: Flume's type names (aliases
// and fully-qualified class names) for every component type we have, the types we do not have
// (with a hint where something close exists), and for each of our types every Flume property
// with the catalogue property it becomes and how its value converts (Flume's milliseconds and
// seconds become durations with units, Java booleans become true/false, …). Properties that
// Flume reads but that need nothing here, and properties whose Flume default differs in a way
// a user would notice, are rows too. The converter reads only these tables; a test checks every
// row against the catalogue. Immutable static data; thread-safe.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "api/catalog.h"

namespace acequia::sidecar::convert {

using api::ComponentKind;

// Flume type name → ours. Aliases compare case-insensitively (Flume upper-cases them); class
// names exactly.
struct FlumeTypeName {
  ComponentKind kind;
  std::string_view flume;
  std::string_view ours;
};

// A Flume type we do not support, with what to use instead (may be empty).
struct UnsupportedFlumeType {
  ComponentKind kind;
  std::string_view flume;  // alias (case-insensitive) or class name
  std::string_view hint;
};

enum class ValueConversion {
  kSame,           // the text as written (strings, integers, sizes, regular expressions)
  kList,           // Flume's space- or comma-separated list → a list
  kBool,           // Java's Boolean.parseBoolean: "true" in any case is true, anything else false
  kMillis,         // integer milliseconds → a duration
  kSeconds,        // integer seconds → a duration
  kLowerCase,      // an enumeration Flume reads in any case
  kValueName,      // looked up in the value table (handler and deserializer class names, …)
  kMapEntry,       // `flume` is a prefix ("backoff."); the rest of the key is the map's key
  kFixedMapEntry,  // one entry of a map property; `arg` is the entry's key
  kPrefixed,       // `arg` + the text (file_roll's extension "log" → fileSuffix ".log")
  kAcceptedValue,  // nothing to set: accepted when the value is `arg` (case-insensitive, what
                   // Acequia does anyway), otherwise unsupported
  kIgnored,        // nothing to set and nothing lost: reported as a note with `arg` as the reason
};

// One Flume property of one of our types. `flume` is relative to the component (for selectors
// relative to "selector.", for sink processors to "processor.").
struct FlumeProperty {
  ComponentKind kind;
  std::string_view type;   // our type name
  std::string_view flume;  // Flume's key, or a prefix ending in '.' for kMapEntry
  std::string_view ours;   // catalogue property (empty for kAcceptedValue and kIgnored)
  ValueConversion conversion;
  std::string_view arg = {};
};

// Flume values of enumerated properties → ours (kValueName), compared case-insensitively.
struct FlumeValueName {
  ComponentKind kind;
  std::string_view type;
  std::string_view ours;  // catalogue property
  std::string_view flume_value;
  std::string_view our_value;
};

// A property set when the Flume configuration does not set it, because Flume's behaviour
// without it differs from our default in a way users notice; `reason` goes into the manifest
// as a comment.
struct ImpliedProperty {
  ComponentKind kind;
  std::string_view type;
  std::string_view ours;
  std::string_view value;
  std::string_view reason;
};

std::span<const FlumeTypeName> FlumeTypeNames();
std::span<const UnsupportedFlumeType> UnsupportedFlumeTypes();
std::span<const FlumeProperty> FlumeProperties();
std::span<const FlumeValueName> FlumeValueNames();
std::span<const ImpliedProperty> ImpliedProperties();

// Lookups over the tables.
std::optional<std::string_view> OurTypeName(ComponentKind kind, std::string_view flume_type);
const UnsupportedFlumeType* FindUnsupportedType(ComponentKind kind, std::string_view flume_type);
// The row for `key` of one of our types: an exact match, else the longest kMapEntry prefix.
const FlumeProperty* FindFlumeProperty(ComponentKind kind, std::string_view type,
                                       std::string_view key);
std::optional<std::string_view> OurValueName(ComponentKind kind, std::string_view type,
                                             std::string_view ours, std::string_view flume_value);

bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace acequia::sidecar::convert
