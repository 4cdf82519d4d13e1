// Tests of operator/webhook/webhook_server over real HTTPS on loopback: a client that trusts the
// CA and checks the Service's DNS name gets the handler's AdmissionReview; a rotated certificate
// is served from the next connection on, without a restart; what is not a review gets a 400;
// connections are kept alive; a body over the API server's limit gets a 413; hundreds of
// connections ending every which way (no TLS, an untrusted certificate, mid-request) leave the
// server answering.
#include "operator/webhook/webhook_server.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

// clang-format off
#include "common/asio.h"
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
// clang-format on

namespace acequia::webhook {
namespace {

constexpr const char* kHost = "acequia-webhook.acequia-system.svc";

int FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

struct Reply {
  int status = 0;
  std::string body;
  std::string error;
};

// Sends `request` (raw HTTP) over TLS trusting only `ca_pem` and requiring the certificate to
// name kHost, and reads to the end of the connection. On failure `error` says why.
std::string Exchange(int port, const std::string& ca_pem, const std::string& request,
                     std::string* error) {
  namespace ssl = boost::asio::ssl;
  using tcp = boost::asio::ip::tcp;
  boost::asio::io_context io;
  ssl::context ctx(ssl::context::tls_client);
  boost::system::error_code ec;
  ctx.add_certificate_authority(boost::asio::buffer(ca_pem.data(), ca_pem.size()), ec);
  ctx.set_verify_mode(ssl::verify_peer);
  ssl::stream<tcp::socket> stream(io, ctx);
  SSL_set_tlsext_host_name(stream.native_handle(), kHost);
  stream.set_verify_callback(ssl::host_name_verification(kHost));
  stream.lowest_layer().connect(
      tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)), ec);
  if (!ec) stream.handshake(ssl::stream_base::client, ec);
  if (!ec) boost::asio::write(stream, boost::asio::buffer(request), ec);
  if (ec) {
    *error = ec.message();
    return "";
  }
  std::string response;
  boost::asio::read(stream, boost::asio::dynamic_buffer(response), ec);
  return response;
}

// POST over verified TLS (see Exchange).
Reply Post(int port, const std::string& ca_pem, const std::string& path, const std::string& body) {
  Reply reply;
  const std::string response = Exchange(
      port, ca_pem,
      "POST " + path + " HTTP/1.1\r\nHost: " + kHost +
          "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
          "\r\nConnection: close\r\n\r\n" + body,
      &reply.error);
  if (!reply.error.empty()) return reply;
  const auto space = response.find(' ');
  const auto head_end = response.find("\r\n\r\n");
  if (space == std::string::npos || head_end == std::string::npos) {
    reply.error = "no HTTP response";
    return reply;
  }
  reply.status = std::stoi(response.substr(space + 1, 3));
  reply.body = response.substr(head_end + 4);
  return reply;
}

// Sends `head` (a request's head, maybe the start of its body) and reads to the end; the status
// code, or 0.
int SendHead(int port, const std::string& ca_pem, const std::string& head) {
  std::string error;
  const std::string response = Exchange(port, ca_pem, head, &error);
  return response.size() > 12 ? std::stoi(response.substr(9, 3)) : 0;
}

// A client that connects and leaves: after the TCP connect, or after the TLS handshake.
void ConnectAndLeave(int port, const std::string& ca_pem, bool handshake) {
  namespace ssl = boost::asio::ssl;
  using tcp = boost::asio::ip::tcp;
  boost::asio::io_context io;
  ssl::context ctx(ssl::context::tls_client);
  boost::system::error_code ec;
  ctx.add_certificate_authority(boost::asio::buffer(ca_pem.data(), ca_pem.size()), ec);
  ssl::stream<tcp::socket> stream(io, ctx);
  stream.lowest_layer().connect(
      tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)), ec);
  if (!ec && handshake) stream.handshake(ssl::stream_base::client, ec);
}

long ResidentKilobytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

std::string ReviewText(const std::string& uid) {
  return Json{{"apiVersion", "admission.k8s.io/v1"},
              {"kind", "AdmissionReview"},
              {"request", {{"uid", uid}, {"operation", "CREATE"}, {"object", Json::object()}}}}
      .dump();
}

class WebhookServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto bundle = IssueCertificates(ServiceDnsNames("acequia-webhook", "acequia-system"));
    ASSERT_TRUE(bundle.ok());
    current_ = *bundle;
    WebhookServer::Options options;
    options.host = "127.0.0.1";
    options.port = port_ = FreeLoopbackPort();
    server_ = std::make_unique<WebhookServer>(options, [this] {
      std::lock_guard lock(mu_);
      return current_;
    });
    server_->Handle("/validate-flows", [](const AdmissionRequest& request) {
      return AdmissionResponse::Deny(request.uid, 422, "Invalid", "spec.x: bad");
    });
    server_->Handle("/mutate-pods", [](const AdmissionRequest& request) {
      return AdmissionResponse::Error(request.uid, "the API server is unreachable");
    });
    ASSERT_TRUE(server_->Start().ok());
  }

  CertificateBundle Current() {
    std::lock_guard lock(mu_);
    return current_;
  }

  std::mutex mu_;
  CertificateBundle current_;
  int port_ = 0;
  std::unique_ptr<WebhookServer> server_;
};

TEST_F(WebhookServerTest, AnswersReviewsOverVerifiedTls) {
  Reply reply = Post(port_, Current().ca_pem, "/validate-flows", ReviewText("u-1"));
  ASSERT_EQ(reply.error, "");
  ASSERT_EQ(reply.status, 200) << reply.body;
  Json review = Json::parse(reply.body);
  EXPECT_EQ(review["response"]["uid"], "u-1");
  EXPECT_EQ(review["response"]["allowed"], false);
  EXPECT_EQ(review["response"]["status"]["message"], "spec.x: bad");

  EXPECT_EQ(Post(port_, Current().ca_pem, "/validate-flows", "not json").status, 400);
  EXPECT_EQ(Post(port_, Current().ca_pem, "/nowhere", ReviewText("u-2")).status, 404);
  // No decision: HTTP 500, so the configuration's failurePolicy decides.
  EXPECT_EQ(Post(port_, Current().ca_pem, "/mutate-pods", ReviewText("u-3")).status, 500);
}

TEST_F(WebhookServerTest, ARotatedCertificateIsServedWithoutARestart) {
  const CertificateBundle old = Current();
  auto rotated = IssueCertificates(ServiceDnsNames("acequia-webhook", "acequia-system"));
  ASSERT_TRUE(rotated.ok());
  {
    std::lock_guard lock(mu_);
    current_ = *rotated;
  }
  Reply reply = Post(port_, rotated->ca_pem, "/validate-flows", ReviewText("u-4"));
  EXPECT_EQ(reply.error, "");
  EXPECT_EQ(reply.status, 200);
  EXPECT_NE(Post(port_, old.ca_pem, "/validate-flows", ReviewText("u-5")).error, "")
      << "the old CA no longer verifies the new certificate";
}

TEST_F(WebhookServerTest, KeepsTheConnectionAliveUntilStopped) {
  namespace beast = boost::beast;
  namespace http = boost::beast::http;
  namespace ssl = boost::asio::ssl;
  using tcp = boost::asio::ip::tcp;
  const std::string ca = Current().ca_pem;
  boost::asio::io_context io;
  ssl::context ctx(ssl::context::tls_client);
  ctx.add_certificate_authority(boost::asio::buffer(ca.data(), ca.size()));
  ctx.set_verify_mode(ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
  SSL_set_tlsext_host_name(stream.native_handle(), kHost);
  stream.set_verify_callback(ssl::host_name_verification(kHost));
  beast::get_lowest_layer(stream).connect(
      tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port_)));
  stream.handshake(ssl::stream_base::client);
  beast::flat_buffer buffer;
  auto exchange = [&](http::verb verb, const std::string& uid) {
    http::request<http::string_body> request{verb, "/validate-flows", 11};
    request.set(http::field::host, kHost);
    request.set(http::field::content_type, "application/json");
    request.body() = ReviewText(uid);
    request.prepare_payload();
    http::write(stream, request);
    http::response<http::string_body> response;
    http::read(stream, buffer, response);
    return response;
  };
  for (const char* uid : {"k-1", "k-2", "k-3"}) {
    auto response = exchange(http::verb::post, uid);
    EXPECT_EQ(response.result_int(), 200);
    EXPECT_TRUE(response.keep_alive());
    EXPECT_EQ(Json::parse(response.body())["response"]["uid"], uid);
  }
  auto refused = exchange(http::verb::get, "k-4");
  EXPECT_EQ(refused.result_int(), 405);
  EXPECT_EQ(refused.body(), "admission reviews are POSTed\n");
  EXPECT_EQ(exchange(http::verb::put, "k-5").result_int(), 405);

  server_->Stop();
  http::response<http::string_body> none;
  beast::error_code ec;
  http::read(stream, buffer, none, ec);
  EXPECT_TRUE(ec) << "Stop() closes the idle connection";
}

TEST_F(WebhookServerTest, ABodyOverTheApiServersLimitGetsA413) {
  const std::string ca = Current().ca_pem;
  const std::string head =
      std::string("POST /validate-flows HTTP/1.1\r\nHost: ") + kHost +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(4 << 20) +
      "\r\n\r\n";
  EXPECT_EQ(SendHead(port_, ca, head), 413);
  // 2 MiB is under the limit: read whole, then refused as no review.
  EXPECT_EQ(Post(port_, ca, "/validate-flows", std::string(2 << 20, 'x')).status, 400);
  EXPECT_EQ(Post(port_, ca, "/validate-flows", ReviewText("u-6")).status, 200);
}

TEST_F(WebhookServerTest, ServesOnAfterConnectionsEndingEveryWay) {
  auto stranger = IssueCertificates({"x"});
  ASSERT_TRUE(stranger.ok());
  const std::string ca = Current().ca_pem;
  const std::string half = std::string("POST /validate-flows HTTP/1.1\r\nHost: ") + kHost +
                           "\r\nContent-Length: 100\r\n\r\n{\"apiVers";
  std::atomic<int> answered{0};
  std::atomic<int> untrusted{0};
  std::vector<std::thread> clients;
  constexpr int kConnections = 200;
  for (int kind = 0; kind < 5; ++kind) {
    clients.emplace_back([&, kind] {
      for (int i = kind; i < kConnections; i += 5) {
        switch (kind) {
          case 0:
            if (Post(port_, ca, "/validate-flows", ReviewText("c")).status == 200) ++answered;
            break;
          case 1:
            ConnectAndLeave(port_, ca, /*handshake=*/false);
            break;
          case 2:
            if (!Post(port_, stranger->ca_pem, "/validate-flows", "{}").error.empty()) ++untrusted;
            break;
          case 3:
            ConnectAndLeave(port_, ca, /*handshake=*/true);
            break;
          default: {
            // Half a request, then gone: the server must not wait for the rest.
            namespace ssl = boost::asio::ssl;
            boost::asio::io_context io;
            ssl::context ctx(ssl::context::tls_client);
            ssl::stream<boost::asio::ip::tcp::socket> stream(io, ctx);
            boost::system::error_code ec;
            stream.lowest_layer().connect(
                {boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port_)}, ec);
            if (!ec) stream.handshake(ssl::stream_base::client, ec);
            if (!ec) boost::asio::write(stream, boost::asio::buffer(half), ec);
          }
        }
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(answered, kConnections / 5);
  EXPECT_EQ(untrusted, kConnections / 5);
  Reply reply = Post(port_, ca, "/validate-flows", ReviewText("after"));
  EXPECT_EQ(reply.error, "");
  EXPECT_EQ(reply.status, 200);
}

// Prints the process's resident memory around 2,000 connections (client and server both in it):
// a per-connection leak shows as steady growth.
TEST_F(WebhookServerTest, TwoThousandConnectionsAreAllAnswered) {
  const std::string ca = Current().ca_pem;
  for (int i = 0; i < 100; ++i) Post(port_, ca, "/validate-flows", ReviewText("warm"));
  const long before = ResidentKilobytes();
  int answered = 0;
  for (int i = 0; i < 2000; ++i) {
    if (Post(port_, ca, "/validate-flows", ReviewText("r")).status == 200) ++answered;
    if (i == 999) std::cout << "[ RSS      ] after 1000: " << ResidentKilobytes() << " kB\n";
  }
  const long after = ResidentKilobytes();
  std::cout << "[ RSS      ] before " << before << " kB, after 2000 connections " << after
            << " kB (" << (after - before) << " kB)\n";
  EXPECT_EQ(answered, 2000);
}

}  // namespace
}  // namespace acequia::webhook
