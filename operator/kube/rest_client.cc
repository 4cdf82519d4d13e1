#include "operator/kube/rest_client.h"

// clang-format off
#include "common/asio.h"
#include <boost/asio/ssl.hpp>
#include <cpprest/http_client.h>
// clang-format on

#include <fstream>
#include <sstream>

#include "common/logging.h"

namespace acequia::kube {

namespace http = web::http;
using http::client::http_client;
using http::client::http_client_config;

namespace {

std::string UrlEncode(const std::string& s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string Query(std::initializer_list<std::pair<const char*, std::string>> params) {
  std::string q;
  for (const auto& [k, v] : params) {
    if (v.empty()) continue;
    q += (q.empty() ? "?" : "&") + std::string(k) + "=" + UrlEncode(v);
  }
  return q;
}

std::string MetaString(const Json& object, const char* field) {
  auto m = object.find("metadata");
  if (m == object.end() || !m->is_object()) return "";
  auto it = m->find(field);
  return it != m->end() && it->is_string() ? it->get<std::string>() : "";
}

Status ErrorFromResponse(int code, const std::string& body) {
  std::string reason = "Unknown";
  std::string message = body;
  try {
    Json status = Json::parse(body);
    if (status.is_object() && status.value("kind", "") == "Status") {
      reason = status.value("reason", reason);
      message = status.value("message", body);
    }
  } catch (const std::exception&) {
    // Not a Status object (a proxy's error page): keep the raw text.
  }
  if (reason == "Unknown" || reason.empty()) {
    switch (code) {
      case 401:
        reason = "Unauthorized";
        break;
      case 404:
        reason = "NotFound";
        break;
      case 409:
        reason = "Conflict";
        break;
      case 410:
        reason = "Gone";
        break;
      case 429:
        reason = "TooManyRequests";
        break;
      default:
        break;
    }
  }
  return ApiError(code, reason, message);
}

class RestWatchStream : public WatchStream {
 public:
  RestWatchStream(std::unique_ptr<http_client> client, pplx::cancellation_token_source cts,
                  http::http_response response)
      : client_(std::move(client)),
        cts_(std::move(cts)),
        response_(std::move(response)),
        body_(response_.body()) {}
  ~RestWatchStream() override {
    Cancel();
    // Drain so the connection task completes before the client goes away.
    try {
      response_.content_ready().wait();
    } catch (...) {
      // Cancelled or broken: nothing to release.
    }
  }

  Result<std::optional<WatchEvent>> Next() override {
    while (true) {
      std::string line;
      try {
        concurrency::streams::container_buffer<std::string> buffer;
        size_t n = body_.read_line(buffer).get();
        line = std::move(buffer.collection());
        if (n == 0 && line.empty() && body_.is_eof()) return std::optional<WatchEvent>();
      } catch (const std::exception& e) {
        return Status::Unavailable(std::string("watch stream broke: ") + e.what());
      }
      if (line.empty()) continue;
      try {
        Json event = Json::parse(line);
        WatchEvent out{event.value("type", ""), event.value("object", Json::object())};
        if (out.type == "ERROR") {
          return ApiError(out.object.value("code", 500), out.object.value("reason", "Unknown"),
                          out.object.value("message", "watch error"));
        }
        return std::optional<WatchEvent>(std::move(out));
      } catch (const std::exception& e) {
        return Status::Unavailable(std::string("bad watch event: ") + e.what());
      }
    }
  }

  void Cancel() override { cts_.cancel(); }

 private:
  std::unique_ptr<http_client> client_;
  pplx::cancellation_token_source cts_;
  http::http_response response_;
  concurrency::streams::istream body_;
};

}  // namespace

Result<std::unique_ptr<RestKubeClient>> RestKubeClient::Create(ClusterConfig config,
                                                               RestClientOptions options) {
  if (config.server.empty()) return Status::InvalidArgument("no API server URL");
  std::unique_ptr<RestKubeClient> client(new RestKubeClient(std::move(config), std::move(options)));
  try {
    client->client_ = client->NewClient(client->options_.timeout);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("bad API server URL: ") + e.what());
  }
  return client;
}

RestKubeClient::RestKubeClient(ClusterConfig config, RestClientOptions options)
    : config_(std::move(config)),
      options_(std::move(options)),
      limiter_(options_.qps, options_.burst) {
  if (!options_.registry) options_.registry = std::make_shared<prometheus::Registry>();
  requests_total_ = &prometheus::BuildCounter()
                         .Name("rest_client_requests_total")
                         .Help("Number of HTTP requests, partitioned by status code and method.")
                         .Register(*options_.registry);
  token_ = config_.token;
  token_read_at_ = std::chrono::steady_clock::now();
}

RestKubeClient::~RestKubeClient() = default;

std::unique_ptr<http_client> RestKubeClient::NewClient(std::chrono::seconds timeout) const {
  http_client_config cfg;
  cfg.set_timeout(timeout);
  cfg.set_validate_certificates(!config_.insecure_skip_tls_verify);
  const std::string ca = config_.ca_pem;
  const std::string cert = config_.client_cert_pem;
  const std::string key = config_.client_key_pem;
  cfg.set_ssl_context_callback([ca, cert, key](boost::asio::ssl::context& ctx) {
    if (!ca.empty()) ctx.add_certificate_authority(boost::asio::buffer(ca.data(), ca.size()));
    if (!cert.empty()) {
      ctx.use_certificate_chain(boost::asio::buffer(cert.data(), cert.size()));
      ctx.use_private_key(boost::asio::buffer(key.data(), key.size()),
                          boost::asio::ssl::context::pem);
    }
  });
  return std::make_unique<http_client>(config_.server, cfg);
}

void RestKubeClient::ReloadToken() {
  if (config_.token_file.empty()) return;
  std::ifstream in(config_.token_file);
  std::stringstream text;
  text << in.rdbuf();
  std::string token = text.str();
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  std::lock_guard lock(token_mu_);
  token_read_at_ = std::chrono::steady_clock::now();
  if (!token.empty()) token_ = token;  // keep the old token when the file is mid-rotation
}

std::string RestKubeClient::BearerToken() {
  bool stale = false;
  {
    std::lock_guard lock(token_mu_);
    stale = !config_.token_file.empty() &&
            std::chrono::steady_clock::now() - token_read_at_ >= options_.token_refresh;
  }
  if (stale) ReloadToken();
  std::lock_guard lock(token_mu_);
  return token_;
}

void RestKubeClient::Count(int code, const std::string& method) {
  requests_total_->Add({{"code", code == 0 ? "<error>" : std::to_string(code)}, {"method", method}})
      .Increment();
}

Result<Json> RestKubeClient::Request(const std::string& method, const std::string& path_and_query,
                                     const std::string& body, const std::string& content_type) {
  for (int attempt = 0;; ++attempt) {
    limiter_.Acquire();
    http::http_request request(method);
    request.set_request_uri(path_and_query);
    request.headers().add("Accept", "application/json");
    request.headers().add("User-Agent", options_.user_agent);
    if (auto token = BearerToken(); !token.empty()) {
      request.headers().add("Authorization", "Bearer " + token);
    }
    if (!body.empty()) {
      request.set_body(body, content_type.empty() ? "application/json" : content_type);
    }
    int code = 0;
    std::string text;
    try {
      http::http_response response = client_->request(request).get();
      code = response.status_code();
      text = response.extract_utf8string(true).get();
    } catch (const std::exception& e) {
      Count(0, method);
      return Status::Unavailable(method + " " + path_and_query + ": " + e.what());
    }
    Count(code, method);
    if (code == 401 && attempt == 0 && !config_.token_file.empty()) {
      ReloadToken();  // the token may have been rotated since we last read it
      continue;
    }
    if (code >= 400) return ErrorFromResponse(code, text);
    if (text.empty()) return Json::object();
    try {
      return Json::parse(text);
    } catch (const std::exception& e) {
      return Status::Internal(method + " " + path_and_query +
                              ": response is not JSON: " + e.what());
    }
  }
}

Result<Json> RestKubeClient::Get(const ResourceType& type, const std::string& ns,
                                 const std::string& name) {
  return Request("GET", type.Path(ns, name));
}

Result<Json> RestKubeClient::List(const ResourceType& type, const std::string& ns,
                                  const ListOptions& options) {
  return Request("GET", type.Path(ns) + Query({{"labelSelector", options.label_selector},
                                               {"fieldSelector", options.field_selector}}));
}

Result<Json> RestKubeClient::Create(const ResourceType& type, const Json& object) {
  Json body = object;
  body["apiVersion"] = type.ApiVersion();
  body["kind"] = type.kind;
  return Request("POST", type.Path(MetaString(object, "namespace")), body.dump());
}

Result<Json> RestKubeClient::Update(const ResourceType& type, const Json& object) {
  Json body = object;
  body["apiVersion"] = type.ApiVersion();
  body["kind"] = type.kind;
  return Request("PUT", type.Path(MetaString(object, "namespace"), MetaString(object, "name")),
                 body.dump());
}

Result<Json> RestKubeClient::UpdateStatus(const ResourceType& type, const Json& object) {
  Json body = object;
  body["apiVersion"] = type.ApiVersion();
  body["kind"] = type.kind;
  return Request("PUT",
                 type.Path(MetaString(object, "namespace"), MetaString(object, "name"), "status"),
                 body.dump());
}

Status RestKubeClient::Delete(const ResourceType& type, const std::string& ns,
                              const std::string& name, const DeleteOptions& options) {
  Json body = {{"kind", "DeleteOptions"},
               {"apiVersion", "v1"},
               {"propagationPolicy", options.propagation_policy}};
  if (!options.precondition_uid.empty()) {
    body["preconditions"]["uid"] = options.precondition_uid;
  }
  if (!options.precondition_resource_version.empty()) {
    body["preconditions"]["resourceVersion"] = options.precondition_resource_version;
  }
  auto result = Request("DELETE", type.Path(ns, name), body.dump());
  return result.ok() ? Status::Ok() : result.status();
}

Result<Json> RestKubeClient::MergePatch(const ResourceType& type, const std::string& ns,
                                        const std::string& name, const Json& patch, bool status) {
  return Request("PATCH", type.Path(ns, name, status ? "status" : ""), patch.dump(),
                 "application/merge-patch+json");
}

Result<Json> RestKubeClient::Apply(const ResourceType& type, const Json& object,
                                   const ApplyOptions& options) {
  Json body = object;
  body["apiVersion"] = type.ApiVersion();
  body["kind"] = type.kind;
  std::string path =
      type.Path(MetaString(object, "namespace"), MetaString(object, "name"),
                options.status ? "status" : "") +
      Query({{"fieldManager", options.field_manager}, {"force", options.force ? "true" : ""}});
  // JSON is YAML: the apply content type takes either.
  return Request("PATCH", path, body.dump(), "application/apply-patch+yaml");
}

Result<std::unique_ptr<WatchStream>> RestKubeClient::Watch(const ResourceType& type,
                                                           const std::string& ns,
                                                           const WatchOptions& options) {
  const std::string path =
      type.Path(ns) +
      Query({{"watch", "true"},
             {"resourceVersion", options.resource_version},
             {"labelSelector", options.label_selector},
             {"fieldSelector", options.field_selector},
             {"allowWatchBookmarks", options.allow_bookmarks ? "true" : ""},
             {"timeoutSeconds",
              options.timeout_seconds > 0 ? std::to_string(options.timeout_seconds) : ""}});
  limiter_.Acquire();
  // The idle timeout of the watch connection: longer than the server's own watch timeout.
  auto client = NewClient(std::chrono::seconds(std::max(options.timeout_seconds, 0) + 60));
  http::http_request request("GET");
  request.set_request_uri(path);
  request.headers().add("Accept", "application/json");
  request.headers().add("User-Agent", options_.user_agent);
  if (auto token = BearerToken(); !token.empty()) {
    request.headers().add("Authorization", "Bearer " + token);
  }
  pplx::cancellation_token_source cts;
  http::http_response response;
  try {
    response = client->request(request, cts.get_token()).get();
  } catch (const std::exception& e) {
    Count(0, "WATCH");
    return Status::Unavailable("watch " + path + ": " + e.what());
  }
  Count(response.status_code(), "WATCH");
  if (response.status_code() == 401) ReloadToken();
  if (response.status_code() >= 400) {
    std::string text;
    try {
      text = response.extract_utf8string(true).get();
    } catch (const std::exception&) {
      // The error body is optional.
    }
    return ErrorFromResponse(response.status_code(), text);
  }
  return std::unique_ptr<WatchStream>(
      new RestWatchStream(std::move(client), std::move(cts), std::move(response)));
}

}  // namespace acequia::kube
