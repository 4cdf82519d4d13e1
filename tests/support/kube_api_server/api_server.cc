#include "tests/support/kube_api_server/api_server.h"

#include <algorithm>
#include <ctime>
#include <iomanip>
#include <random>
#include <regex>
#include <sstream>

#include "operator/kube/label_selector.h"
#include "operator/kube/yaml_json.h"
#include "tests/support/kube_api_server/field_manager.h"

namespace acequia::testing::kube {

using acequia::kube::LabelSelector;
using Clock = std::chrono::steady_clock;

namespace {

std::string Now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string NewUid() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t a = rng(), b = rng();
  a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 1
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xffff),
                static_cast<unsigned>(b >> 48),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

std::string RandomSuffix() {
  static thread_local std::mt19937 rng{std::random_device{}()};
  static const char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  std::string out;
  for (int i = 0; i < 5; ++i) out += kAlphabet[rng() % (sizeof kAlphabet - 1)];
  return out;
}

std::string ReasonFor(int code) {
  switch (code) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 405:
      return "MethodNotAllowed";
    case 409:
      return "Conflict";
    case 410:
      return "Expired";
    case 415:
      return "UnsupportedMediaType";
    case 422:
      return "Invalid";
    case 429:
      return "TooManyRequests";
    case 503:
      return "ServiceUnavailable";
    default:
      return "InternalError";
  }
}

Json StatusBody(int code, const std::string& message, const std::string& reason = "",
                Json details = nullptr) {
  Json s = {{"kind", "Status"},
            {"apiVersion", "v1"},
            {"metadata", Json::object()},
            {"status", "Failure"},
            {"message", message},
            {"reason", reason.empty() ? ReasonFor(code) : reason},
            {"code", code}};
  if (!details.is_null()) s["details"] = std::move(details);
  return s;
}

std::string Key(const std::string& ns, const std::string& name) { return ns + "/" + name; }

std::string Qualified(const ResourceInfo& info) {
  return info.group.empty() ? info.resource : info.resource + "." + info.group;
}

Json NotFound(const ResourceInfo& info, const std::string& name) {
  Json details = {{"name", name}, {"kind", info.resource}};
  if (!info.group.empty()) details["group"] = info.group;
  return StatusBody(404, Qualified(info) + " \"" + name + "\" not found", "NotFound", details);
}

// Everything a user writes that counts as "spec" for metadata.generation.
Json SpecPart(const Json& object) {
  Json out = object;
  out.erase("metadata");
  out.erase("status");
  out.erase("apiVersion");
  out.erase("kind");
  return out;
}

bool HasGeneration(const ResourceInfo& info) { return info.status_subresource || info.custom; }

bool Truthy(const std::string& v) { return v == "true" || v == "1"; }

std::string MetaString(const Json& object, const char* field) {
  auto m = object.find("metadata");
  if (m == object.end() || !m->is_object()) return "";
  auto it = m->find(field);
  return it != m->end() && it->is_string() ? it->get<std::string>() : "";
}

// Field selectors: every resource supports metadata.name and metadata.namespace; Events add
// the labels their field label conversions register (pkg/apis/core/v1 and pkg/apis/events/v1
// AddFieldLabelConversionsForEvent), read from the stored object's own fields. Any other label
// is refused the way the real server refuses it: 400 "field label not supported: <label>".
// Label → the object's field ("a.b" path); an empty map for kinds with nothing of their own.
const std::map<std::string, std::string>& SelectableFields(const ResourceInfo& info) {
  static const std::map<std::string, std::string> kNone;
  static const std::map<std::string, std::string> kCoreEvent = {
      {"involvedObject.kind", "involvedObject.kind"},
      {"involvedObject.namespace", "involvedObject.namespace"},
      {"involvedObject.name", "involvedObject.name"},
      {"involvedObject.uid", "involvedObject.uid"},
      {"involvedObject.apiVersion", "involvedObject.apiVersion"},
      {"involvedObject.resourceVersion", "involvedObject.resourceVersion"},
      {"involvedObject.fieldPath", "involvedObject.fieldPath"},
      {"reason", "reason"},
      {"reportingComponent", "reportingComponent"},
      {"source", "source.component"},
      {"type", "type"}};
  static const std::map<std::string, std::string> kEventsV1 = {
      {"regarding.kind", "regarding.kind"},
      {"regarding.namespace", "regarding.namespace"},
      {"regarding.name", "regarding.name"},
      {"regarding.uid", "regarding.uid"},
      {"regarding.apiVersion", "regarding.apiVersion"},
      {"regarding.resourceVersion", "regarding.resourceVersion"},
      {"regarding.fieldPath", "regarding.fieldPath"},
      {"reason", "reason"},
      {"reportingController", "reportingController"},
      // No source in events.k8s.io/v1: deprecatedSource.component, else reportingController.
      {"source", "deprecatedSource.component"},
      {"type", "type"}};
  if (info.resource == "events" && info.group.empty()) return kCoreEvent;
  if (info.resource == "events" && info.group == "events.k8s.io") return kEventsV1;
  return kNone;
}

Result<LabelSelector> ParseFieldSelector(const std::string& text, const ResourceInfo& info) {
  auto s = LabelSelector::Parse(text);
  if (!s.ok()) return s.status();
  for (const auto& r : s->requirements()) {
    if (r.op != LabelSelector::Op::kEquals && r.op != LabelSelector::Op::kNotEquals) {
      return Status::InvalidArgument("invalid selector: '" + text + "'; can't understand '" +
                                     r.key + "'");
    }
    if (r.key != "metadata.name" && r.key != "metadata.namespace" &&
        SelectableFields(info).count(r.key) == 0) {
      return Status::InvalidArgument("field label not supported: " + r.key);
    }
  }
  return s;
}

// The value of a dotted path in `object` as a field selector sees it ("" when absent).
std::string FieldValue(const Json& object, const std::string& path) {
  const Json* at = &object;
  for (size_t start = 0; start <= path.size();) {
    size_t dot = path.find('.', start);
    if (dot == std::string::npos) dot = path.size();
    if (!at->is_object()) return "";
    auto it = at->find(path.substr(start, dot - start));
    if (it == at->end()) return "";
    at = &*it;
    start = dot + 1;
  }
  if (at->is_string()) return at->get<std::string>();
  if (at->is_boolean() || at->is_number()) return at->dump();
  return "";
}

bool FieldsMatch(const LabelSelector& fields, const Json& object, const ResourceInfo& info) {
  if (fields.empty()) return true;
  std::map<std::string, std::string> values = {
      {"metadata.name", MetaString(object, "name")},
      {"metadata.namespace", MetaString(object, "namespace")}};
  for (const auto& r : fields.requirements()) {
    auto field = SelectableFields(info).find(r.key);
    if (field == SelectableFields(info).end()) continue;
    values[r.key] = FieldValue(object, field->second);
    if (r.key == "source" && info.group == "events.k8s.io" && values[r.key].empty()) {
      values[r.key] = FieldValue(object, "reportingController");
    }
  }
  return fields.Matches(values);
}

}  // namespace

struct KubeApiServer::Target {
  const ResourceInfo* info = nullptr;
  std::string ns;
  std::string name;
  std::string subresource;
};

struct KubeApiServer::Watch {
  const ResourceInfo* info;
  std::string ns;
  LabelSelector labels;
  LabelSelector fields;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::string> lines;
  int64_t last_rv = 0;
  bool closed = false;
  bool abort = false;

  bool Selects(const Json& object) const {
    if (!object.is_object()) return false;
    if (!ns.empty() && MetaString(object, "namespace") != ns) return false;
    return labels.Matches(object.value("/metadata/labels"_json_pointer, Json(nullptr))) &&
           FieldsMatch(fields, object, *info);
  }
};

KubeApiServer::KubeApiServer(Options options)
    : options_(std::move(options)),
      http_([this](const HttpRequest& r, HttpResponder& w) { Handle(r, w); }) {}

KubeApiServer::~KubeApiServer() { Stop(); }

Status KubeApiServer::Start() {
  if (!options_.crd_dir.empty()) {
    if (auto s = catalog_.LoadCrdDir(options_.crd_dir); !s.ok()) return s;
  }
  for (const auto& crd : options_.crds) {
    if (auto s = catalog_.AddCrd(crd); !s.ok()) return s;
  }
  {
    std::lock_guard lock(mu_);
    const ResourceInfo* ns_info = catalog_.Find("", "v1", "namespaces");
    for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
      Json ns = {{"apiVersion", "v1"},
                 {"kind", "Namespace"},
                 {"metadata",
                  {{"name", name},
                   {"uid", NewUid()},
                   {"creationTimestamp", Now()},
                   {"labels", {{"kubernetes.io/metadata.name", name}}}}},
                 {"spec", {{"finalizers", {"kubernetes"}}}},
                 {"status", {{"phase", "Active"}}}};
      Commit(*ns_info, "ADDED", "", name, ns, nullptr);
    }
  }
  std::optional<HttpServer::Tls> tls;
  if (!options_.tls_cert_file.empty()) {
    tls = HttpServer::Tls{options_.tls_cert_file, options_.tls_key_file, options_.client_ca_file};
  }
  return http_.Start(options_.host, options_.port, tls);
}

void KubeApiServer::Stop() {
  {
    std::lock_guard lock(mu_);
    for (auto& w : watches_) {
      std::lock_guard wl(w->mu);
      w->closed = true;
      w->cv.notify_all();
    }
  }
  http_.Stop();
}

std::string KubeApiServer::url() const {
  return std::string(options_.tls_cert_file.empty() ? "http" : "https") + "://" + options_.host +
         ":" + std::to_string(http_.port());
}

void KubeApiServer::DropWatches() {
  std::lock_guard lock(mu_);
  for (auto& w : watches_) {
    std::lock_guard wl(w->mu);
    w->closed = true;
    w->abort = true;
    w->cv.notify_all();
  }
}

void KubeApiServer::Compact() {
  std::lock_guard lock(mu_);
  history_.clear();
  compacted_rv_ = rv_;
}

void KubeApiServer::InjectError(const std::string& method, const std::string& path_prefix,
                                int status, int count) {
  std::lock_guard lock(mu_);
  injected_.push_back({method, path_prefix, status, count});
}

void KubeApiServer::SetAcceptedTokens(std::set<std::string> tokens) {
  std::lock_guard lock(mu_);
  accepted_tokens_ = std::move(tokens);
}

std::vector<KubeApiServer::RecordedRequest> KubeApiServer::Requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

int64_t KubeApiServer::resource_version() const {
  std::lock_guard lock(mu_);
  return rv_;
}

size_t KubeApiServer::open_watches() const {
  std::lock_guard lock(mu_);
  return watches_.size();
}

std::optional<Json> KubeApiServer::Get(const std::string& api_version, const std::string& resource,
                                       const std::string& ns, const std::string& name) const {
  size_t slash = api_version.find('/');
  std::string group = slash == std::string::npos ? "" : api_version.substr(0, slash);
  std::string version = slash == std::string::npos ? api_version : api_version.substr(slash + 1);
  std::lock_guard lock(mu_);
  const ResourceInfo* info = catalog_.Find(group, version, resource);
  if (!info) return std::nullopt;
  auto bucket = objects_.find(info->StorageKey());
  if (bucket == objects_.end()) return std::nullopt;
  auto it = bucket->second.find(Key(ns, name));
  if (it == bucket->second.end()) return std::nullopt;
  return Present(*info, it->second);
}

Json KubeApiServer::Present(const ResourceInfo& info, Json object) const {
  object["apiVersion"] = info.ApiVersion();
  object["kind"] = info.kind;
  return object;
}

std::string KubeApiServer::Manager(const HttpRequest& request) const {
  std::string manager = request.Query("fieldManager");
  if (!manager.empty()) return manager;
  // A real server derives the default manager from the User-Agent the same way.
  std::string agent = request.Header("user-agent");
  agent = agent.substr(0, agent.find('/'));
  return agent.empty() ? "unknown" : agent;
}

Json* KubeApiServer::Find(const std::string& storage_key, const std::string& ns,
                          const std::string& name) {
  auto bucket = objects_.find(storage_key);
  if (bucket == objects_.end()) return nullptr;
  auto it = bucket->second.find(Key(ns, name));
  return it == bucket->second.end() ? nullptr : &it->second;
}

void KubeApiServer::Commit(const ResourceInfo& info, const std::string& type, const std::string& ns,
                           const std::string& name, Json object, const Json& old) {
  const int64_t rv = ++rv_;
  object["metadata"]["resourceVersion"] = std::to_string(rv);
  auto& bucket = objects_[info.StorageKey()];
  if (type == "DELETED") {
    bucket.erase(Key(ns, name));
  } else {
    bucket[Key(ns, name)] = object;
  }
  history_.push_back({rv, info.StorageKey(), type, object, old});
  while (history_.size() > std::max<size_t>(options_.watch_history, 1)) {
    compacted_rv_ = history_.front().rv;
    history_.pop_front();
  }
  for (auto& w : watches_) {
    std::string line;
    if (w->info->StorageKey() == info.StorageKey()) {
      const bool was = !old.is_null() && w->Selects(old);
      const bool is = w->Selects(object);
      std::string event_type;
      if (type == "ADDED" && is) event_type = "ADDED";
      if (type == "MODIFIED") {
        if (was && is) event_type = "MODIFIED";
        if (was && !is) event_type = "DELETED";
        if (!was && is) event_type = "ADDED";
      }
      if (type == "DELETED" && is) event_type = "DELETED";
      if (!event_type.empty()) {
        line = Json{{"type", event_type}, {"object", Present(*w->info, object)}}.dump() + "\n";
      }
    }
    std::lock_guard wl(w->mu);
    if (!line.empty()) w->lines.push_back(std::move(line));
    w->last_rv = rv;
    w->cv.notify_all();
  }
  const std::string uid = MetaString(object, "uid");
  if (type == "DELETED") {
    live_uids_.erase(uid);
    return;
  }
  live_uids_.insert(uid);
  // The garbage collector deletes a dependent whose owners are all gone, also one created after
  // its owner was deleted (a controller acting on a stale cache does that).
  const Json refs = object.value("/metadata/ownerReferences"_json_pointer, Json::array());
  if (type == "ADDED" && !refs.empty() &&
      std::none_of(refs.begin(), refs.end(), [&](const Json& ref) {
        return live_uids_.count(ref.value("uid", "")) > 0;
      })) {
    Remove(info, ns, name, "Background");
  }
}

void KubeApiServer::Handle(const HttpRequest& request, HttpResponder& responder) {
  Reply reply{200, nullptr};
  bool streamed = false;
  bool handled = false;
  size_t record_index = 0;
  {
    std::lock_guard lock(mu_);
    // Recorded on arrival (a watch stays open); the status is filled in before the reply.
    record_index = requests_.size();
    requests_.push_back({Clock::now(), request.method, request.target, request.Header("user-agent"),
                         request.Header("authorization"), 0});
    if (!accepted_tokens_.empty()) {
      std::string auth = request.Header("authorization");
      std::string token = auth.starts_with("Bearer ") ? auth.substr(7) : "";
      if (!accepted_tokens_.count(token)) {
        reply = {401, StatusBody(401, "Unauthorized")};
        handled = true;
      }
    }
    for (auto it = injected_.begin(); !handled && it != injected_.end(); ++it) {
      if ((it->method.empty() || it->method == request.method) &&
          request.path.starts_with(it->path_prefix)) {
        reply = {it->status, StatusBody(it->status, "injected failure")};
        if (--it->remaining <= 0) injected_.erase(it);
        handled = true;
        break;
      }
    }
  }
  if (!handled && !request.body.empty() &&
      request.Header("content-type").find("protobuf") != std::string::npos) {
    // Protobuf bodies (kubectl's typed commands such as `kubectl create configmap`) are not
    // decoded: this server speaks JSON and YAML only. `kubectl create -f` and `apply` send JSON.
    reply = {415, StatusBody(415, "the test API server accepts JSON and YAML bodies only, not " +
                                      request.Header("content-type"))};
    handled = true;
  }
  if (!handled) {
    try {
      reply = Route(request, responder, &streamed);
    } catch (const std::exception& e) {
      reply = {500, StatusBody(500, std::string("internal error: ") + e.what())};
    }
  }
  {
    std::lock_guard lock(mu_);
    requests_[record_index].status = reply.status;
  }
  if (!streamed) {
    std::map<std::string, std::string> headers;
    if (reply.status == 429) headers["Retry-After"] = "1";
    if (reply.body.is_string()) {
      responder.Send(reply.status, "text/plain; charset=utf-8", reply.body.get<std::string>(),
                     headers);
    } else {
      responder.Send(reply.status, "application/json", reply.body.dump(), headers);
    }
  }
}

namespace {
bool WantsTable(const HttpRequest& request);
Json ToTable(const ResourceInfo& info, const Json& items);
}  // namespace

KubeApiServer::Reply KubeApiServer::Route(const HttpRequest& request, HttpResponder& responder,
                                          bool* streamed) {
  const std::string& path = request.path;
  if (path == "/version") {
    return {200,
            {{"major", "1"},
             {"minor", "32"},
             {"gitVersion", "v1.32.0-acequia-test"},
             {"gitCommit", "0000000000000000000000000000000000000000"},
             {"gitTreeState", "clean"},
             {"buildDate", "2025-01-01T00:00:00Z"},
             {"goVersion", "go1.23"},
             {"compiler", "gc"},
             {"platform", "linux/amd64"}}};
  }
  if (path == "/healthz" || path == "/livez" || path == "/readyz") return {200, Json("ok")};
  if (path.starts_with("/openapi/")) return OpenApi(request);

  std::vector<std::string> seg;
  {
    std::stringstream in(path);
    for (std::string part; std::getline(in, part, '/');) {
      if (!part.empty()) seg.push_back(part);
    }
  }
  if (seg.empty()) {
    return {200, {{"paths", {"/api", "/api/v1", "/apis", "/healthz", "/openapi/v2", "/version"}}}};
  }
  if (seg[0] != "api" && seg[0] != "apis") {
    return {404, StatusBody(404, "the server could not find the requested resource")};
  }
  std::string group, version;
  size_t rest = 0;
  if (seg[0] == "api") {
    if (seg.size() < 3) return Discovery(seg, request);
    version = seg[1];
    rest = 2;
  } else {
    if (seg.size() < 4) return Discovery(seg, request);
    group = seg[1];
    version = seg[2];
    rest = 3;
  }
  if (!catalog_.HasGroupVersion(group, version)) {
    return {404, StatusBody(404, "the server could not find the requested resource")};
  }
  Target t;
  std::vector<std::string> r(seg.begin() + static_cast<long>(rest), seg.end());
  if (r.size() >= 3 && r[0] == "namespaces" && catalog_.Find(group, version, r[2])) {
    t.ns = r[1];
    r.erase(r.begin(), r.begin() + 2);
  }
  t.info = catalog_.Find(group, version, r[0]);
  if (!t.info || r.size() > 3 || (t.info->namespaced == false && !t.ns.empty())) {
    return {404, StatusBody(404, "the server could not find the requested resource")};
  }
  if (r.size() >= 2) t.name = r[1];
  if (r.size() == 3) {
    t.subresource = r[2];
    if (t.subresource != "status" || !t.info->status_subresource) {
      return {404, StatusBody(404, "the server could not find the requested resource")};
    }
  }
  if (t.info->namespaced && !t.name.empty() && t.ns.empty()) {
    return {404, StatusBody(404, "the server could not find the requested resource")};
  }
  const std::string& m = request.method;
  if (t.name.empty()) {
    if (m == "GET") {
      if (Truthy(request.Query("watch"))) {
        *streamed = true;
        ServeWatch(t, request, responder);
        return {200, nullptr};
      }
      Reply reply = List(t, request);
      if (reply.status == 200 && WantsTable(request)) reply.body = ToTable(*t.info, reply.body["items"]);
      return reply;
    }
    if (m == "POST") return Create(t, request);
    if (m == "DELETE") return DeleteCollection(t, request);
  } else {
    if (m == "GET") {
      Reply reply = GetOne(t);
      if (reply.status == 200 && WantsTable(request)) {
        reply.body = ToTable(*t.info, Json::array({reply.body}));
      }
      return reply;
    }
    if (m == "PUT") return Update(t, request);
    if (m == "PATCH") return Patch(t, request);
    if (m == "DELETE" && t.subresource.empty()) return DeleteOne(t, request);
  }
  return {405, StatusBody(405, "the server does not allow this method on the requested resource")};
}

KubeApiServer::Reply KubeApiServer::Discovery(const std::vector<std::string>& seg,
                                              const HttpRequest& request) {
  // Aggregated discovery (apidiscovery.k8s.io/v2) is not served: clients that ask for it get
  // the legacy documents with Content-Type application/json and fall back, as they do with
  // servers older than 1.26.
  if (seg.size() == 1 && seg[0] == "api") {
    std::string host = request.Header("host");
    return {200, catalog_.CoreVersions(host.empty() ? options_.host : host)};
  }
  if (seg.size() == 2 && seg[0] == "api") {
    if (auto list = catalog_.ResourceList("", seg[1])) return {200, *list};
  }
  if (seg.size() == 1 && seg[0] == "apis") return {200, catalog_.GroupList()};
  if (seg.size() == 2 && seg[0] == "apis") {
    if (auto g = catalog_.Group(seg[1])) return {200, *g};
  }
  if (seg.size() == 3 && seg[0] == "apis") {
    if (auto list = catalog_.ResourceList(seg[1], seg[2])) return {200, *list};
  }
  return {404, StatusBody(404, "the server could not find the requested resource")};
}

KubeApiServer::Reply KubeApiServer::OpenApi(const HttpRequest& request) {
  // OpenAPI v3, reduced to what clients read: kubectl looks for the `fieldValidation` query
  // parameter on each kind's PATCH operation (x-kubernetes-group-version-kind) to decide that
  // the server validates fields itself, instead of downloading schemas to validate client-side.
  // No schemas are published (components is empty) and /openapi/v2 is 404; the PATCH operations
  // do not list strategic merge patch, so kubectl builds such patches from its compiled-in types.
  // This server does not reject unknown fields: fieldValidation=Strict is accepted and ignored.
  const std::string& path = request.path;
  const std::string prefix = "/openapi/v3";
  if (!path.starts_with(prefix)) {
    return {404, StatusBody(404, "the server could not find the requested resource")};
  }
  std::set<std::pair<std::string, std::string>> gvs;
  for (const auto* r : catalog_.All()) gvs.insert({r->group, r->version});
  auto gv_path = [](const std::string& g, const std::string& v) {
    return g.empty() ? "api/" + v : "apis/" + g + "/" + v;
  };
  if (path == prefix || path == prefix + "/") {
    Json paths = Json::object();
    for (const auto& [g, v] : gvs) {
      paths[gv_path(g, v)] = {{"serverRelativeURL", prefix + "/" + gv_path(g, v) + "?hash=" +
                                                        std::to_string(catalog_.All().size())}};
    }
    return {200, {{"paths", paths}}};
  }
  for (const auto& [g, v] : gvs) {
    if (path != prefix + "/" + gv_path(g, v)) continue;
    Json paths = Json::object();
    for (const auto* r : catalog_.All()) {
      if (r->group != g || r->version != v) continue;
      std::string item = "/" + gv_path(g, v) + (r->namespaced ? "/namespaces/{namespace}/" : "/") +
                         r->resource + "/{name}";
      Json gvk = {{"group", g}, {"version", v}, {"kind", r->kind}};
      Json params = Json::array();
      for (const char* q : {"dryRun", "fieldManager", "fieldValidation", "force"}) {
        params.push_back({{"name", q}, {"in", "query"}, {"schema", {{"type", "string"}}}});
      }
      Json body = {{"content",
                    {{"application/apply-patch+yaml", {{"schema", Json::object()}}},
                     {"application/json-patch+json", {{"schema", Json::object()}}},
                     {"application/merge-patch+json", {{"schema", Json::object()}}}}}};
      paths[item] = {{"patch",
                      {{"operationId", "patch" + r->kind},
                       {"x-kubernetes-action", "patch"},
                       {"x-kubernetes-group-version-kind", gvk},
                       {"parameters", params},
                       {"requestBody", body},
                       {"responses", {{"200", {{"description", "OK"}}}}}}}};
    }
    return {200,
            {{"openapi", "3.0.0"},
             {"info", {{"title", "Kubernetes"}, {"version", "v1.32.0"}}},
             {"paths", paths},
             {"components", {{"schemas", Json::object()}}}}};
  }
  return {404, StatusBody(404, "the server could not find the requested resource")};
}

namespace {

// kubectl get asks for "application/json;as=Table;v=v1;g=meta.k8s.io" and prints the cells.
bool WantsTable(const HttpRequest& request) {
  return request.Header("accept").find("as=Table") != std::string::npos;
}

// The subset of JSONPath that printer columns use: ".a.b", ".a[0]", ".a[?(@.k=="v")].b".
Json EvalColumnPath(const Json& object, const std::string& path) {
  std::vector<Json> current = {object};
  size_t i = 0;
  while (i < path.size()) {
    std::vector<Json> next;
    if (path[i] == '.') {
      size_t end = path.find_first_of(".[", i + 1);
      if (end == std::string::npos) end = path.size();
      const std::string key = path.substr(i + 1, end - i - 1);
      for (const auto& c : current) {
        if (c.is_object() && c.contains(key)) next.push_back(c[key]);
      }
      i = end;
    } else if (path[i] == '[') {
      const size_t end = path.find(']', i);
      if (end == std::string::npos) return nullptr;
      const std::string inner = path.substr(i + 1, end - i - 1);
      static const std::regex kFilter(R"re(\?\(@\.(\w+)==["'](.*)["']\))re");
      std::smatch m;
      for (const auto& c : current) {
        if (!c.is_array()) continue;
        if (std::regex_match(inner, m, kFilter)) {
          for (const auto& item : c) {
            if (item.is_object() && item.value(m[1].str(), Json()) == m[2].str()) next.push_back(item);
          }
        } else if (!inner.empty() && std::all_of(inner.begin(), inner.end(), ::isdigit)) {
          const size_t index = std::stoul(inner);
          if (index < c.size()) next.push_back(c[index]);
        }
      }
      i = end + 1;
    } else {
      return nullptr;
    }
    current = std::move(next);
  }
  return current.empty() ? Json(nullptr) : current.front();
}

// "5s", "3m", "2h", "4d" like the API server's ConvertToHumanReadableDateType.
std::string HumanAge(const std::string& timestamp) {
  std::tm tm{};
  std::istringstream in(timestamp);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (in.fail()) return "<invalid>";
  const auto seconds = std::max<int64_t>(0, std::time(nullptr) - timegm(&tm));
  if (seconds < 120) return std::to_string(seconds) + "s";
  if (seconds < 7200) return std::to_string(seconds / 60) + "m";
  if (seconds < 172800) return std::to_string(seconds / 3600) + "h";
  return std::to_string(seconds / 86400) + "d";
}

Json ToTable(const ResourceInfo& info, const Json& items) {
  Json columns = Json::array({{{"name", "Name"}, {"type", "string"}, {"format", "name"},
                               {"description", "Name of the object"}, {"priority", 0}}});
  Json printer = info.printer_columns;
  if (printer.empty()) {
    printer = Json::array({{{"name", "Age"}, {"type", "date"},
                            {"jsonPath", ".metadata.creationTimestamp"}}});
  }
  for (const auto& c : printer) {
    columns.push_back({{"name", c.value("name", "")},
                       {"type", c.value("type", "string") == "date" ? "string" : c.value("type", "string")},
                       {"format", c.value("format", "")},
                       {"description", c.value("description", "")},
                       {"priority", c.value("priority", 0)}});
  }
  Json rows = Json::array();
  for (const auto& item : items) {
    Json cells = Json::array({item["metadata"].value("name", "")});
    for (const auto& c : printer) {
      Json value = EvalColumnPath(item, c.value("jsonPath", ""));
      if (c.value("type", "") == "date" && value.is_string()) value = HumanAge(value);
      cells.push_back(value);
    }
    Json meta = {{"apiVersion", "meta.k8s.io/v1"}, {"kind", "PartialObjectMetadata"},
                 {"metadata", item["metadata"]}};
    rows.push_back({{"cells", cells}, {"object", meta}});
  }
  return {{"kind", "Table"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", Json::object()},
          {"columnDefinitions", columns}, {"rows", rows}};
}

}  // namespace

KubeApiServer::Reply KubeApiServer::List(const Target& t, const HttpRequest& request) {
  auto labels = LabelSelector::Parse(request.Query("labelSelector"));
  if (!labels.ok())
    return {400, StatusBody(400, "unable to parse requirement: " + labels.status().message())};
  auto fields = ParseFieldSelector(request.Query("fieldSelector"), *t.info);
  if (!fields.ok()) return {400, StatusBody(400, fields.status().message())};
  std::lock_guard lock(mu_);
  Json items = Json::array();
  auto bucket = objects_.find(t.info->StorageKey());
  if (bucket != objects_.end()) {
    for (const auto& [key, object] : bucket->second) {
      if (!t.ns.empty() && MetaString(object, "namespace") != t.ns) continue;
      if (!labels->Matches(object.value("/metadata/labels"_json_pointer, Json(nullptr)))) continue;
      if (!FieldsMatch(*fields, object, *t.info)) continue;
      items.push_back(Present(*t.info, object));
    }
  }
  // limit/continue are ignored: the whole list comes back in one page, which the API allows.
  return {200,
          {{"kind", t.info->list_kind},
           {"apiVersion", t.info->ApiVersion()},
           {"metadata", {{"resourceVersion", std::to_string(rv_)}}},
           {"items", items}}};
}

KubeApiServer::Reply KubeApiServer::GetOne(const Target& t) {
  std::lock_guard lock(mu_);
  Json* object = Find(t.info->StorageKey(), t.ns, t.name);
  if (!object) return {404, NotFound(*t.info, t.name)};
  return {200, Present(*t.info, *object)};
}

namespace {

Result<Json> ParseBody(const HttpRequest& request) {
  const std::string type = request.Header("content-type");
  if (type.find("yaml") != std::string::npos) return acequia::kube::ParseYamlOrJson(request.body);
  try {
    return Json::parse(request.body);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("invalid JSON: ") + e.what());
  }
}

}  // namespace

KubeApiServer::Reply KubeApiServer::Create(const Target& t, const HttpRequest& request) {
  auto body = ParseBody(request);
  if (!body.ok() || !body->is_object()) {
    return {400,
            StatusBody(400, body.ok() ? "the body must be an object" : body.status().message())};
  }
  if (!t.subresource.empty()) return {405, StatusBody(405, "cannot create a subresource")};
  std::lock_guard lock(mu_);
  return CreateLocked(t, std::move(*body), Manager(request), false);
}

namespace {

// Structural-schema defaulting as the API server does it for custom resources: a missing field
// whose schema has a default gets it, in objects that exist (a default never creates its parent).
void ApplyDefaults(const Json& schema, Json& value) {
  if (!schema.is_object()) return;
  if (value.is_object()) {
    if (auto props = schema.find("properties"); props != schema.end()) {
      for (const auto& [key, sub] : props->items()) {
        if (!value.contains(key) && sub.contains("default")) value[key] = sub["default"];
        if (value.contains(key)) ApplyDefaults(sub, value[key]);
      }
    }
    if (auto extra = schema.find("additionalProperties"); extra != schema.end() && extra->is_object()) {
      for (auto& [key, item] : value.items()) {
        if (!schema.value("properties", Json::object()).contains(key)) ApplyDefaults(*extra, item);
      }
    }
  } else if (value.is_array()) {
    if (auto items = schema.find("items"); items != schema.end()) {
      for (auto& item : value) ApplyDefaults(*items, item);
    }
  }
}

}  // namespace

KubeApiServer::Reply KubeApiServer::CreateLocked(const Target& t, Json object,
                                                 const std::string& manager, bool fields_recorded) {
  const ResourceInfo& info = *t.info;
  if (info.custom) ApplyDefaults(info.schema, object);
  if (object.contains("kind") && object["kind"] != info.kind) {
    return {400, StatusBody(400, "the kind in the data (" + object["kind"].get<std::string>() +
                                     ") does not match the expected kind (" + info.kind + ")")};
  }
  if (object.contains("apiVersion") && object["apiVersion"] != info.ApiVersion()) {
    return {400,
            StatusBody(
                400, "the API version in the data (" + object["apiVersion"].get<std::string>() +
                         ") does not match the expected API version (" + info.ApiVersion() + ")")};
  }
  if (!object.contains("metadata") || !object["metadata"].is_object()) {
    object["metadata"] = Json::object();
  }
  Json& meta = object["metadata"];
  std::string name = MetaString(object, "name");
  if (name.empty() && !MetaString(object, "generateName").empty()) {
    name = MetaString(object, "generateName") + RandomSuffix();
    meta["name"] = name;
  }
  if (name.empty()) {
    return {422, StatusBody(422, info.kind + " \"\" is invalid: metadata.name: Required value: "
                                             "name or generateName is required")};
  }
  std::string ns;
  if (info.namespaced) {
    std::string body_ns = MetaString(object, "namespace");
    ns = t.ns.empty() ? body_ns : t.ns;
    if (!body_ns.empty() && body_ns != ns) {
      return {400, StatusBody(400,
                              "the namespace of the provided object does not match the "
                              "namespace sent on the request")};
    }
    if (ns.empty()) ns = "default";
    meta["namespace"] = ns;
    Json* ns_object = Find("/namespaces", "", ns);
    if (!ns_object) {
      return {404, StatusBody(404, "namespaces \"" + ns + "\" not found", "NotFound",
                              {{"name", ns}, {"kind", "namespaces"}})};
    }
    if (ns_object->contains("/metadata/deletionTimestamp"_json_pointer)) {
      return {403, StatusBody(403, info.kind + " \"" + name +
                                       "\" is forbidden: unable to create "
                                       "new content in namespace " +
                                       ns + " because it is being terminated")};
    }
  } else {
    meta.erase("namespace");
  }
  if (Find(info.StorageKey(), ns, name)) {
    Json details = {{"name", name}, {"kind", info.resource}};
    if (!info.group.empty()) details["group"] = info.group;
    return {409, StatusBody(409, Qualified(info) + " \"" + name + "\" already exists",
                            "AlreadyExists", details)};
  }
  meta["uid"] = NewUid();
  meta["creationTimestamp"] = Now();
  meta.erase("resourceVersion");
  meta.erase("deletionTimestamp");
  meta.erase("deletionGracePeriodSeconds");
  meta.erase("selfLink");
  if (HasGeneration(info)) {
    meta["generation"] = 1;
  } else {
    meta.erase("generation");
  }
  if (info.status_subresource) object.erase("status");
  if (info.resource == "namespaces" && info.group.empty()) {
    object["status"] = {{"phase", "Active"}};
    meta["labels"]["kubernetes.io/metadata.name"] = name;
  }
  object["apiVersion"] = info.ApiVersion();
  object["kind"] = info.kind;
  if (!fields_recorded) {
    meta.erase("managedFields");
    RecordUpdate(nullptr, object, manager, {info.custom, info.status_subresource, false},
                 info.ApiVersion(), Now());
  }
  Commit(info, "ADDED", ns, name, object, nullptr);
  // Gone already when the garbage collector took it (its owner was deleted): the creation
  // still succeeded, as it does on a real server where the collector comes a moment later.
  const Json* stored = Find(info.StorageKey(), ns, name);
  return {201, Present(info, stored != nullptr ? *stored : object)};
}

KubeApiServer::Reply KubeApiServer::Update(const Target& t, const HttpRequest& request) {
  auto body = ParseBody(request);
  if (!body.ok() || !body->is_object()) {
    return {400,
            StatusBody(400, body.ok() ? "the body must be an object" : body.status().message())};
  }
  if (MetaString(*body, "name") != t.name) {
    return {400, StatusBody(400, "the name of the object (" + MetaString(*body, "name") +
                                     ") does not match the name on the URL (" + t.name + ")")};
  }
  std::lock_guard lock(mu_);
  Json* current = Find(t.info->StorageKey(), t.ns, t.name);
  // PUT never creates here; a real server creates for the few kinds that allow it.
  if (!current) return {404, NotFound(*t.info, t.name)};
  return WriteLocked(t, std::move(*body), *current, Manager(request), true);
}

KubeApiServer::Reply KubeApiServer::WriteLocked(const Target& t, Json desired, const Json& current,
                                                const std::string& manager, bool record_update) {
  const ResourceInfo& info = *t.info;
  if (info.custom) ApplyDefaults(info.schema, desired);
  const std::string current_rv = MetaString(current, "resourceVersion");
  const std::string wanted_rv = MetaString(desired, "resourceVersion");
  if (!wanted_rv.empty() && wanted_rv != current_rv) {
    Json details = {{"name", t.name}, {"kind", info.resource}};
    if (!info.group.empty()) details["group"] = info.group;
    return {409, StatusBody(409,
                            "Operation cannot be fulfilled on " + Qualified(info) + " \"" + t.name +
                                "\": the object has been modified; please apply "
                                "your changes to the latest version and try again",
                            "Conflict", details)};
  }
  if (desired.contains("kind") && desired["kind"] != info.kind) {
    return {400, StatusBody(400, "the kind in the data does not match the expected kind")};
  }
  Json next;
  const bool status_write = t.subresource == "status";
  if (status_write) {
    next = current;
    if (desired.contains("status")) {
      next["status"] = desired["status"];
    } else {
      next.erase("status");
    }
    if (desired.contains("/metadata/managedFields"_json_pointer)) {
      next["metadata"]["managedFields"] = desired["metadata"]["managedFields"];
    }
  } else {
    next = std::move(desired);
    if (!next.contains("metadata") || !next["metadata"].is_object())
      next["metadata"] = Json::object();
    if (info.status_subresource) {
      if (current.contains("status")) {
        next["status"] = current["status"];
      } else {
        next.erase("status");
      }
    }
  }
  Json& meta = next["metadata"];
  const Json& old_meta = current["metadata"];
  for (const char* k : {"name", "namespace", "uid", "creationTimestamp", "deletionTimestamp",
                        "deletionGracePeriodSeconds", "generation"}) {
    if (old_meta.contains(k)) {
      meta[k] = old_meta[k];
    } else {
      meta.erase(k);
    }
  }
  if (record_update) {
    if (old_meta.contains("managedFields")) {
      meta["managedFields"] = old_meta["managedFields"];
    } else {
      meta.erase("managedFields");
    }
  }
  meta["resourceVersion"] = current_rv;
  next["apiVersion"] = info.ApiVersion();
  next["kind"] = info.kind;
  if (HasGeneration(info) && SpecPart(next) != SpecPart(current)) {
    meta["generation"] = old_meta.value("generation", 0) + 1;
  }
  if (old_meta.contains("deletionTimestamp")) {
    // Finalizers can only be removed once deletion has started.
    auto finalizers = meta.value("finalizers", Json::array());
    for (const auto& f : finalizers) {
      auto old_finalizers = old_meta.value("finalizers", Json::array());
      if (std::find(old_finalizers.begin(), old_finalizers.end(), f) == old_finalizers.end()) {
        return {422, StatusBody(422,
                                "metadata.finalizers: Forbidden: no new finalizers can be "
                                "added if the object is being deleted")};
      }
    }
  }
  Json without_managed = next;
  without_managed["metadata"].erase("managedFields");
  Json current_without = current;
  current_without["metadata"].erase("managedFields");
  if (without_managed == current_without) return {200, Present(info, current)};  // no-op
  if (record_update) {
    RecordUpdate(&current, next, manager, {info.custom, info.status_subresource, status_write},
                 info.ApiVersion(), Now());
  }
  const std::string ns = t.ns;
  const std::string name = t.name;
  Json old = current;  // `current` points into the store, which Commit changes
  if (meta.contains("deletionTimestamp") && meta.value("finalizers", Json::array()).empty()) {
    Commit(info, "MODIFIED", ns, name, next, old);
    Json gone = *Find(info.StorageKey(), ns, name);
    Remove(info, ns, name, "Background");
    return {200, Present(info, gone)};
  }
  Commit(info, "MODIFIED", ns, name, std::move(next), old);
  return {200, Present(info, *Find(info.StorageKey(), ns, name))};
}

KubeApiServer::Reply KubeApiServer::Patch(const Target& t, const HttpRequest& request) {
  std::string type = request.Header("content-type");
  type = type.substr(0, type.find(';'));
  const bool apply = type == "application/apply-patch+yaml";
  auto body = apply ? acequia::kube::ParseYamlOrJson(request.body) : ParseBody(request);
  if (!body.ok()) return {400, StatusBody(400, body.status().message())};
  std::lock_guard lock(mu_);
  Json* found = Find(t.info->StorageKey(), t.ns, t.name);
  const ResourceInfo& info = *t.info;
  const std::string manager = Manager(request);
  if (apply) {
    if (request.Query("fieldManager").empty()) {
      return {422, StatusBody(422,
                              "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: "
                              "Required value: is required for apply patch")};
    }
    if (!body->is_object() || MetaString(*body, "name") != t.name) {
      return {400, StatusBody(400, "the name of the applied object must match the URL")};
    }
    if (body->value("kind", "") != info.kind ||
        body->value("apiVersion", "") != info.ApiVersion()) {
      return {400, StatusBody(400, "apply needs apiVersion " + info.ApiVersion() + " and kind " +
                                       info.kind)};
    }
    const bool force = Truthy(request.Query("force"));
    FieldScope scope{info.custom, info.status_subresource, t.subresource == "status"};
    if (!found) {
      if (t.subresource == "status") return {404, NotFound(info, t.name)};
      Json live = nullptr;
      Json applied = *body;
      // A new object: its status (if any) is reset on create like any create.
      ServerSideApply(live, applied, manager, force, scope, info.ApiVersion(), Now());
      return CreateLocked(t, std::move(live), manager, true);
    }
    Json live = *found;
    auto conflicts = ServerSideApply(live, *body, manager, force, scope, info.ApiVersion(), Now());
    if (!conflicts.empty()) {
      std::string message = "Apply failed with " + std::to_string(conflicts.size()) + " conflict" +
                            (conflicts.size() > 1 ? "s" : "") + ":";
      Json causes = Json::array();
      for (const auto& c : conflicts) {
        message += " conflict with \"" + c.manager + "\": " + c.field;
        causes.push_back({{"reason", "FieldManagerConflict"},
                          {"message", "conflict with \"" + c.manager + "\""},
                          {"field", c.field}});
      }
      return {409, StatusBody(409, message, "Conflict", {{"causes", causes}})};
    }
    if (!MetaString(*body, "resourceVersion").empty()) {
      live["metadata"]["resourceVersion"] = MetaString(*body, "resourceVersion");
    } else {
      live["metadata"]["resourceVersion"] = MetaString(*found, "resourceVersion");
    }
    return WriteLocked(t, std::move(live), *found, manager, false);
  }
  if (!found) return {404, NotFound(info, t.name)};
  Json patched = *found;
  if (type == "application/merge-patch+json") {
    patched.merge_patch(*body);
  } else if (type == "application/json-patch+json") {
    try {
      patched = patched.patch(*body);
    } catch (const std::exception& e) {
      return {422, StatusBody(422, std::string("the JSON patch failed: ") + e.what())};
    }
  } else if (type == "application/strategic-merge-patch+json") {
    if (info.custom) {
      return {415, StatusBody(415,
                              "the body of the request was in an unknown format - accepted "
                              "media types include: application/json-patch+json, "
                              "application/merge-patch+json, application/apply-patch+yaml")};
    }
    auto merged = StrategicMergePatch(patched, *body);
    if (!merged.ok()) return {422, StatusBody(422, merged.status().message())};
    patched = std::move(*merged);
  } else {
    return {415, StatusBody(415,
                            "the body of the request was in an unknown format - accepted "
                            "media types include: application/json-patch+json, "
                            "application/merge-patch+json, application/apply-patch+yaml, "
                            "application/strategic-merge-patch+json")};
  }
  return WriteLocked(t, std::move(patched), *found, manager, true);
}

KubeApiServer::Reply KubeApiServer::DeleteOne(const Target& t, const HttpRequest& request) {
  Json options = Json::object();
  if (!request.body.empty()) {
    auto body = ParseBody(request);
    if (body.ok() && body->is_object()) options = *body;
  }
  std::string propagation = options.value("propagationPolicy", request.Query("propagationPolicy"));
  std::lock_guard lock(mu_);
  Json* found = Find(t.info->StorageKey(), t.ns, t.name);
  if (!found) return {404, NotFound(*t.info, t.name)};
  if (auto p = options.find("preconditions"); p != options.end() && p->is_object()) {
    std::string uid = p->value("uid", "");
    std::string rv = p->value("resourceVersion", "");
    if ((!uid.empty() && uid != MetaString(*found, "uid")) ||
        (!rv.empty() && rv != MetaString(*found, "resourceVersion"))) {
      return {409, StatusBody(409,
                              "Operation cannot be fulfilled on " + Qualified(*t.info) + " \"" +
                                  t.name + "\": Precondition failed",
                              "Conflict")};
    }
  }
  return DeleteLocked(*t.info, t.ns, t.name, propagation);
}

KubeApiServer::Reply KubeApiServer::DeleteLocked(const ResourceInfo& info, const std::string& ns,
                                                 const std::string& name,
                                                 const std::string& propagation) {
  Json* found = Find(info.StorageKey(), ns, name);
  if (!found) return {404, NotFound(info, name)};
  Json object = *found;
  const bool is_namespace = info.group.empty() && info.resource == "namespaces";
  if (!object.value("/metadata/finalizers"_json_pointer, Json::array()).empty() || is_namespace) {
    if (!object["metadata"].contains("deletionTimestamp")) {
      Json old = object;
      object["metadata"]["deletionTimestamp"] = Now();
      object["metadata"]["deletionGracePeriodSeconds"] = 0;
      if (is_namespace) object["status"] = {{"phase", "Terminating"}};
      Commit(info, "MODIFIED", ns, name, object, old);
    }
    if (is_namespace) {
      // Namespace deletion: delete every object in it, then the namespace once it is empty.
      // A real server does this asynchronously from its namespace controller.
      std::vector<std::pair<const ResourceInfo*, std::string>> victims;
      for (const auto& [key, bucket] : objects_) {
        const ResourceInfo* r = catalog_.FindAnyVersion(key);
        if (!r || !r->namespaced) continue;
        for (const auto& [k, o] : bucket) {
          if (MetaString(o, "namespace") == name) victims.emplace_back(r, MetaString(o, "name"));
        }
      }
      for (const auto& [r, victim] : victims) {
        if (Find(r->StorageKey(), name, victim)) DeleteLocked(*r, name, victim, "Background");
      }
      FinishNamespaceIfEmpty(name);
    }
    Json* still = Find(info.StorageKey(), ns, name);
    return {200, Present(info, still ? *still : object)};
  }
  Remove(info, ns, name, propagation);
  return {200, Present(info, object)};
}

void KubeApiServer::Remove(const ResourceInfo& info, const std::string& ns, const std::string& name,
                           const std::string& propagation) {
  Json* found = Find(info.StorageKey(), ns, name);
  if (!found) return;
  Json object = *found;
  const std::string uid = MetaString(object, "uid");
  Commit(info, "DELETED", ns, name, object, object);
  CollectGarbage(uid, propagation);
  if (!ns.empty()) FinishNamespaceIfEmpty(ns);
}

void KubeApiServer::FinishNamespaceIfEmpty(const std::string& ns) {
  Json* ns_object = Find("/namespaces", "", ns);
  if (!ns_object || !ns_object->contains("/metadata/deletionTimestamp"_json_pointer)) return;
  for (const auto& [key, bucket] : objects_) {
    for (const auto& [k, o] : bucket) {
      if (MetaString(o, "namespace") == ns) return;
    }
  }
  const ResourceInfo* info = catalog_.Find("", "v1", "namespaces");
  Json object = *ns_object;
  Commit(*info, "DELETED", "", ns, object, object);
}

void KubeApiServer::CollectGarbage(const std::string& owner_uid, const std::string& propagation) {
  // The garbage collector runs inline here; a real one runs in kube-controller-manager a moment
  // later. "Foreground" is treated like "Background": the owner is gone before its dependents.
  struct Dependent {
    const ResourceInfo* info;
    std::string ns, name;
  };
  std::vector<Dependent> dependents;
  for (const auto& [key, bucket] : objects_) {
    const ResourceInfo* r = catalog_.FindAnyVersion(key);
    if (!r) continue;
    for (const auto& [k, o] : bucket) {
      for (const auto& ref : o.value("/metadata/ownerReferences"_json_pointer, Json::array())) {
        if (ref.value("uid", "") == owner_uid) {
          dependents.push_back({r, MetaString(o, "namespace"), MetaString(o, "name")});
          break;
        }
      }
    }
  }
  for (const auto& d : dependents) {
    Json* found = Find(d.info->StorageKey(), d.ns, d.name);
    if (!found) continue;
    Json object = *found;
    Json refs = Json::array();
    for (const auto& ref : object["metadata"]["ownerReferences"]) {
      if (ref.value("uid", "") != owner_uid) refs.push_back(ref);
    }
    if (propagation == "Orphan" || !refs.empty()) {
      Json old = object;
      if (refs.empty()) {
        object["metadata"].erase("ownerReferences");
      } else {
        object["metadata"]["ownerReferences"] = refs;
      }
      Commit(*d.info, "MODIFIED", d.ns, d.name, object, old);
    } else {
      DeleteLocked(*d.info, d.ns, d.name, "Background");
    }
  }
}

KubeApiServer::Reply KubeApiServer::DeleteCollection(const Target& t, const HttpRequest& request) {
  auto labels = LabelSelector::Parse(request.Query("labelSelector"));
  if (!labels.ok()) return {400, StatusBody(400, labels.status().message())};
  std::lock_guard lock(mu_);
  std::vector<std::pair<std::string, std::string>> victims;
  auto bucket = objects_.find(t.info->StorageKey());
  if (bucket != objects_.end()) {
    for (const auto& [k, o] : bucket->second) {
      if (!t.ns.empty() && MetaString(o, "namespace") != t.ns) continue;
      if (!labels->Matches(o.value("/metadata/labels"_json_pointer, Json(nullptr)))) continue;
      victims.emplace_back(MetaString(o, "namespace"), MetaString(o, "name"));
    }
  }
  Json items = Json::array();
  for (const auto& [ns, name] : victims) {
    auto reply = DeleteLocked(*t.info, ns, name, request.Query("propagationPolicy"));
    if (reply.status == 200) items.push_back(reply.body);
  }
  return {200,
          {{"kind", t.info->list_kind},
           {"apiVersion", t.info->ApiVersion()},
           {"metadata", {{"resourceVersion", std::to_string(rv_)}}},
           {"items", items}}};
}

void KubeApiServer::ServeWatch(const Target& t, const HttpRequest& request,
                               HttpResponder& responder) {
  auto labels = LabelSelector::Parse(request.Query("labelSelector"));
  auto fields = ParseFieldSelector(request.Query("fieldSelector"), *t.info);
  if (!labels.ok() || !fields.ok()) {
    Status s = labels.ok() ? fields.status() : labels.status();
    responder.Send(400, "application/json", StatusBody(400, s.message()).dump());
    return;
  }
  auto w = std::make_shared<Watch>();
  w->info = t.info;
  w->ns = t.ns;
  w->labels = *labels;
  w->fields = *fields;
  const std::string from = request.Query("resourceVersion");
  const bool bookmarks = Truthy(request.Query("allowWatchBookmarks"));
  {
    std::lock_guard lock(mu_);
    w->last_rv = rv_;
    if (from.empty() || from == "0") {
      // "Get state and start at most recent": synthetic ADDED events for what exists now.
      auto bucket = objects_.find(t.info->StorageKey());
      if (bucket != objects_.end()) {
        for (const auto& [k, o] : bucket->second) {
          if (w->Selects(o)) {
            w->lines.push_back(Json{{"type", "ADDED"}, {"object", Present(*t.info, o)}}.dump() +
                               "\n");
          }
        }
      }
    } else {
      int64_t since = 0;
      try {
        since = std::stoll(from);
      } catch (const std::exception&) {
        responder.Send(400, "application/json",
                       StatusBody(400, "invalid resource version \"" + from + "\"").dump());
        return;
      }
      if (since < compacted_rv_) {
        // Like a real server: a 200 stream whose only event is an ERROR carrying 410 Expired.
        Json gone = StatusBody(
            410,
            "too old resource version: " + from + " (" + std::to_string(compacted_rv_ + 1) + ")",
            "Expired");
        responder.StartChunked(200, "application/json");
        responder.WriteChunk(Json{{"type", "ERROR"}, {"object", gone}}.dump() + "\n");
        responder.EndChunked();
        return;
      }
      for (const auto& e : history_) {
        if (e.rv <= since || e.storage_key != t.info->StorageKey()) continue;
        const bool was = !e.old.is_null() && w->Selects(e.old);
        const bool is = w->Selects(e.object);
        std::string type;
        if (e.type == "ADDED" && is) type = "ADDED";
        if (e.type == "MODIFIED")
          type = was && is ? "MODIFIED" : is ? "ADDED" : was ? "DELETED" : "";
        if (e.type == "DELETED" && is) type = "DELETED";
        if (!type.empty()) {
          w->lines.push_back(Json{{"type", type}, {"object", Present(*t.info, e.object)}}.dump() +
                             "\n");
        }
      }
    }
    watches_.push_back(w);
  }
  std::optional<Clock::time_point> deadline;
  if (auto timeout = request.Query("timeoutSeconds"); !timeout.empty()) {
    deadline = Clock::now() + std::chrono::seconds(std::stoll(timeout));
  }
  auto next_bookmark = Clock::now() + options_.bookmark_interval;
  bool ok = responder.StartChunked(200, "application/json");
  bool aborted = false;
  while (ok) {
    std::deque<std::string> lines;
    int64_t last_rv = 0;
    bool closed = false;
    {
      std::unique_lock wl(w->mu);
      auto until = deadline ? std::min(*deadline, next_bookmark) : next_bookmark;
      w->cv.wait_until(wl, until, [&] { return !w->lines.empty() || w->closed; });
      lines.swap(w->lines);
      last_rv = w->last_rv;
      closed = w->closed;
      aborted = w->abort;
    }
    if (aborted) break;
    for (const auto& line : lines) {
      if (!(ok = responder.WriteChunk(line))) break;
    }
    if (!ok || closed) break;
    const auto now = Clock::now();
    if (now >= next_bookmark) {
      if (bookmarks && lines.empty()) {
        Json bookmark = {{"type", "BOOKMARK"},
                         {"object",
                          {{"kind", t.info->kind},
                           {"apiVersion", t.info->ApiVersion()},
                           {"metadata", {{"resourceVersion", std::to_string(last_rv)}}}}}};
        ok = responder.WriteChunk(bookmark.dump() + "\n");
      }
      next_bookmark = now + options_.bookmark_interval;
    }
    if (deadline && now >= *deadline) break;
  }
  if (aborted) {
    responder.Abort();
  } else if (ok) {
    responder.EndChunked();
  }
  std::lock_guard lock(mu_);
  watches_.remove(w);
}

}  // namespace acequia::testing::kube
