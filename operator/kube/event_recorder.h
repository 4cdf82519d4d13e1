// EventRecorder: writes events.k8s.io/v1 Events about objects, de-duplicated like client-go's
// events broadcaster: the same (object, type, reason, action, note) within six minutes does not
// create a new Event but bumps the existing one's series {count, lastObservedTime}.
// Threading: thread-safe. Failures are returned, never thrown; callers usually log and go on.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "operator/kube/kube_client.h"

namespace acequia::kube {

class EventRecorder {
 public:
  EventRecorder(KubeClient& client, std::string controller, std::string instance);

  // `regarding` is the object (apiVersion, kind, metadata); type is "Normal" or "Warning".
  Status Record(const Json& regarding, const std::string& type, const std::string& reason,
                const std::string& action, const std::string& note);

 private:
  struct Seen {
    std::string ns;
    std::string name;
    int count = 1;
    std::chrono::steady_clock::time_point last;
  };
  KubeClient& client_;
  const std::string controller_;
  const std::string instance_;
  std::mutex mu_;
  std::map<std::string, Seen> seen_;
};

}  // namespace acequia::kube
