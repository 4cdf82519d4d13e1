// The catalogue of component types a Flow can name: for every kind (source, channel, sink,
// interceptor, selector) and type ("netcat", "memory"…) the table of its properties. Validation,
// the generated reference docs and the CRD schema all read these tables; the agent's plugin
// registry checks at start-up that every catalogued type has an implementation and vice versa.
// Immutable static data; thread-safe.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "api/field_error.h"
#include "api/property.h"

namespace acequia::api {

enum class ComponentKind { kSource, kChannel, kSink, kInterceptor, kSelector, kSinkProcessor };

std::string_view ComponentKindName(ComponentKind kind);  // "source", "channel", …

// Rules that tie a type's properties together (file_roll: snappy only with avro_event): run on
// a component whose properties all parsed, each error's path naming the property it is about.
using PropertyRules = std::vector<FieldError> (*)(const PropertyValues& values);

struct ComponentType {
  ComponentKind kind;
  std::string_view name;
  std::string_view description;
  std::vector<PropertySpec> properties;
  PropertyRules rules = nullptr;

  const PropertySpec* Find(std::string_view property) const;
};

// All types of one kind, in documentation order.
std::span<const ComponentType> CatalogOf(ComponentKind kind);
const ComponentType* FindComponentType(ComponentKind kind, std::string_view name);

// Whether a source type listens on UDP rather than TCP (syslogudp). Port collisions and the
// operator's Service ports are per protocol.
inline bool IsUdpSourceType(std::string_view type) { return type.find("udp") != type.npos; }

// Keys a component map may carry besides its properties (name, type, wiring).
std::span<const std::string_view> StructuralKeys(ComponentKind kind);

}  // namespace acequia::api
