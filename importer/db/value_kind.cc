#include "importer/db/database.h"

namespace acequia::importer {

std::string_view ValueKindName(ValueKind kind) {
  switch (kind) {
    case ValueKind::kInteger:
      return "integer";
    case ValueKind::kDecimal:
      return "decimal";
    case ValueKind::kFloat:
      return "float";
    case ValueKind::kBoolean:
      return "boolean";
    case ValueKind::kDate:
      return "date";
    case ValueKind::kTimestamp:
      return "timestamp";
    case ValueKind::kTimestampTz:
      return "timestamptz";
    case ValueKind::kTime:
      return "time";
    case ValueKind::kText:
      return "text";
    case ValueKind::kBytes:
      return "bytes";
    case ValueKind::kJson:
      return "json";
    case ValueKind::kUuid:
      return "uuid";
    case ValueKind::kArray:
      return "array";
    case ValueKind::kOther:
      return "other";
  }
  return "other";
}

}  // namespace acequia::importer
