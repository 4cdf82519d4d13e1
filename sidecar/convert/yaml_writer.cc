#include "sidecar/convert/yaml_writer.h"

#include <cctype>
#include <cstdio>

namespace acequia::sidecar::convert {
namespace {

// `text` is `word` (lower case) in any case.
bool IsWord(std::string_view text, std::string_view word) {
  if (text.size() != word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != word[i]) return false;
  }
  return true;
}

bool LooksSpecial(std::string_view text) {
  static constexpr std::string_view kWords[] = {"~",  "null", "true", "false", "yes",
                                                "no", "on",   "off",  "y",     "n"};
  for (std::string_view w : kWords) {
    if (IsWord(text, w)) return true;
  }
  return false;
}

// True when `text` written plain reads back as a scalar with the same text (it may still read
// as a boolean or a null: see LooksSpecial).
bool PlainKeepsText(std::string_view text) {
  if (text.empty()) return false;
  if (std::string_view("-?:,[]{}#&*!|>'\"%@`").find(text.front()) != std::string_view::npos) {
    return false;
  }
  if (text.front() == ' ' || text.back() == ' ' || text.back() == ':') return false;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) return false;
    if (c == ',' || c == '[' || c == ']' || c == '{' || c == '}') return false;
    if (c == ':' && i + 1 < text.size() && text[i + 1] == ' ') return false;
    if (c == '#' && i > 0 && text[i - 1] == ' ') return false;
  }
  return true;
}

bool PlainIsSafe(std::string_view text) { return !LooksSpecial(text) && PlainKeepsText(text); }

// A literal ("5140", "true", "30s") is written as is, unless plain style would lose or change
// it: text from the Flume file that is not a number ("[", "1 # x", a NUL byte, "null") is then
// quoted, so the manifest stays YAML and the validator reports the value.
bool LiteralIsSafe(std::string_view text) {
  return PlainKeepsText(text) && !IsWord(text, "~") && !IsWord(text, "null");
}

std::string DoubleQuoted(std::string_view text) {
  std::string out = "\"";
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

// An item of an inline list: there '?' ends a plain scalar too ("[/data/a?b]" is not YAML).
std::string FlowItem(std::string_view text) {
  if (PlainIsSafe(text) && text.find('?') == std::string_view::npos) return std::string(text);
  return DoubleQuoted(text);
}

}  // namespace

std::string YamlScalar(std::string_view text) {
  return PlainIsSafe(text) ? std::string(text) : DoubleQuoted(text);
}

YamlNode YamlNode::String(std::string text) {
  YamlNode n;
  n.kind_ = Kind::kScalar;
  n.text_ = std::move(text);
  return n;
}

YamlNode YamlNode::Literal(std::string text) {
  YamlNode n = String(std::move(text));
  n.literal_ = true;
  return n;
}

YamlNode YamlNode::List(std::vector<std::string> items) {
  YamlNode n;
  n.kind_ = Kind::kFlowList;
  n.items_ = std::move(items);
  return n;
}

YamlNode YamlNode::Map() { return YamlNode(); }

YamlNode YamlNode::BlockList() {
  YamlNode n;
  n.kind_ = Kind::kBlockList;
  return n;
}

YamlNode& YamlNode::Set(const std::string& key, YamlNode value, std::string comment) {
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].first == key) {
      values_[i] = std::move(value);
      entries_[i].second = std::move(comment);
      return values_[i];
    }
  }
  entries_.emplace_back(key, std::move(comment));
  values_.push_back(std::move(value));
  return values_.back();
}

YamlNode* YamlNode::Find(std::string_view key) {
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].first == key) return &values_[i];
  }
  return nullptr;
}

YamlNode& YamlNode::Append(YamlNode element) {
  elements_.push_back(std::move(element));
  return elements_.back();
}

std::string YamlNode::Inline() const {
  switch (kind_) {
    case Kind::kScalar:
      return literal_ && LiteralIsSafe(text_) ? text_ : YamlScalar(text_);
    case Kind::kFlowList: {
      std::string out = "[";
      for (size_t i = 0; i < items_.size(); ++i) {
        out += (i ? ", " : "") + FlowItem(items_[i]);
      }
      return out + "]";
    }
    case Kind::kMap:
      return "{}";
    case Kind::kBlockList:
      return "[]";
  }
  return "";
}

// Writes the entries of this map at `indent`; with `first_inline` the first key follows a "- "
// already written.
void YamlNode::WriteMap(std::string& out, int indent, bool first_inline) const {
  const std::string pad(indent, ' ');
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (!(first_inline && i == 0)) out += pad;
    // YAML caps implicit keys at 1024 characters; a longer one is written explicit: "? key".
    const std::string key = YamlScalar(entries_[i].first);
    out += key.size() > 1024 ? "? " + key + "\n" + pad + ":" : key + ":";
    const YamlNode& v = values_[i];
    if (v.kind_ == Kind::kMap && !v.entries_.empty()) {
      out += "\n";
      v.WriteMap(out, indent + 2, false);
    } else if (v.kind_ == Kind::kBlockList && !v.elements_.empty()) {
      out += "\n";
      for (const auto& e : v.elements_) {
        out += pad + "  - ";
        if (e.kind_ == Kind::kMap && !e.entries_.empty()) {
          e.WriteMap(out, indent + 4, true);
        } else {
          out += e.Inline() + "\n";
        }
      }
    } else {
      out += " " + v.Inline();
      if (!entries_[i].second.empty()) out += "  # " + entries_[i].second;
      out += "\n";
    }
  }
}

std::string YamlNode::Write() const {
  std::string out;
  WriteMap(out, 0, false);
  return out;
}

}  // namespace acequia::sidecar::convert
