#include "operator/render/objects.h"

#include <openssl/evp.h>

#include <cstdio>

namespace acequia::render {

std::map<std::string, std::string> StandardLabels(const std::string& app_name,
                                                  const std::string& owner_name,
                                                  const std::string& component) {
  std::map<std::string, std::string> labels = {
      {"app.kubernetes.io/name", app_name},
      {"app.kubernetes.io/instance", owner_name},
      {"app.kubernetes.io/managed-by", kManagedBy},
      {"app.kubernetes.io/part-of", "acequia"},
  };
  if (!component.empty()) labels["app.kubernetes.io/component"] = component;
  return labels;
}

Json ControllerReference(const Json& owner) {
  return Json{{"apiVersion", owner.value("apiVersion", "acequia.io/v1alpha1")},
              {"kind", owner.value("kind", "")},
              {"name", owner["metadata"].value("name", "")},
              {"uid", owner["metadata"].value("uid", "")},
              {"controller", true},
              {"blockOwnerDeletion", true}};
}

Json ChildMetadata(const Json& owner, const std::string& name,
                   const std::map<std::string, std::string>& labels) {
  Json meta = {{"name", name}, {"labels", labels}};
  const Json& owner_meta = owner.at("metadata");
  if (owner_meta.contains("namespace")) meta["namespace"] = owner_meta["namespace"];
  meta["ownerReferences"] = Json::array({ControllerReference(owner)});
  return meta;
}

std::string ContentHash(const std::string& text, size_t length) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr);
  std::string hex;
  hex.reserve(size * 2);
  char buf[3];
  for (unsigned int i = 0; i < size; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", digest[i]);
    hex += buf;
  }
  return hex.substr(0, length);
}

std::string ChildName(const std::string& base, const std::string& suffix, size_t max) {
  std::string name = suffix.empty() ? base : base + "-" + suffix;
  if (name.size() <= max) return name;
  const std::string hash = ContentHash(name, 8);
  const size_t keep = max - hash.size() - 1 - (suffix.empty() ? 0 : suffix.size() + 1);
  std::string cut = base.substr(0, keep);
  while (!cut.empty() && cut.back() == '-') cut.pop_back();
  return cut + "-" + hash + (suffix.empty() ? "" : "-" + suffix);
}

}  // namespace acequia::render
