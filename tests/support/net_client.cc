#include "tests/support/net_client.h"

#include <arpa/inet.h>
#include <cpprest/http_client.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace acequia::testing {

TcpClient::TcpClient(int port, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      fd_ = fd;
      return;
    }
    ::close(fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

TcpClient::~TcpClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool TcpClient::Send(const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

std::optional<std::string> TcpClient::ReadLine(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto newline = buffer_.find('\n');
    if (newline != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
    char chunk[4096];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return std::nullopt;
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

void TcpClient::ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }

namespace {

HttpResponse Request(const std::string& url, const web::http::method& method,
                     const std::string* body, const std::string& content_type) {
  HttpResponse out;
  try {
    web::http::client::http_client client(url);
    web::http::http_request request(method);
    if (body != nullptr) request.set_body(*body, content_type);
    auto response = client.request(request).get();
    out.status = response.status_code();
    out.body = response.extract_utf8string(true).get();
    auto headers = response.headers();
    if (headers.has("Retry-After")) out.retry_after = headers["Retry-After"];
    out.content_type = headers.content_type();
  } catch (const std::exception&) {
    out.status = 0;
  }
  return out;
}

}  // namespace

HttpResponse HttpGet(const std::string& url) {
  return Request(url, web::http::methods::GET, nullptr, "");
}

HttpResponse HttpPost(const std::string& url, const std::string& body,
                      const std::string& content_type) {
  return Request(url, web::http::methods::POST, &body, content_type);
}

}  // namespace acequia::testing
