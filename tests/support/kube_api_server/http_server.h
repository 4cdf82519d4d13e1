// A small blocking HTTP/1.1 server for the Kubernetes API test server: one thread per connection,
// keep-alive, Content-Length and chunked request bodies, chunked (streamed) responses for
// watches, optional TLS (HTTP/1.1 only: no ALPN, so Go clients such as kubectl fall back from h2).
// Threading: the handler runs on the connection's thread and may block (a watch does); Stop()
// shuts every connection down and joins its thread, so a blocking handler must also return when
// its owner tells it to (the API server closes its watches before stopping this server).
#pragma once

#include <atomic>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "common/status.h"

namespace acequia::testing::kube {

struct HttpRequest {
  std::string method;
  std::string target;                          // as sent: path + "?" + query
  std::string path;                            // percent-decoded
  std::map<std::string, std::string> query;    // decoded; the last value of a repeated key wins
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string remote;

  std::string Header(const std::string& lower_name) const;
  std::string Query(const std::string& name, const std::string& fallback = "") const;
  bool HasQuery(const std::string& name) const { return query.count(name) > 0; }
};

// The response side of one exchange. Either Send() once, or StartChunked() + WriteChunk()* +
// EndChunked(); Abort() drops the connection mid-stream (what a crashing server does).
class HttpResponder {
 public:
  virtual ~HttpResponder() = default;
  virtual bool Send(int status, const std::string& content_type, const std::string& body,
                    const std::map<std::string, std::string>& headers = {}) = 0;
  virtual bool StartChunked(int status, const std::string& content_type) = 0;
  virtual bool WriteChunk(std::string_view data) = 0;
  virtual bool EndChunked() = 0;
  virtual void Abort() = 0;
};

class HttpServer {
 public:
  using Handler = std::function<void(const HttpRequest&, HttpResponder&)>;
  struct Tls {
    std::string cert_file;
    std::string key_file;
    std::string client_ca_file;  // when set, clients must present a certificate signed by it
  };

  explicit HttpServer(Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // port 0 picks a free port; see port().
  Status Start(const std::string& host, int port, std::optional<Tls> tls);
  void Stop();
  int port() const { return port_; }
  // Closes every open connection now (in-flight requests and streams fail); keeps listening.
  void DropConnections();

 private:
  struct Impl;
  struct Connection;
  void AcceptLoop();
  void Serve(std::shared_ptr<Connection> connection);
  void ReapFinished();

  Handler handler_;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread accept_thread_;
  std::mutex mu_;
  std::list<std::shared_ptr<Connection>> connections_;
};

std::string StatusText(int status);

}  // namespace acequia::testing::kube
