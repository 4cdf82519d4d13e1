// A reader for Java .properties text (java.util.Properties.load), the format of Flume's agent
// configuration: `key = value`, `key: value` or `key value`; comment lines starting with # or !;
// a line ending in an odd number of backslashes continues on the next line (the next line's
// leading whitespace dropped); escapes \t \n \r \f \uXXXX and \<any> for the character itself,
// in keys and values. Every entry keeps the line its key starts on, so a converter can name it.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace acequia::sidecar::convert {

struct PropertyEntry {
  std::string key;
  std::string value;  // leading whitespace removed, trailing kept (as Java does)
  int line = 0;       // 1-based line where the key starts
};

// All entries in file order, duplicates included (Java keeps the last one). Fails only on a
// malformed \uXXXX escape, naming its line.
Result<std::vector<PropertyEntry>> ParseJavaProperties(std::string_view text);

}  // namespace acequia::sidecar::convert
