// A validation error tied to the exact field it is about: "spec.sinks[1].channel: unknown channel
// \"x\"". Plain value type.
#pragma once

#include <string>
#include <vector>

namespace acequia::api {

struct FieldError {
  std::string path;     // "spec.sinks[1].channel"; empty for the document as a whole
  std::string message;  // the reason, without the path

  std::string ToString() const { return path.empty() ? message : path + ": " + message; }
  bool operator==(const FieldError&) const = default;
};

// One error per line, in the order found.
inline std::string JoinErrors(const std::vector<FieldError>& errors) {
  std::string out;
  for (const auto& e : errors) {
    if (!out.empty()) out += '\n';
    out += e.ToString();
  }
  return out;
}

}  // namespace acequia::api
