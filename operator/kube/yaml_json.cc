#include "operator/kube/yaml_json.h"

#include <regex>

namespace acequia::kube {
namespace {

// YAML 1.2 core schema resolution of a plain (unquoted) scalar.
Json ResolvePlain(const std::string& s) {
  static const std::regex kInt(R"([-+]?[0-9]+)");
  static const std::regex kOct(R"(0o[0-7]+)");
  static const std::regex kHex(R"(0x[0-9a-fA-F]+)");
  static const std::regex kFloat(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  try {
    if (std::regex_match(s, kInt)) return std::stoll(s);
    if (std::regex_match(s, kOct)) return std::stoll(s.substr(2), nullptr, 8);
    if (std::regex_match(s, kHex)) return std::stoll(s.substr(2), nullptr, 16);
    if (std::regex_match(s, kFloat)) return std::stod(s);
  } catch (const std::out_of_range&) {
    return s;
  }
  return s;
}

bool IsStringTag(const std::string& tag) {
  return tag == "!" || tag == "!!str" || tag == "tag:yaml.org,2002:str";
}

// Multi-line text (a ConfigMap's file) reads best as a literal block. A block keeps the text
// exactly only when it ends in one newline (clip chomping), no line ends in blanks, the first
// line does not start with one, and every character is printable.
bool ReadsBackAsLiteral(const std::string& s) {
  if (s.size() < 2 || s.back() != '\n' || s[s.size() - 2] == '\n') return false;
  if (s.front() == ' ' || s.front() == '\n') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\n') {
      if (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t')) return false;
    } else if (c < 0x20 || c == 0x7f) {
      return false;
    }
  }
  return true;
}

void EmitYaml(const Json& v, YAML::Emitter& out) {
  switch (v.type()) {
    case Json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [k, child] : v.items()) {
        out << YAML::Key << k << YAML::Value;
        EmitYaml(child, out);
      }
      out << YAML::EndMap;
      break;
    case Json::value_t::array:
      out << YAML::BeginSeq;
      for (const auto& child : v) EmitYaml(child, out);
      out << YAML::EndSeq;
      break;
    case Json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      if (ReadsBackAsLiteral(s)) {
        out << YAML::Literal << s;
      } else if (!ResolvePlain(s).is_string() || s.empty()) {
        out << YAML::DoubleQuoted << s;
      } else {
        out << s;
      }
      break;
    }
    case Json::value_t::null:
      out << YAML::Null;
      break;
    default:
      out << v.dump();
  }
}

}  // namespace

Json YamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      if (IsStringTag(node.Tag())) return node.Scalar();
      return ResolvePlain(node.Scalar());
    case YAML::NodeType::Sequence: {
      Json out = Json::array();
      for (const auto& child : node) out.push_back(YamlToJson(child));
      return out;
    }
    case YAML::NodeType::Map: {
      Json out = Json::object();
      for (const auto& kv : node) out[kv.first.as<std::string>()] = YamlToJson(kv.second);
      return out;
    }
  }
  return nullptr;
}

Result<Json> ParseYamlOrJson(std::string_view text) {
  auto docs = ParseYamlDocuments(text);
  if (!docs.ok()) return docs.status();
  if (docs->empty()) return Status::InvalidArgument("empty document");
  if (docs->size() > 1) return Status::InvalidArgument("expected one document, got several");
  return std::move(docs->front());
}

Result<std::vector<Json>> ParseYamlDocuments(std::string_view text) {
  try {
    std::vector<Json> out;
    for (const auto& node : YAML::LoadAll(std::string(text))) {
      Json doc = YamlToJson(node);
      if (!doc.is_null()) out.push_back(std::move(doc));
    }
    return out;
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(std::string("invalid YAML: ") + e.what());
  }
}

std::string JsonToYaml(const Json& value) {
  YAML::Emitter out;
  EmitYaml(value, out);
  return std::string(out.c_str()) + "\n";
}

}  // namespace acequia::kube
