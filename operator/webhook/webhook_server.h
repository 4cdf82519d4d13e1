// WebhookServer: the HTTPS endpoint the API server calls with AdmissionReviews. Boost.Beast over
// Boost.Asio's OpenSSL streams serves POST <path> for each registered handler; every TLS
// connection asks `certificate()` for the current certificate and key, so a rotated certificate
// is served from the next connection on without a restart.
// A handler may block (the pod injector lists Flows): the server's two I/O threads only read the
// review and queue it, and a small pool of our own threads runs the handlers and replies.
// Connections are kept alive (the API server reuses them) and closed after 30 s without progress;
// a body over 3 MiB (the API server's own request limit) is answered 413. TLS 1.2 or later only.
// Metrics (controller-runtime's names): controller_runtime_webhook_requests_total{webhook,code},
// controller_runtime_webhook_latency_seconds{webhook}.
// Threading: Handle() before Start(); handlers must be thread-safe; Stop() from any one thread,
// never from a handler; after Stop() returns no handler runs and every connection is closed.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "operator/webhook/admission_review.h"
#include "operator/webhook/certificates.h"

namespace acequia::webhook {

class WebhookServer {
 public:
  using Handler = std::function<AdmissionResponse(const AdmissionRequest&)>;
  struct Options {
    std::string host = "0.0.0.0";
    int port = 9443;
    size_t workers = 4;
    std::shared_ptr<prometheus::Registry> registry;  // null: a private one
  };

  // `certificate` returns the current serving certificate (cert_pem, key_pem); called per TLS
  // connection from the server's I/O threads, so it must be thread-safe and cheap.
  WebhookServer(Options options, std::function<CertificateBundle()> certificate);
  ~WebhookServer();
  WebhookServer(const WebhookServer&) = delete;
  WebhookServer& operator=(const WebhookServer&) = delete;

  // Serves `handler` at POST `path` ("/validate-flows"). Before Start().
  void Handle(const std::string& path, Handler handler);

  Status Start();
  void Stop();

 private:
  struct Job;
  class Session;
  struct Transport;  // Boost.Asio: the io_context, its threads, the acceptor, the live sessions
  void Accept();
  [[nodiscard]] bool Enqueue(std::shared_ptr<Job> job);  // false once stopping
  void Work();

  Options options_;
  std::function<CertificateBundle()> certificate_;
  std::map<std::string, Handler> handlers_;
  std::unique_ptr<Transport> transport_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  prometheus::Family<prometheus::Counter>* requests_ = nullptr;
  prometheus::Family<prometheus::Histogram>* latency_ = nullptr;
};

}  // namespace acequia::webhook
