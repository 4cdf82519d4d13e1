// The forward source and sink in one process over real loopback sockets: delivery with batches
// cut to the receiver's limits, retry later on a full channel, malformed frames answered with
// ERROR, timeouts, and reconnection after the receiver restarts.
#include "sidecar/sources/forward_source.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sidecar/sinks/forward_sink.h"
#include "sidecar/sources/forward_codec.h"
#include "tests/support/component_configs.h"
#include "tests/support/source_harness.h"
#include "tests/support/test_env.h"

namespace acequia::sidecar {
namespace {

// A blocking loopback socket speaking raw frames.
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool Send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // Reads until the peer closes or 5 s pass; decodes the first frame.
  Result<forward::Frame> ReadFrame() {
    std::string in;
    char buf[4096];
    while (true) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 5000) <= 0) break;
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      in.append(buf, static_cast<size_t>(n));
      size_t used = 0;
      auto frame = forward::DecodeFrame(in, 1 << 20, &used);
      if (frame.ok()) return frame;
    }
    return forward::DecodeFrame(in, 1 << 20, nullptr);
  }
  // True when the peer closed the connection (within 5 s).
  bool Closed() {
    char buf[256];
    pollfd p{fd_, POLLIN, 0};
    while (::poll(&p, 1, 5000) > 0) {
      if (::recv(fd_, buf, sizeof buf, 0) <= 0) return true;
    }
    return false;
  }
  bool connected() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

std::string HelloFrame() {
  return forward::EncodeFrame(forward::FrameType::kHello,
                              forward::EncodeHello({1, 1 << 20, 100, "test"}));
}

class ForwardSourceTest : public ::testing::Test {
 protected:
  void StartSource(const std::string& props = "",
                   const std::string& channel = "capacity: 1000, transactionCapacity: 10") {
    if (port_ == 0) port_ = testing::FreePort();
    ASSERT_TRUE(harness_.Wire(
        "name: in, type: forward, port: " + std::to_string(port_) + ", bind: 127.0.0.1" + props,
        channel));
    source_ = harness_.Started(
        std::make_unique<ForwardSource>(harness_.source_config(), harness_.processor(), nullptr));
  }

  std::unique_ptr<ForwardSink> MakeSink(const std::string& props = "", int port = 0) {
    auto config = testing::SinkConfig("name: out, type: forward, hostname: 127.0.0.1, port: " +
                                      std::to_string(port == 0 ? port_ : port) + props);
    auto sink = std::make_unique<ForwardSink>(config);
    EXPECT_TRUE(sink->Start().ok());
    return sink;
  }

  testing::SourceHarness harness_;
  int port_ = 0;
  ForwardSource* source_ = nullptr;  // owned by harness_
};

std::vector<Event> Numbered(int n) {
  std::vector<Event> events;
  for (int i = 0; i < n; ++i) {
    Event e;
    e.headers.Set("n", std::to_string(i));
    e.body = "event " + std::to_string(i);
    events.push_back(std::move(e));
  }
  return events;
}

TEST_F(ForwardSourceTest, SinkDeliversInFramesCutToTheChannelsTransactionCapacity) {
  StartSource();  // transactionCapacity 10: the source announces 10 events per batch
  auto sink = MakeSink();
  const auto events = Numbered(25);
  Status s = sink->Deliver(events);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(harness_.Drain(), events);
  EXPECT_EQ(harness_.metrics().received->Value(), 25);
  EXPECT_EQ(harness_.metrics().accepted->Value(), 25);
  EXPECT_EQ(harness_.metrics().open_connections->Value(), 1);
  sink->Stop();
}

TEST_F(ForwardSourceTest, AFullChannelAnswersRetryLaterAndNothingIsLost) {
  StartSource("", "capacity: 5, transactionCapacity: 5, keepAlive: 0s");
  auto sink = MakeSink();
  ASSERT_TRUE(sink->Deliver(Numbered(5)).ok());
  Status full = sink->Deliver(Numbered(3));
  EXPECT_EQ(full.code(), Status::Code::kResourceExhausted) << full.ToString();
  EXPECT_NE(full.message().find("asks to retry later"), std::string::npos) << full.ToString();
  EXPECT_EQ(harness_.Drain().size(), 5u);
  // Room again: the same connection carries the retried batch.
  ASSERT_TRUE(sink->Deliver(Numbered(3)).ok());
  EXPECT_EQ(harness_.Drain(), Numbered(3));
  EXPECT_EQ(harness_.metrics().open_connections->Value(), 1);
}

TEST_F(ForwardSourceTest, MalformedFramesGetAnErrorFrameAndTheConnectionCloses) {
  StartSource(", maxFrameSize: 1Ki");
  struct Case {
    std::string bytes;
    std::string reason;
  };
  std::string bad_crc =
      forward::EncodeFrame(forward::FrameType::kBatch, forward::EncodeBatch(1, Numbered(1)));
  bad_crc.back() ^= 1;
  const std::vector<Case> cases = {
      {"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "bad frame magic"},
      {bad_crc, "CRC mismatch in a BATCH frame"},
      {forward::EncodeFrame(forward::FrameType::kBatch, std::string(2000, 'x')),
       "BATCH frame of 2000 bytes exceeds the maximum frame size 1024"},
      {forward::EncodeFrame(forward::FrameType::kBatch, forward::EncodeBatch(1, {}) + "z"),
       "1 trailing bytes after the BATCH"},
  };
  for (const auto& c : cases) {
    RawClient client(port_);
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.Send(HelloFrame()));
    auto hello = client.ReadFrame();
    ASSERT_TRUE(hello.ok()) << hello.status().ToString();
    EXPECT_EQ(hello->type, forward::FrameType::kHello);
    EXPECT_EQ(hello->hello.max_frame_size, 1024u);
    ASSERT_TRUE(client.Send(c.bytes));
    auto error = client.ReadFrame();
    ASSERT_TRUE(error.ok()) << c.reason << ": " << error.status().ToString();
    EXPECT_EQ(error->type, forward::FrameType::kError);
    EXPECT_NE(error->error.find(c.reason), std::string::npos) << error->error;
    EXPECT_TRUE(client.Closed());
  }
  // Only HELLO may come first.
  RawClient client(port_);
  ASSERT_TRUE(client.Send(forward::EncodeFrame(forward::FrameType::kPing, "")));
  auto error = client.ReadFrame();
  ASSERT_TRUE(error.ok());
  EXPECT_EQ(error->error, "expected HELLO as the first frame, got PING");
  EXPECT_TRUE(harness_.Drain().empty());
}

TEST_F(ForwardSourceTest, PingIsAnsweredAndAnIdleConnectionIsClosed) {
  StartSource(", idleTimeout: 300ms");
  RawClient client(port_);
  ASSERT_TRUE(client.Send(HelloFrame()));
  ASSERT_TRUE(client.ReadFrame().ok());
  ASSERT_TRUE(client.Send(forward::EncodeFrame(forward::FrameType::kPing, "")));
  auto pong = client.ReadFrame();
  ASSERT_TRUE(pong.ok());
  EXPECT_EQ(pong->type, forward::FrameType::kPong);
  EXPECT_TRUE(client.Closed());
  EXPECT_TRUE(testing::WaitFor([&] { return harness_.metrics().open_connections->Value() == 0; }));
}

TEST_F(ForwardSourceTest, NoAnswerWithinTheTimeoutIsAConnectionFailure) {
  // A listener that accepts and never answers.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  auto sink = MakeSink(", connectTimeout: 300ms", ntohs(addr.sin_port));
  const auto start = std::chrono::steady_clock::now();
  Status s = sink->Deliver(Numbered(1));
  EXPECT_EQ(s.code(), Status::Code::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("within connectTimeout"), std::string::npos) << s.ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  ::close(fd);

  // Nobody listening at all.
  auto nobody = MakeSink(", connectTimeout: 300ms", testing::FreePort());
  Status refused = nobody->Deliver(Numbered(1));
  EXPECT_EQ(refused.code(), Status::Code::kUnavailable);
  EXPECT_NE(refused.message().find("cannot connect to 127.0.0.1:"), std::string::npos)
      << refused.ToString();
}

TEST_F(ForwardSourceTest, SinkReconnectsAfterTheReceiverRestarts) {
  StartSource();
  auto sink = MakeSink();
  ASSERT_TRUE(sink->Deliver(Numbered(3)).ok());
  harness_.StopSource();
  StartSource();  // same port, same channel
  Status s = sink->Deliver(Numbered(4));
  ASSERT_TRUE(s.ok()) << s.ToString();  // the dead connection is replaced at once
  EXPECT_EQ(harness_.Drain().size(), 7u);
}

}  // namespace
}  // namespace acequia::sidecar
