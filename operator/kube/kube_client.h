// KubeClient: typed access to the Kubernetes API by group/version/resource, with objects as
// JSON. One interface so controllers can be tested against a fake; RestKubeClient is the real
// one. API errors keep the HTTP code and the Status reason at the start of the message
// ("409 Conflict: Operation cannot be fulfilled on …"); IsConflict() and friends read them.
// Threading: implementations are thread-safe; a WatchStream belongs to one reader thread, but
// Cancel() may be called from any thread.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/status.h"
#include "operator/kube/resources.h"

namespace acequia::kube {

using Json = nlohmann::json;

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
};

struct WatchOptions {
  std::string resource_version;  // start after this version; "" = current state first
  std::string label_selector;
  std::string field_selector;
  bool allow_bookmarks = true;
  int timeout_seconds = 300;  // the server ends the watch after this; informers re-watch
};

struct DeleteOptions {
  std::string propagation_policy = "Background";  // Background | Foreground | Orphan
  std::string precondition_uid;
  std::string precondition_resource_version;
};

struct ApplyOptions {
  std::string field_manager = "acequia-operator";
  bool force = false;
  bool status = false;  // apply to the /status subresource
};

struct WatchEvent {
  std::string type;  // ADDED, MODIFIED, DELETED, BOOKMARK, ERROR
  Json object;
};

class WatchStream {
 public:
  virtual ~WatchStream() = default;
  // The next event; nullopt when the server ended the stream; an error when the connection
  // broke. An ERROR event (e.g. 410 Expired) comes back as an error Status, see IsGone().
  virtual Result<std::optional<WatchEvent>> Next() = 0;
  virtual void Cancel() = 0;
};

class KubeClient {
 public:
  virtual ~KubeClient() = default;
  virtual Result<Json> Get(const ResourceType& type, const std::string& ns,
                           const std::string& name) = 0;
  virtual Result<Json> List(const ResourceType& type, const std::string& ns,
                            const ListOptions& options = {}) = 0;
  virtual Result<Json> Create(const ResourceType& type, const Json& object) = 0;
  // PUT: fails with 409 Conflict when metadata.resourceVersion is stale.
  virtual Result<Json> Update(const ResourceType& type, const Json& object) = 0;
  virtual Result<Json> UpdateStatus(const ResourceType& type, const Json& object) = 0;
  virtual Status Delete(const ResourceType& type, const std::string& ns, const std::string& name,
                        const DeleteOptions& options = {}) = 0;
  virtual Result<Json> MergePatch(const ResourceType& type, const std::string& ns,
                                  const std::string& name, const Json& patch,
                                  bool status = false) = 0;
  // Server-side apply of a (partial) object that carries apiVersion, kind and metadata.name.
  virtual Result<Json> Apply(const ResourceType& type, const Json& object,
                             const ApplyOptions& options = {}) = 0;
  virtual Result<std::unique_ptr<WatchStream>> Watch(const ResourceType& type,
                                                     const std::string& ns,
                                                     const WatchOptions& options) = 0;
};

int HttpCodeOf(const Status& status);        // 0 when not an API response
std::string ReasonOf(const Status& status);  // "Conflict", "NotFound", "Expired", …
inline bool IsNotFound(const Status& s) { return HttpCodeOf(s) == 404; }
inline bool IsAlreadyExists(const Status& s) { return ReasonOf(s) == "AlreadyExists"; }
inline bool IsConflict(const Status& s) { return ReasonOf(s) == "Conflict"; }
inline bool IsGone(const Status& s) { return HttpCodeOf(s) == 410; }
inline bool IsUnauthorized(const Status& s) { return HttpCodeOf(s) == 401; }
// The Status for an API error response: code from the HTTP code, message "CODE Reason: text".
Status ApiError(int http_code, const std::string& reason, const std::string& message);

// Retries `write` (which must re-read what it changes) while it fails with 409 Conflict, up to
// `attempts` times, like client-go's retry.RetryOnConflict.
template <typename F>
auto RetryOnConflict(F&& write, int attempts = 5) -> decltype(write()) {
  auto result = write();
  for (int i = 1; i < attempts && !result.ok() && IsConflict(result.status()); ++i) {
    result = write();
  }
  return result;
}

}  // namespace acequia::kube
