// acequia-test-apiserver: the Kubernetes API test server as a standalone process, for kubectl
// sessions and scripts.
//   acequia-test-apiserver --listen 127.0.0.1:PORT [--crds DIR] [--tls-cert F --tls-key F]
//                          [--watch-history N] [--bookmark-interval-ms N]
// Prints "serving <url>" on stdout once listening; stops on SIGINT/SIGTERM.
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>

#include "tests/support/kube_api_server/api_server.h"

int main(int argc, char** argv) {
  using acequia::testing::kube::KubeApiServer;
  KubeApiServer::Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << arg << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--listen") {
      std::string listen = next();
      size_t colon = listen.rfind(':');
      if (colon == std::string::npos) {
        std::cerr << "--listen wants HOST:PORT\n";
        return 2;
      }
      options.host = listen.substr(0, colon);
      options.port = std::stoi(listen.substr(colon + 1));
    } else if (arg == "--crds") {
      options.crd_dir = next();
    } else if (arg == "--tls-cert") {
      options.tls_cert_file = next();
    } else if (arg == "--tls-key") {
      options.tls_key_file = next();
    } else if (arg == "--client-ca") {
      options.client_ca_file = next();
    } else if (arg == "--watch-history") {
      options.watch_history = std::stoul(next());
    } else if (arg == "--bookmark-interval-ms") {
      options.bookmark_interval = std::chrono::milliseconds(std::stol(next()));
    } else if (arg == "--help" || arg == "-h") {
      std::cout << "usage: acequia-test-apiserver --listen HOST:PORT [--crds DIR] "
                   "[--tls-cert F --tls-key F [--client-ca F]] [--watch-history N] "
                   "[--bookmark-interval-ms N]\n";
      return 0;
    } else {
      std::cerr << "unknown flag " << arg << "\n";
      return 2;
    }
  }
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    std::cerr << "--tls-cert and --tls-key go together\n";
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  KubeApiServer server(options);
  if (auto s = server.Start(); !s.ok()) {
    std::cerr << "acequia-test-apiserver: " << s.ToString() << "\n";
    return 1;
  }
  std::cout << "serving " << server.url() << std::endl;
  int sig = 0;
  sigwait(&signals, &sig);
  server.Stop();
  return 0;
}
