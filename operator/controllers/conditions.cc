#include "operator/controllers/conditions.h"

#include <ctime>
#include <iomanip>
#include <sstream>

namespace acequia::controllers {

std::string FormatTime(std::chrono::system_clock::time_point time) {
  const std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool ParseTime(const std::string& text, std::chrono::system_clock::time_point* time) {
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (in.fail()) return false;
  std::string rest;
  std::getline(in, rest);
  if (!rest.empty() && rest.front() == '.') {
    size_t i = 1;
    while (i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i]))) ++i;
    rest.erase(0, i);
  }
  if (rest != "Z") return false;
  *time = std::chrono::system_clock::from_time_t(timegm(&tm));
  return true;
}

const Json* FindCondition(const Json& conditions, const std::string& type) {
  if (!conditions.is_array()) return nullptr;
  for (const auto& c : conditions) {
    if (c.value("type", "") == type) return &c;
  }
  return nullptr;
}

void SetCondition(Json& conditions, const Condition& condition, int64_t observed_generation,
                  std::chrono::system_clock::time_point now) {
  if (!conditions.is_array()) conditions = Json::array();
  Json entry = {{"type", condition.type},
                {"status", condition.status},
                {"reason", condition.reason},
                {"message", condition.message},
                {"observedGeneration", observed_generation},
                {"lastTransitionTime", FormatTime(now)}};
  for (auto& c : conditions) {
    if (c.value("type", "") != condition.type) continue;
    if (c.value("status", "") == condition.status && c.contains("lastTransitionTime")) {
      entry["lastTransitionTime"] = c["lastTransitionTime"];
    }
    c = std::move(entry);
    return;
  }
  conditions.push_back(std::move(entry));
}

}  // namespace acequia::controllers
