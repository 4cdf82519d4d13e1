// The webhook's HTTPS server (see webhook_server.h).
#include "operator/webhook/webhook_server.h"

#include <chrono>
#include <optional>

// clang-format off
#include "common/asio.h"
#include <cpprest/http_listener.h>
// clang-format on

#include "common/logging.h"

namespace acequia::webhook {

using web::http::http_request;
using web::http::http_response;
using web::http::methods;
using web::http::status_codes;

struct WebhookServer::Job {
  http_request request;
  std::string path;
  std::string body;
  std::chrono::steady_clock::time_point received;
};

WebhookServer::WebhookServer(Options options, std::function<CertificateBundle()> certificate)
    : options_(std::move(options)), certificate_(std::move(certificate)) {
  if (!options_.registry) options_.registry = std::make_shared<prometheus::Registry>();
  requests_ = &prometheus::BuildCounter()
                   .Name("controller_runtime_webhook_requests_total")
                   .Help("Total number of admission requests by HTTP status code.")
                   .Register(*options_.registry);
  latency_ = &prometheus::BuildHistogram()
                  .Name("controller_runtime_webhook_latency_seconds")
                  .Help("Histogram of the latency of processing admission requests.")
                  .Register(*options_.registry);
}

WebhookServer::~WebhookServer() { Stop(); }

void WebhookServer::Handle(const std::string& path, Handler handler) {
  handlers_[path] = std::move(handler);
}

Status WebhookServer::Start() {
  const std::string url = "https://" + options_.host + ":" + std::to_string(options_.port);
  web::http::experimental::listener::http_listener_config config;
  auto certificate = certificate_;
  config.set_ssl_context_callback([certificate](boost::asio::ssl::context& ctx) {
    const CertificateBundle bundle = certificate();
    ctx.set_options(boost::asio::ssl::context::default_workarounds |
                    boost::asio::ssl::context::no_sslv2 | boost::asio::ssl::context::no_sslv3 |
                    boost::asio::ssl::context::no_tlsv1 | boost::asio::ssl::context::no_tlsv1_1);
    ctx.use_certificate_chain(boost::asio::buffer(bundle.cert_pem.data(), bundle.cert_pem.size()));
    ctx.use_private_key(boost::asio::buffer(bundle.key_pem.data(), bundle.key_pem.size()),
                        boost::asio::ssl::context::pem);
  });
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  for (size_t i = 0; i < std::max<size_t>(1, options_.workers); ++i) {
    workers_.emplace_back([this] { Work(); });
  }
  try {
    listener_ = std::make_unique<web::http::experimental::listener::http_listener>(url, config);
    listener_->support([this](http_request request) { Serve(std::move(request)); });
    listener_->open().wait();
  } catch (const std::exception& e) {
    listener_.reset();
    Stop();
    return Status::Unavailable("cannot serve the webhooks on " + url + ": " + e.what());
  }
  return Status::Ok();
}

void WebhookServer::Stop() {
  if (listener_) {
    try {
      listener_->close().wait();
    } catch (const std::exception&) {
      // A listener that failed half-way has nothing left to release.
    }
    listener_.reset();
  }
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  workers_.clear();
  // Whatever is still queued gets an answer rather than a dropped connection.
  std::deque<std::shared_ptr<Job>> left;
  {
    std::lock_guard lock(mu_);
    left.swap(queue_);
  }
  for (auto& job : left) job->request.reply(status_codes::ServiceUnavailable, "shutting down\n");
}

void WebhookServer::Serve(http_request request) {
  const std::string path = request.relative_uri().path();
  if (request.method() != methods::POST) {
    request.reply(status_codes::MethodNotAllowed, "admission reviews are POSTed\n");
    return;
  }
  if (!handlers_.count(path)) {
    request.reply(status_codes::NotFound, "no webhook at " + path + "\n");
    return;
  }
  const auto received = std::chrono::steady_clock::now();
  request.extract_utf8string(true).then(
      [this, request, path, received](pplx::task<std::string> body) mutable {
        auto job = std::make_shared<Job>();
        job->request = request;
        job->path = path;
        job->received = received;
        try {
          job->body = body.get();
        } catch (const std::exception& e) {
          request.reply(status_codes::BadRequest, std::string("reading the body: ") + e.what());
          return;
        }
        {
          std::lock_guard lock(mu_);
          if (stopping_) {
            request.reply(status_codes::ServiceUnavailable, "shutting down\n");
            return;
          }
          queue_.push_back(std::move(job));
        }
        cv_.notify_one();
      });
}

void WebhookServer::Work() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    int code = 200;
    http_response response(status_codes::OK);
    Json review = Json::parse(job->body, nullptr, false);
    auto request = review.is_discarded()
                       ? Result<AdmissionRequest>(Status::InvalidArgument("the body is not JSON"))
                       : ParseAdmissionReview(review);
    if (!request.ok()) {
      code = 400;
      response.set_status_code(status_codes::BadRequest);
      response.set_body(request.status().message() + "\n");
    } else {
      std::optional<AdmissionResponse> answer;
      std::string error;
      try {
        answer = handlers_.at(job->path)(*request);
        if (answer->is_error()) error = answer->response()["status"].value("message", "");
      } catch (const std::exception& e) {
        error = std::string("acequia webhook: ") + e.what();
      }
      if (!error.empty()) {
        // No decision: HTTP 500 hands it to the configuration's failurePolicy.
        LogMessage(LogLevel::kWarn, "webhook") << job->path << ": " << error;
        code = 500;
        response.set_status_code(status_codes::InternalError);
        response.set_body(error + "\n");
      } else {
        LogMessage(LogLevel::kDebug, "webhook")
            << job->path << " " << request->kind << " " << request->ns << "/" << request->name
            << " " << request->operation << ": allowed=" << answer->allowed();
        response.set_body(answer->ToReview().dump(), "application/json");
      }
    }
    try {
      job->request.reply(response).wait();
    } catch (const std::exception& e) {
      LogMessage(LogLevel::kWarn, "webhook") << "replying to " << job->path << ": " << e.what();
    }
    requests_->Add({{"webhook", job->path}, {"code", std::to_string(code)}}).Increment();
    latency_
        ->Add({{"webhook", job->path}},
              prometheus::Histogram::BucketBoundaries{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                      2.5, 5, 10})
        .Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - job->received)
                     .count());
  }
}

}  // namespace acequia::webhook
