// Plain clients for integration tests: a blocking TCP line client and HTTP requests (cpprest).
// Test-only; one thread per object.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace acequia::testing {

class TcpClient {
 public:
  // Connects to 127.0.0.1:port, retrying until `timeout` (the server may still be starting).
  explicit TcpClient(int port, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~TcpClient();
  bool connected() const { return fd_ >= 0; }
  bool Send(const std::string& data);
  // Reads one line (without the newline); nullopt on EOF or timeout.
  std::optional<std::string> ReadLine(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void ShutdownWrite();

 private:
  int fd_ = -1;
  std::string buffer_;
};

struct HttpResponse {
  int status = 0;  // 0 when the request failed to connect
  std::string body;
  std::string retry_after;  // the Retry-After header, if any
  std::string content_type;
};

HttpResponse HttpGet(const std::string& url);
HttpResponse HttpPost(const std::string& url, const std::string& body,
                      const std::string& content_type);

}  // namespace acequia::testing
