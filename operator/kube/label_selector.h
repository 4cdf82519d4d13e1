// Kubernetes label selectors: the string form (`app=web,tier!=db,env in (a,b),!canary,track`)
// and metav1.LabelSelector (matchLabels + matchExpressions). Also serves field selectors, which
// use the same equality syntax. A value type: immutable after parsing, thread-safe to share.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace acequia::kube {

class LabelSelector {
 public:
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kDoesNotExist };
  struct Requirement {
    std::string key;
    Op op;
    std::vector<std::string> values;
  };

  LabelSelector() = default;  // selects everything
  static Result<LabelSelector> Parse(std::string_view text);
  // A metav1.LabelSelector object; null or {} selects everything.
  static Result<LabelSelector> FromJson(const nlohmann::json& selector);
  static LabelSelector FromMatchLabels(const std::map<std::string, std::string>& labels);

  bool Matches(const std::map<std::string, std::string>& labels) const;
  // `labels` is an object of strings (metadata.labels) or null.
  bool Matches(const nlohmann::json& labels) const;
  bool empty() const { return requirements_.empty(); }
  const std::vector<Requirement>& requirements() const { return requirements_; }
  // The canonical string form, accepted by Parse and by the API server.
  std::string ToString() const;

 private:
  std::vector<Requirement> requirements_;
};

}  // namespace acequia::kube
