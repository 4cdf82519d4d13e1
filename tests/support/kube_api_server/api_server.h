// KubeApiServer: a Kubernetes API test server, faithful enough that the real kubectl works
// against it (apply client-side and --server-side, get -o yaml, get -w, patch, delete) and that
// the operator's client is tested over real HTTP(S). It serves discovery, CRUD with
// resourceVersion (one global counter) and 409 on stale writes, generation, uid,
// creationTimestamp, the status subresource, watches (chunked JSON lines) with bookmarks and 410
// Gone outside a bounded history, label and field selectors, finalizers with deletionTimestamp,
// ownerReference garbage collection (background), merge / JSON / strategic merge patches and
// server-side apply with managedFields. Objects are generic JSON stored by group/resource,
// namespace and name. docs/operator-internals.md lists where it departs from a real server.
//
// Threading: one mutex serialises every read and write (like etcd's single revision); each
// connection has its own thread; a watch streams from its connection thread. Test hooks
// (DropWatches, Compact, InjectError, SetAcceptedTokens) may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "tests/support/kube_api_server/http_server.h"
#include "tests/support/kube_api_server/resource_catalog.h"

namespace acequia::testing::kube {

class KubeApiServer {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    int port = 0;  // 0: a free port
    std::string crd_dir;
    std::vector<Json> crds;
    std::string tls_cert_file;  // both set: HTTPS
    std::string tls_key_file;
    std::string client_ca_file;   // HTTPS only: require client certificates signed by this CA
    size_t watch_history = 1000;  // events kept for watches that resume from an old version
    std::chrono::milliseconds bookmark_interval{1000};
  };
  struct RecordedRequest {
    std::chrono::steady_clock::time_point at;
    std::string method;
    std::string target;
    std::string user_agent;
    std::string authorization;
    int status = 0;
  };

  explicit KubeApiServer(Options options);
  ~KubeApiServer();
  KubeApiServer(const KubeApiServer&) = delete;
  KubeApiServer& operator=(const KubeApiServer&) = delete;

  Status Start();
  void Stop();
  std::string url() const;
  int port() const { return http_.port(); }

  // --- test hooks ---
  // Ends every open watch by dropping its connection without the terminating chunk.
  void DropWatches();
  // Forgets the watch history: a watch from any resourceVersion before now gets 410 Gone.
  void Compact();
  // The next `count` requests whose method matches (empty: any) and whose path starts with
  // `path_prefix` fail with `status` (a Status body with a reason matching the code).
  void InjectError(const std::string& method, const std::string& path_prefix, int status,
                   int count = 1);
  // Requires "Authorization: Bearer <t>" with t among `tokens`; empty: no authentication.
  void SetAcceptedTokens(std::set<std::string> tokens);
  std::vector<RecordedRequest> Requests() const;
  int64_t resource_version() const;
  // Direct reads of the store (no HTTP): the object as the API would return it.
  std::optional<Json> Get(const std::string& api_version, const std::string& resource,
                          const std::string& ns, const std::string& name) const;
  size_t open_watches() const;

 private:
  struct Watch;
  struct HistoryEvent {
    int64_t rv;
    std::string storage_key;
    std::string type;
    Json object;
    Json old;  // the previous object for MODIFIED, else null
  };
  struct Target;
  struct Reply {
    int status;
    Json body;
  };

  void Handle(const HttpRequest& request, HttpResponder& responder);
  Reply Route(const HttpRequest& request, HttpResponder& responder, bool* streamed);

  Reply Discovery(const std::vector<std::string>& segments, const HttpRequest& request);
  Reply OpenApi(const HttpRequest& request);
  Reply List(const Target& t, const HttpRequest& request);
  Reply GetOne(const Target& t);
  Reply Create(const Target& t, const HttpRequest& request);
  Reply Update(const Target& t, const HttpRequest& request);
  Reply Patch(const Target& t, const HttpRequest& request);
  Reply DeleteOne(const Target& t, const HttpRequest& request);
  Reply DeleteCollection(const Target& t, const HttpRequest& request);
  void ServeWatch(const Target& t, const HttpRequest& request, HttpResponder& responder);

  // Under mu_.
  Reply WriteLocked(const Target& t, Json desired, const Json& current, const std::string& manager,
                    bool record_update);
  Reply CreateLocked(const Target& t, Json object, const std::string& manager,
                     bool fields_recorded);
  Reply DeleteLocked(const ResourceInfo& info, const std::string& ns, const std::string& name,
                     const std::string& propagation);
  void Remove(const ResourceInfo& info, const std::string& ns, const std::string& name,
              const std::string& propagation);
  void CollectGarbage(const std::string& owner_uid, const std::string& propagation);
  void FinishNamespaceIfEmpty(const std::string& ns);
  Json* Find(const std::string& storage_key, const std::string& ns, const std::string& name);
  void Commit(const ResourceInfo& info, const std::string& type, const std::string& ns,
              const std::string& name, Json object, const Json& old);
  Json Present(const ResourceInfo& info, Json object) const;
  std::string Manager(const HttpRequest& request) const;

  Options options_;
  ResourceCatalog catalog_;
  HttpServer http_;
  mutable std::mutex mu_;
  int64_t rv_ = 0;
  int64_t compacted_rv_ = 0;  // watches from before this version get 410 Gone
  // storage key ("group/resource") → "namespace/name" → object
  std::map<std::string, std::map<std::string, Json>> objects_;
  std::deque<HistoryEvent> history_;
  std::set<std::string> live_uids_;  // of every stored object: owners the garbage collector sees
  std::list<std::shared_ptr<Watch>> watches_;
  std::set<std::string> accepted_tokens_;
  struct InjectedError {
    std::string method;
    std::string path_prefix;
    int status;
    int remaining;
  };
  std::vector<InjectedError> injected_;
  std::vector<RecordedRequest> requests_;
};

}  // namespace acequia::testing::kube
