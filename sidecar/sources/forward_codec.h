// The wire format of the forward protocol (agent-to-agent fan-in; docs/forward-protocol.md tells
// the same story for users). Pure encode/decode, no I/O: the forward source and sink do the
// sockets. Every integer is big-endian (network order).
//
// Frame = header (16 bytes) + payload:
//   magic "AQFW" (4) | version (1) = 1 | type (1) | flags (2) = 0 | payload length (4) |
//   CRC32C of the payload (4)
// A frame whose magic, version, type or flags are unknown, whose length exceeds the receiver's
// maximum, or whose payload fails the CRC is malformed: the receiver answers ERROR and closes
// the connection (it cannot find the next frame boundary with any confidence).
//
// Payloads:
//   HELLO  protocol version (2) | max frame payload (4) | max events per batch (4) |
//          agent name length (2) | agent name
//          The client sends one first; the server answers with its own, whose limits bind the
//          client's batches. The version spoken is the lower of the two.
//   BATCH  batch id (8) | event count (4) | events, each:
//          header count (4) | per header: key length (4), key, value length (4), value |
//          body length (4) | body
//   ACK    batch id (8) | result (1): 0 committed, 1 retry later (channel full), 2 rejected |
//          reason length (2) | reason (UTF-8, empty when committed)
//   PING   empty (the server answers PONG, empty)
//   ERROR  reason length (2) | reason; the sender closes the connection after it.
// Decoders check every length against what is left of the payload and reject trailing bytes,
// so no input makes them read out of bounds or allocate more than the payload's size.
// Threading: the functions here are pure; call them from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sidecar/core/event.h"

namespace acequia::sidecar::forward {

enum class FrameType : uint8_t {
  kHello = 1,
  kBatch = 2,
  kAck = 3,
  kPing = 4,
  kPong = 5,
  kError = 6,
};

enum class AckResult : uint8_t { kCommitted = 0, kRetryLater = 1, kRejected = 2 };

inline constexpr std::string_view kMagic = "AQFW";
inline constexpr uint8_t kFrameVersion = 1;
inline constexpr uint16_t kProtocolVersion = 1;
inline constexpr size_t kFrameHeaderSize = 16;
// The largest maxFrameSize either side may configure.
inline constexpr uint32_t kMaxFrameLimit = 1u << 30;
inline constexpr size_t kBatchPrefixSize = 12;     // batch id + event count
inline constexpr size_t kMinEncodedEventSize = 8;  // header count + body length

std::string_view FrameTypeName(FrameType type);

struct FrameHeader {
  FrameType type = FrameType::kPing;
  uint32_t length = 0;
  uint32_t crc = 0;
};

struct Hello {
  uint16_t version = kProtocolVersion;
  uint32_t max_frame_size = 0;
  uint32_t max_batch_events = 0;
  std::string agent;
  bool operator==(const Hello&) const = default;
};

struct Batch {
  uint64_t id = 0;
  std::vector<Event> events;
};

struct Ack {
  uint64_t batch_id = 0;
  AckResult result = AckResult::kCommitted;
  std::string reason;
  bool operator==(const Ack&) const = default;
};

// A whole frame: header and payload.
std::string EncodeFrame(FrameType type, std::string_view payload);
// Decodes the first kFrameHeaderSize bytes of `bytes`. InvalidArgument names what is wrong:
// bad magic, unsupported version, unknown type, non-zero flags, or a length over `max_payload`.
Result<FrameHeader> DecodeFrameHeader(std::string_view bytes, uint32_t max_payload);
// InvalidArgument when `payload` does not match the header's length and CRC.
Status CheckPayload(const FrameHeader& header, std::string_view payload);

std::string EncodeHello(const Hello& hello);
Result<Hello> DecodeHello(std::string_view payload);

// The encoded size of one event inside a BATCH payload.
size_t EncodedEventSize(const Event& event);
std::string EncodeBatch(uint64_t id, std::span<const Event> events);
Result<Batch> DecodeBatch(std::string_view payload);

std::string EncodeAck(const Ack& ack);
Result<Ack> DecodeAck(std::string_view payload);

std::string EncodeError(std::string_view reason);
Result<std::string> DecodeError(std::string_view payload);

// Decodes one complete frame at the start of `bytes` (header, CRC, and the payload of its type),
// for tests and fuzzing. `consumed` receives the frame's total size. A frame that is cut short
// is InvalidArgument "truncated …".
struct Frame {
  FrameType type = FrameType::kPing;
  Hello hello;
  Batch batch;
  Ack ack;
  std::string error;
};
Result<Frame> DecodeFrame(std::string_view bytes, uint32_t max_payload, size_t* consumed);

}  // namespace acequia::sidecar::forward
