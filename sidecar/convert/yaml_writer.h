// A small ordered YAML document and its writer, for manifests meant to be read by people: keys
// stay in the order they were added, lists of scalars are written inline ([a, b]), maps and lists
// of maps as blocks, and a scalar is double-quoted only when plain style would change or lose it.
// Plain values; thread-compatible.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace acequia::sidecar::convert {

class YamlNode {
 public:
  enum class Kind { kScalar, kFlowList, kMap, kBlockList };

  // A string, quoted when needed.
  static YamlNode String(std::string text);
  // Text written as is: numbers, booleans, durations (quoted when plain style would change it).
  static YamlNode Literal(std::string text);
  static YamlNode List(std::vector<std::string> items);
  static YamlNode Map();
  static YamlNode BlockList();

  Kind kind() const { return kind_; }
  // kMap: adds or replaces `key` (keeping its position) and returns the value, valid until the
  // next Set on this map.
  YamlNode& Set(const std::string& key, YamlNode value, std::string comment = {});
  YamlNode* Find(std::string_view key);
  // kBlockList: appends an element.
  YamlNode& Append(YamlNode element);
  bool empty() const { return entries_.empty() && elements_.empty() && items_.empty(); }

  // The whole document (this must be a map), ending in a newline.
  std::string Write() const;

 private:
  void WriteMap(std::string& out, int indent, bool first_inline) const;
  std::string Inline() const;

  Kind kind_ = Kind::kMap;
  std::string text_;
  bool literal_ = false;
  std::vector<std::string> items_;
  std::vector<std::pair<std::string, std::string>> entries_;  // key, comment
  std::vector<YamlNode> values_;                              // parallel to entries_
  std::vector<YamlNode> elements_;
};

// `text` as a YAML scalar: plain when that reads back as the same string, else double-quoted.
std::string YamlScalar(std::string_view text);

}  // namespace acequia::sidecar::convert
