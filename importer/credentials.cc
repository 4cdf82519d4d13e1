#include "importer/credentials.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace acequia::importer {
namespace {

std::optional<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  std::string value = text.str();
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  return value;
}

Credentials FromDir(const std::string& dir) {
  return {ReadSecretFile(dir + "/username"), ReadSecretFile(dir + "/password")};
}

}  // namespace

Result<Credentials> ResolveCredentials(const std::string& dir, const std::string& cluster_dir) {
  std::error_code ec;
  if (!dir.empty()) {
    if (!std::filesystem::is_directory(dir, ec)) {
      return Status::NotFound("--credentials " + dir + " is not a directory");
    }
    Credentials c = FromDir(dir);
    if (!c.username && !c.password) {
      return Status::NotFound("--credentials " + dir + " holds neither username nor password");
    }
    return c;
  }
  const char* user = std::getenv("ACEQUIA_DB_USERNAME");
  const char* password = std::getenv("ACEQUIA_DB_PASSWORD");
  if (user || password) {
    Credentials c;
    if (user) c.username = user;
    if (password) c.password = password;
    return c;
  }
  if (!cluster_dir.empty() && std::filesystem::is_directory(cluster_dir, ec)) {
    return FromDir(cluster_dir);
  }
  return Credentials{};
}

}  // namespace acequia::importer
