// The HTTP endpoint every Acequia process serves for operations: /metrics (Prometheus text
// exposition of a prometheus-cpp registry), /healthz (alive) and /readyz (ready for traffic).
// Built on cpprestsdk's listener. Threading: handlers run on cpprest's thread pool; the probes
// and the registry must be thread-safe and outlive the server.
#pragma once

#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <string>

#include "common/status.h"

namespace web::http::experimental::listener {
class http_listener;
}

namespace acequia {

class AdminServer {
 public:
  struct Probes {
    std::function<bool()> healthy = [] { return true; };
    std::function<bool()> ready = [] { return true; };
  };

  AdminServer(std::string bind, int port, std::shared_ptr<prometheus::Registry> registry,
              Probes probes);
  ~AdminServer();

  Status Start();
  void Stop();

  // cpprestsdk serves every HTTP listener and client of the process from one thread pool of 40
  // threads by default. Call before any HTTP use to size it; each idle thread costs memory.
  static void LimitHttpThreads(size_t threads);

 private:
  std::string bind_;
  int port_;
  std::shared_ptr<prometheus::Registry> registry_;
  Probes probes_;
  std::unique_ptr<web::http::experimental::listener::http_listener> listener_;
};

}  // namespace acequia
