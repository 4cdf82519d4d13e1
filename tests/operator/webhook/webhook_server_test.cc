// Tests of operator/webhook/webhook_server over real HTTPS on loopback: a client that trusts the
// CA and checks the Service's DNS name gets the handler's AdmissionReview; a rotated certificate
// is served from the next connection on, without a restart; what is not a review gets a 400.
#include "operator/webhook/webhook_server.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>

// clang-format off
#include "common/asio.h"
#include <boost/asio/ssl.hpp>
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

// POST over TLS trusting only `ca_pem` and requiring the certificate to name kHost.
Reply Post(int port, const std::string& ca_pem, const std::string& path, const std::string& body) {
  namespace ssl = boost::asio::ssl;
  using tcp = boost::asio::ip::tcp;
  Reply reply;
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
  if (ec) {
    reply.error = ec.message();
    return reply;
  }
  const std::string request =
      "POST " + path + " HTTP/1.1\r\nHost: " + kHost +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n\r\n" + body;
  boost::asio::write(stream, boost::asio::buffer(request), ec);
  std::string response;
  boost::asio::read(stream, boost::asio::dynamic_buffer(response), ec);
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

}  // namespace
}  // namespace acequia::webhook
