#include "common/admin_server.h"

#include <cpprest/http_listener.h>
#include <pplx/threadpool.h>
#include <prometheus/text_serializer.h>

namespace acequia {

using web::http::http_request;
using web::http::methods;
using web::http::status_codes;

AdminServer::AdminServer(std::string bind, int port, std::shared_ptr<prometheus::Registry> registry,
                         Probes probes)
    : bind_(std::move(bind)),
      port_(port),
      registry_(std::move(registry)),
      probes_(std::move(probes)) {}

AdminServer::~AdminServer() { Stop(); }

Status AdminServer::Start() {
  const std::string url = "http://" + bind_ + ":" + std::to_string(port_);
  try {
    listener_ = std::make_unique<web::http::experimental::listener::http_listener>(url);
    listener_->support(methods::GET, [this](http_request request) {
      const std::string path = request.relative_uri().path();
      if (path == "/metrics") {
        const std::string body = prometheus::TextSerializer().Serialize(registry_->Collect());
        web::http::http_response response(status_codes::OK);
        response.set_body(body, "text/plain; version=0.0.4; charset=utf-8");
        request.reply(response);
      } else if (path == "/healthz") {
        const bool ok = probes_.healthy();
        request.reply(ok ? status_codes::OK : status_codes::ServiceUnavailable,
                      ok ? "ok\n" : "unhealthy\n");
      } else if (path == "/readyz") {
        const bool ok = probes_.ready();
        request.reply(ok ? status_codes::OK : status_codes::ServiceUnavailable,
                      ok ? "ready\n" : "not ready\n");
      } else {
        request.reply(status_codes::NotFound, "not found: try /metrics, /healthz or /readyz\n");
      }
    });
    listener_->open().wait();
  } catch (const std::exception& e) {
    listener_.reset();
    return Status::Unavailable("cannot serve metrics on " + url + ": " + e.what());
  }
  return Status::Ok();
}

void AdminServer::LimitHttpThreads(size_t threads) {
  crossplat::threadpool::initialize_with_threads(threads);
}

void AdminServer::Stop() {
  if (!listener_) return;
  try {
    listener_->close().wait();
  } catch (const std::exception&) {
    // Closing a listener that failed half-way has nothing left to release.
  }
  listener_.reset();
}

}  // namespace acequia
