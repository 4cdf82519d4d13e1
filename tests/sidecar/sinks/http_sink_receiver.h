// A real HTTP(S) server on loopback that plays the http sink's endpoint in tests (Boost.Asio, one
// thread per connection, HTTP/1.1 keep-alive, Content-Length bodies): it records every request and
// answers with the status the test sets, optionally after a delay. Stop closes the listening socket
// and every open connection — a downstream that dies — and Start listens on the same port again
// (SO_REUSEADDR, so the closed connections do not hold the port). Header-only so that unit and
// integration tests share it. Test-only; thread-safe.
#pragma once

#include <fcntl.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/ssl.hpp>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/asio.h"
#include "tests/support/test_env.h"

namespace acequia::testing {

class HttpReceiver {
 public:
  struct Tls {
    std::string cert_file;
    std::string key_file;
  };
  struct Request {
    std::string body;
    std::map<std::string, std::string> headers;  // names in lower case
    int answered = 0;                            // the status it got

    std::string Header(std::string name) const {
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      auto it = headers.find(name);
      return it == headers.end() ? "" : it->second;
    }
  };

  explicit HttpReceiver(std::optional<Tls> tls = std::nullopt, int port = FreePort())
      : tls_(std::move(tls)), port_(port) {}
  ~HttpReceiver() { Stop(); }
  HttpReceiver(const HttpReceiver&) = delete;
  HttpReceiver& operator=(const HttpReceiver&) = delete;

  std::string url() const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) +
           "/ingest";
  }
  int port() const { return port_; }

  // Listens (again); false when the port cannot be bound (see last_error).
  bool Start() {
    std::lock_guard lock(control_mu_);
    if (acceptor_) return true;
    namespace asio = boost::asio;
    if (tls_ && !ssl_) {
      ssl_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
      ssl_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                        asio::ssl::context::no_sslv3);
      ssl_->use_certificate_chain_file(tls_->cert_file);
      ssl_->use_private_key_file(tls_->key_file, asio::ssl::context::pem);
    }
    try {
      acceptor_ = std::make_unique<asio::ip::tcp::acceptor>(
          io_,
          asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                  static_cast<uint16_t>(port_)),
          /*reuse_addr=*/true);
    } catch (const std::exception& e) {
      last_error_ = e.what();
      acceptor_.reset();
      return false;
    }
    // Child processes (the agent under test) must not inherit the port.
    ::fcntl(acceptor_->native_handle(), F_SETFD, FD_CLOEXEC);
    stopping_ = false;
    accept_thread_ = std::thread([this] { AcceptLoop(); });
    return true;
  }

  // Closes the listening socket and every connection: new connections are refused and requests
  // in flight fail.
  void Stop() {
    std::lock_guard lock(control_mu_);
    if (!acceptor_) return;
    stopping_ = true;
    boost::system::error_code ignored;
    {
      // Wake the blocking accept with a connection of our own.
      boost::asio::ip::tcp::socket wake(io_);
      wake.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"),
                                                  static_cast<uint16_t>(port_)),
                   ignored);
    }
    if (accept_thread_.joinable()) accept_thread_.join();
    acceptor_->close(ignored);
    std::list<std::shared_ptr<Connection>> connections;
    {
      std::lock_guard conn_lock(connections_mu_);
      connections.swap(connections_);
    }
    for (auto& c : connections) {
      c->socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    }
    for (auto& c : connections) {
      if (c->thread.joinable()) c->thread.join();
    }
    acceptor_.reset();
  }

  std::string last_error() const {
    std::lock_guard lock(control_mu_);
    return last_error_;
  }
  void SetStatus(int status) { status_ = status; }
  void SetDelay(std::chrono::milliseconds delay) { delay_ms_ = delay.count(); }

  std::vector<Request> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  size_t accepted_requests() const {
    size_t n = 0;
    for (const auto& r : requests()) n += r.answered / 100 == 2;
    return n;
  }
  // The event bodies of every request answered 2xx, in arrival order (JSON or text bodies).
  std::vector<std::string> AcceptedBodies() const {
    std::vector<std::string> bodies;
    for (const auto& r : requests()) {
      if (r.answered / 100 != 2) continue;
      if (r.Header("Content-Type").rfind("application/json", 0) == 0) {
        for (const auto& event : nlohmann::json::parse(r.body)) {
          bodies.push_back(event.at("body").get<std::string>());
        }
      } else {
        size_t start = 0;
        for (size_t nl = r.body.find('\n'); nl != std::string::npos;
             start = nl + 1, nl = r.body.find('\n', start)) {
          bodies.push_back(r.body.substr(start, nl - start));
        }
      }
    }
    return bodies;
  }

 private:
  struct Connection {
    explicit Connection(boost::asio::ip::tcp::socket s) : socket(std::move(s)) {}
    boost::asio::ip::tcp::socket socket;
    std::thread thread;
  };

  void AcceptLoop() {
    while (!stopping_) {
      boost::system::error_code ec;
      boost::asio::ip::tcp::socket socket(io_);
      acceptor_->accept(socket, ec);
      if (ec || stopping_) return;
      ::fcntl(socket.native_handle(), F_SETFD, FD_CLOEXEC);
      auto connection = std::make_shared<Connection>(std::move(socket));
      std::lock_guard lock(connections_mu_);
      connection->thread = std::thread([this, connection] { Serve(*connection); });
      connections_.push_back(connection);
    }
  }

  template <typename Stream>
  void ServeOn(Stream& stream) {
    std::string buffer;
    char chunk[16384];
    boost::system::error_code ec;
    auto fill = [&]() {
      const size_t n = stream.read_some(boost::asio::buffer(chunk), ec);
      if (ec) return false;
      buffer.append(chunk, n);
      return true;
    };
    while (true) {
      size_t end;
      while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
        if (!fill()) return;
      }
      Request request;
      size_t line_end = buffer.find("\r\n");
      size_t content_length = 0;
      for (size_t at = line_end + 2; at < end;) {
        size_t next = buffer.find("\r\n", at);
        std::string line = buffer.substr(at, next - at);
        at = next + 2;
        size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string name = line.substr(0, colon);
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        if (name == "content-length") content_length = std::stoul(value);
        request.headers[name] = value;
      }
      buffer.erase(0, end + 4);
      while (buffer.size() < content_length) {
        if (!fill()) return;
      }
      request.body = buffer.substr(0, content_length);
      buffer.erase(0, content_length);
      if (const int64_t delay = delay_ms_; delay > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(delay));
      }
      if (stopping_) return;
      request.answered = status_;
      {
        std::lock_guard lock(mu_);
        requests_.push_back(request);
      }
      const std::string body = request.answered / 100 == 2 ? "ok" : "refused";
      const std::string response =
          "HTTP/1.1 " + std::to_string(request.answered) +
          " Status\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
          "\r\n\r\n" + body;
      boost::asio::write(stream, boost::asio::buffer(response), ec);
      if (ec) return;
    }
  }

  void Serve(Connection& connection) {
    if (!ssl_) {
      ServeOn(connection.socket);
      return;
    }
    boost::asio::ssl::stream<boost::asio::ip::tcp::socket&> secure(connection.socket, *ssl_);
    boost::system::error_code ec;
    secure.handshake(boost::asio::ssl::stream_base::server, ec);
    if (!ec) ServeOn(secure);
  }

  const std::optional<Tls> tls_;
  const int port_;
  std::atomic<int> status_{200};
  std::atomic<int64_t> delay_ms_{0};
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  std::vector<Request> requests_;  // guarded by mu_
  mutable std::mutex control_mu_;  // Start and Stop
  std::string last_error_;         // guarded by control_mu_
  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::ssl::context> ssl_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::thread accept_thread_;
  std::mutex connections_mu_;
  std::list<std::shared_ptr<Connection>> connections_;  // guarded by connections_mu_
};

// A throwaway CA and a server certificate for 127.0.0.1 (openssl CLI): ca.crt, server.crt,
// server.key in `dir`.
inline bool MakeReceiverPki(const std::string& dir) {
  WriteFile(dir + "/make-pki.sh", R"(set -e
cd "$1"
K="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
openssl req -x509 $K -keyout ca.key -out ca.crt -days 2 -subj /CN=acequia-test-ca 2>/dev/null
openssl req $K -keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt \
  -days 2 -extfile server.ext 2>/dev/null
)");
  return std::system(("bash '" + dir + "/make-pki.sh' '" + dir + "'").c_str()) == 0;
}

}  // namespace acequia::testing
