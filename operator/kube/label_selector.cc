#include "operator/kube/label_selector.h"

#include <algorithm>

namespace acequia::kube {
namespace {

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

bool ValidKey(const std::string& key) {
  if (key.empty()) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
           c == '/';
  });
}

// Splits on commas outside parentheses.
std::vector<std::string> SplitTopLevel(std::string_view text) {
  std::vector<std::string> parts;
  int depth = 0;
  std::string current;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      parts.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  parts.push_back(current);
  return parts;
}

Result<LabelSelector::Requirement> ParseRequirement(const std::string& text) {
  using Op = LabelSelector::Op;
  LabelSelector::Requirement r;
  if (text.starts_with("!")) {
    r.key = Trim(text.substr(1));
    r.op = Op::kDoesNotExist;
  } else if (size_t paren = text.find('('); paren != std::string::npos) {
    if (text.back() != ')') return Status::InvalidArgument("missing ')' in \"" + text + "\"");
    std::string head = Trim(text.substr(0, paren));
    size_t space = head.find_last_of(" \t");
    if (space == std::string::npos) return Status::InvalidArgument("bad selector \"" + text + "\"");
    std::string word = Trim(head.substr(space + 1));
    r.key = Trim(head.substr(0, space));
    if (word == "in") {
      r.op = Op::kIn;
    } else if (word == "notin") {
      r.op = Op::kNotIn;
    } else {
      return Status::InvalidArgument("unknown operator \"" + word + "\" in \"" + text + "\"");
    }
    std::string inner = text.substr(paren + 1, text.size() - paren - 2);
    size_t start = 0;
    while (start <= inner.size()) {
      size_t comma = inner.find(',', start);
      if (comma == std::string::npos) comma = inner.size();
      std::string v = Trim(std::string_view(inner).substr(start, comma - start));
      if (!v.empty()) r.values.push_back(v);
      start = comma + 1;
    }
    if (r.values.empty()) return Status::InvalidArgument("empty set in \"" + text + "\"");
  } else if (size_t ne = text.find("!="); ne != std::string::npos) {
    r.key = Trim(text.substr(0, ne));
    r.op = Op::kNotEquals;
    r.values = {Trim(text.substr(ne + 2))};
  } else if (size_t eq = text.find('='); eq != std::string::npos) {
    r.key = Trim(text.substr(0, eq));
    size_t skip = text.compare(eq, 2, "==") == 0 ? 2 : 1;
    r.op = Op::kEquals;
    r.values = {Trim(text.substr(eq + skip))};
  } else {
    r.key = Trim(text);
    r.op = Op::kExists;
  }
  if (!ValidKey(r.key)) return Status::InvalidArgument("invalid label key \"" + r.key + "\"");
  return r;
}

}  // namespace

Result<LabelSelector> LabelSelector::Parse(std::string_view text) {
  LabelSelector selector;
  if (Trim(text).empty()) return selector;
  for (const auto& part : SplitTopLevel(text)) {
    std::string trimmed = Trim(part);
    if (trimmed.empty()) return Status::InvalidArgument("empty requirement in selector");
    auto r = ParseRequirement(trimmed);
    if (!r.ok()) return r.status();
    selector.requirements_.push_back(std::move(*r));
  }
  return selector;
}

Result<LabelSelector> LabelSelector::FromJson(const nlohmann::json& selector) {
  LabelSelector out;
  if (selector.is_null()) return out;
  if (!selector.is_object()) return Status::InvalidArgument("selector must be an object");
  if (auto it = selector.find("matchLabels"); it != selector.end() && it->is_object()) {
    for (const auto& [k, v] : it->items()) {
      out.requirements_.push_back({k, Op::kEquals, {v.is_string() ? v.get<std::string>() : ""}});
    }
  }
  if (auto it = selector.find("matchExpressions"); it != selector.end() && it->is_array()) {
    for (const auto& e : *it) {
      Requirement r;
      r.key = e.value("key", "");
      const std::string op = e.value("operator", "");
      if (op == "In") {
        r.op = Op::kIn;
      } else if (op == "NotIn") {
        r.op = Op::kNotIn;
      } else if (op == "Exists") {
        r.op = Op::kExists;
      } else if (op == "DoesNotExist") {
        r.op = Op::kDoesNotExist;
      } else {
        return Status::InvalidArgument("unknown matchExpressions operator \"" + op + "\"");
      }
      if (auto values = e.find("values"); values != e.end() && values->is_array()) {
        for (const auto& v : *values) r.values.push_back(v.get<std::string>());
      }
      out.requirements_.push_back(std::move(r));
    }
  }
  return out;
}

LabelSelector LabelSelector::FromMatchLabels(const std::map<std::string, std::string>& labels) {
  LabelSelector out;
  for (const auto& [k, v] : labels) out.requirements_.push_back({k, Op::kEquals, {v}});
  return out;
}

bool LabelSelector::Matches(const std::map<std::string, std::string>& labels) const {
  for (const auto& r : requirements_) {
    auto it = labels.find(r.key);
    const bool has = it != labels.end();
    const auto in_values = [&] {
      return has && std::find(r.values.begin(), r.values.end(), it->second) != r.values.end();
    };
    switch (r.op) {
      case Op::kEquals:
        if (!has || it->second != r.values.front()) return false;
        break;
      case Op::kNotEquals:
        if (has && it->second == r.values.front()) return false;
        break;
      case Op::kIn:
        if (!in_values()) return false;
        break;
      case Op::kNotIn:
        if (in_values()) return false;
        break;
      case Op::kExists:
        if (!has) return false;
        break;
      case Op::kDoesNotExist:
        if (has) return false;
        break;
    }
  }
  return true;
}

bool LabelSelector::Matches(const nlohmann::json& labels) const {
  std::map<std::string, std::string> map;
  if (labels.is_object()) {
    for (const auto& [k, v] : labels.items()) {
      if (v.is_string()) map[k] = v.get<std::string>();
    }
  }
  return Matches(map);
}

std::string LabelSelector::ToString() const {
  std::string out;
  for (const auto& r : requirements_) {
    if (!out.empty()) out += ",";
    std::string set;
    for (const auto& v : r.values) set += (set.empty() ? "" : ",") + v;
    switch (r.op) {
      case Op::kEquals:
        out += r.key + "=" + r.values.front();
        break;
      case Op::kNotEquals:
        out += r.key + "!=" + r.values.front();
        break;
      case Op::kIn:
        out += r.key + " in (" + set + ")";
        break;
      case Op::kNotIn:
        out += r.key + " notin (" + set + ")";
        break;
      case Op::kExists:
        out += r.key;
        break;
      case Op::kDoesNotExist:
        out += "!" + r.key;
        break;
    }
  }
  return out;
}

}  // namespace acequia::kube
