// The forward protocol's codec: round trips, and every kind of malformed input is refused with
// a message that says what is wrong (never a crash, never an allocation the input cannot back).
#include "sidecar/sources/forward_codec.h"

#include <gtest/gtest.h>

#include <random>

namespace acequia::sidecar::forward {
namespace {

Event MakeEvent(std::string body, std::vector<std::pair<std::string, std::string>> headers = {}) {
  Event e;
  for (auto& [k, v] : headers) e.headers.Set(k, v);
  e.body = std::move(body);
  return e;
}

std::string BatchFrame(uint64_t id, const std::vector<Event>& events) {
  return EncodeFrame(FrameType::kBatch, EncodeBatch(id, events));
}

testing::AssertionResult FailsWith(const Result<Frame>& r, const std::string& fragment) {
  if (r.ok()) return testing::AssertionFailure() << "decoded fine";
  if (r.status().code() != Status::Code::kInvalidArgument) {
    return testing::AssertionFailure() << "wrong code: " << r.status().ToString();
  }
  if (r.status().message().find(fragment) == std::string::npos) {
    return testing::AssertionFailure()
           << "message \"" << r.status().message() << "\" lacks \"" << fragment << "\"";
  }
  return testing::AssertionSuccess();
}

TEST(ForwardCodecTest, BatchRoundTripKeepsHeadersAndBinaryBodies) {
  std::vector<Event> events = {
      MakeEvent("plain"),
      MakeEvent(std::string("\0\xff\n binary", 10), {{"host", "a"}, {"timestamp", "17"}}),
      MakeEvent("", {{"", ""}}),
  };
  const std::string frame = BatchFrame(0x0102030405060708ull, events);
  size_t consumed = 0;
  auto decoded = DecodeFrame(frame + "next frame", 1 << 20, &consumed);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(consumed, frame.size());
  EXPECT_EQ(decoded->type, FrameType::kBatch);
  EXPECT_EQ(decoded->batch.id, 0x0102030405060708ull);
  EXPECT_EQ(decoded->batch.events, events);
  size_t expected = kFrameHeaderSize + kBatchPrefixSize;
  for (const auto& e : events) expected += EncodedEventSize(e);
  EXPECT_EQ(frame.size(), expected);
}

TEST(ForwardCodecTest, HeaderLayoutIsBigEndianWithMagicVersionTypeLengthCrc) {
  const std::string frame = EncodeFrame(FrameType::kPing, "");
  ASSERT_EQ(frame.size(), kFrameHeaderSize);
  EXPECT_EQ(frame.substr(0, 4), "AQFW");
  EXPECT_EQ(frame[4], 1);
  EXPECT_EQ(frame[5], static_cast<char>(FrameType::kPing));
  EXPECT_EQ(frame.substr(6, 6), std::string(6, '\0'));  // flags, length
  // CRC32C of nothing is 0.
  EXPECT_EQ(frame.substr(12, 4), std::string(4, '\0'));
  const std::string ack = EncodeFrame(FrameType::kAck, EncodeAck({7, AckResult::kCommitted, ""}));
  EXPECT_EQ(ack.substr(8, 4), std::string("\0\0\0\x0b", 4));  // 8 + 1 + 2 bytes
}

TEST(ForwardCodecTest, HelloAckErrorRoundTrip) {
  Hello hello{1, 16 << 20, 1000, "sidecar-7"};
  auto h = DecodeFrame(EncodeFrame(FrameType::kHello, EncodeHello(hello)), 1 << 20, nullptr);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->hello, hello);

  for (auto result : {AckResult::kCommitted, AckResult::kRetryLater, AckResult::kRejected}) {
    Ack ack{42, result, result == AckResult::kCommitted ? "" : "channel full"};
    auto a = DecodeFrame(EncodeFrame(FrameType::kAck, EncodeAck(ack)), 1 << 20, nullptr);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    EXPECT_EQ(a->ack, ack);
  }
  auto e = DecodeFrame(EncodeFrame(FrameType::kError, EncodeError("bad CRC")), 1 << 20, nullptr);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->error, "bad CRC");
  auto pong = DecodeFrame(EncodeFrame(FrameType::kPong, ""), 1 << 20, nullptr);
  ASSERT_TRUE(pong.ok());
  EXPECT_EQ(pong->type, FrameType::kPong);
}

TEST(ForwardCodecTest, RefusesAFrameLongerThanTheLimitFromItsHeaderAlone) {
  const std::string frame = BatchFrame(1, {MakeEvent(std::string(1000, 'x'))});
  // Only the header is needed to refuse it: nothing of the payload is read or allocated.
  auto header = DecodeFrameHeader(frame.substr(0, kFrameHeaderSize), 100);
  ASSERT_FALSE(header.ok());
  EXPECT_EQ(header.status().message(),
            "BATCH frame of 1020 bytes exceeds the maximum frame size 100");
}

TEST(ForwardCodecTest, RefusesABadCrc) {
  std::string frame = BatchFrame(1, {MakeEvent("hello")});
  frame.back() ^= 0x01;
  EXPECT_TRUE(FailsWith(DecodeFrame(frame, 1 << 20, nullptr), "CRC mismatch in a BATCH frame"));
}

TEST(ForwardCodecTest, RefusesTruncatedFramesAtEveryLength) {
  const std::string frame = BatchFrame(9, {MakeEvent("abc", {{"k", "v"}}), MakeEvent("de")});
  for (size_t n = 0; n < frame.size(); ++n) {
    auto r = DecodeFrame(frame.substr(0, n), 1 << 20, nullptr);
    EXPECT_TRUE(FailsWith(r, "truncated")) << "at " << n << " bytes";
  }
}

TEST(ForwardCodecTest, RefusesBadMagicVersionTypeAndFlags) {
  const std::string good = EncodeFrame(FrameType::kPing, "");
  auto with = [&](size_t at, char byte) {
    std::string f = good;
    f[at] = byte;
    return DecodeFrame(f, 1 << 20, nullptr);
  };
  EXPECT_TRUE(FailsWith(with(0, 'X'), "bad frame magic"));
  EXPECT_TRUE(FailsWith(with(0, 0x16), "TLS on one side only"));  // a TLS ClientHello
  EXPECT_TRUE(FailsWith(with(4, 2), "unsupported frame version 2"));
  EXPECT_TRUE(FailsWith(with(5, 0), "unknown frame type 0"));
  EXPECT_TRUE(FailsWith(with(5, 7), "unknown frame type 7"));
  EXPECT_TRUE(FailsWith(with(7, 1), "unsupported frame flags 1"));
}

TEST(ForwardCodecTest, RefusesInconsistentBatchPayloads) {
  // An event count the payload cannot hold is refused before any allocation.
  std::string payload = EncodeBatch(1, {});
  payload[11] = '\xff';
  payload[10] = '\xff';
  payload[9] = '\xff';
  payload[8] = '\x7f';
  EXPECT_TRUE(FailsWith(DecodeFrame(EncodeFrame(FrameType::kBatch, payload), 1 << 20, nullptr),
                        "BATCH claims 2147483647 events but holds only 0 bytes"));
  // A body length past the end.
  std::string one = EncodeBatch(1, std::vector<Event>{MakeEvent("abcd")});
  one[one.size() - 5] = 5;  // body length 4 -> 5
  EXPECT_TRUE(FailsWith(DecodeFrame(EncodeFrame(FrameType::kBatch, one), 1 << 20, nullptr),
                        "truncated BATCH: event body needs 5 bytes, 4 left"));
  // Trailing bytes after the last event.
  EXPECT_TRUE(FailsWith(
      DecodeFrame(EncodeFrame(FrameType::kBatch, EncodeBatch(1, {}) + "zz"), 1 << 20, nullptr),
      "2 trailing bytes after the BATCH"));
  // A header count the payload cannot hold.
  std::string headers = EncodeBatch(1, std::vector<Event>{MakeEvent("")});
  headers[12] = '\x10';
  EXPECT_TRUE(FailsWith(DecodeFrame(EncodeFrame(FrameType::kBatch, headers), 1 << 20, nullptr),
                        "event 0 claims 268435456 headers"));
}

TEST(ForwardCodecTest, RefusesBadAckHelloAndPingPayloads) {
  std::string ack = EncodeAck({1, AckResult::kCommitted, ""});
  ack[8] = 3;
  EXPECT_TRUE(FailsWith(DecodeFrame(EncodeFrame(FrameType::kAck, ack), 1 << 20, nullptr),
                        "unknown ACK result 3"));
  std::string hello = EncodeHello({0, 1, 1, "x"});
  EXPECT_TRUE(FailsWith(DecodeFrame(EncodeFrame(FrameType::kHello, hello), 1 << 20, nullptr),
                        "HELLO with protocol version 0"));
  EXPECT_TRUE(FailsWith(DecodeFrame(EncodeFrame(FrameType::kPing, "x"), 1 << 20, nullptr),
                        "PING frame with a payload of 1 bytes"));
  EXPECT_TRUE(FailsWith(DecodeFrame(EncodeFrame(FrameType::kError, "\x00"), 1 << 20, nullptr),
                        "truncated ERROR"));
}

// A cheap stand-in for the fuzzer in every `make test`: random mutations of valid frames
// (with the CRC recomputed, so the payload decoders are reached) must decode or fail cleanly.
TEST(ForwardCodecTest, RandomMutationsNeverCrash) {
  std::mt19937 random(8);
  const std::vector<std::string> payloads = {
      EncodeBatch(3, std::vector<Event>{MakeEvent("abc", {{"k", "v"}}), MakeEvent("")}),
      EncodeHello({1, 100, 10, "agent"}),
      EncodeAck({3, AckResult::kRejected, "why"}),
      EncodeError("oops"),
  };
  const FrameType types[] = {FrameType::kBatch, FrameType::kHello, FrameType::kAck,
                             FrameType::kError};
  size_t decoded = 0;
  for (int round = 0; round < 20000; ++round) {
    const size_t which = random() % payloads.size();
    std::string payload = payloads[which];
    const int mutations = 1 + static_cast<int>(random() % 4);
    for (int m = 0; m < mutations && !payload.empty(); ++m) {
      switch (random() % 3) {
        case 0:
          payload[random() % payload.size()] = static_cast<char>(random());
          break;
        case 1:
          payload.resize(random() % payload.size());
          break;
        default:
          payload.insert(random() % (payload.size() + 1), 1, static_cast<char>(random()));
      }
    }
    auto r = DecodeFrame(EncodeFrame(types[which], payload), 1 << 20, nullptr);
    if (r.ok()) ++decoded;
  }
  EXPECT_GT(decoded, 0u);
}

}  // namespace
}  // namespace acequia::sidecar::forward
