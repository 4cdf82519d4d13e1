#include "sidecar/sources/forward_codec.h"

#include "sidecar/channels/file_channel_format.h"

namespace acequia::sidecar::forward {
namespace {

void Put8(std::string& out, uint8_t v) { out.push_back(static_cast<char>(v)); }
void Put16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}
void Put32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}
void Put64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}
void PutString32(std::string& out, std::string_view s) {
  Put32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}
void PutString16(std::string& out, std::string_view s) {
  s = s.substr(0, 0xffff);
  Put16(out, static_cast<uint16_t>(s.size()));
  out.append(s);
}

// Reads a payload front to back; every read checks what is left, and the first failure sticks.
class PayloadReader {
 public:
  PayloadReader(std::string_view data, std::string_view what) : data_(data), what_(what) {}

  bool ok() const { return error_.empty(); }
  size_t left() const { return data_.size() - pos_; }

  uint64_t Fixed(size_t bytes, std::string_view field) {
    if (!Need(bytes, field)) return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(data_[pos_ + i]);
    pos_ += bytes;
    return v;
  }
  std::string_view Bytes(size_t n, std::string_view field) {
    if (!Need(n, field)) return {};
    std::string_view v = data_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  std::string_view String32(std::string_view field) {
    const auto n = static_cast<size_t>(Fixed(4, field));
    return ok() ? Bytes(n, field) : std::string_view{};
  }
  std::string_view String16(std::string_view field) {
    const auto n = static_cast<size_t>(Fixed(2, field));
    return ok() ? Bytes(n, field) : std::string_view{};
  }
  void Fail(std::string message) {
    if (ok()) error_ = std::move(message);
  }
  // The final verdict: the first error, or trailing bytes.
  Status Finish() {
    if (ok() && left() != 0) {
      Fail(std::to_string(left()) + " trailing bytes after the " + std::string(what_));
    }
    return ok() ? Status::Ok() : Status::InvalidArgument(error_);
  }

 private:
  bool Need(size_t n, std::string_view field) {
    if (!ok()) return false;
    if (n > left()) {
      Fail("truncated " + std::string(what_) + ": " + std::string(field) + " needs " +
           std::to_string(n) + " bytes, " + std::to_string(left()) + " left");
      return false;
    }
    return true;
  }

  std::string_view data_;
  std::string_view what_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace

std::string_view FrameTypeName(FrameType type) {
  switch (type) {
    case FrameType::kHello:
      return "HELLO";
    case FrameType::kBatch:
      return "BATCH";
    case FrameType::kAck:
      return "ACK";
    case FrameType::kPing:
      return "PING";
    case FrameType::kPong:
      return "PONG";
    case FrameType::kError:
      return "ERROR";
  }
  return "?";
}

std::string EncodeFrame(FrameType type, std::string_view payload) {
  std::string out;
  out.reserve(kFrameHeaderSize + payload.size());
  out.append(kMagic);
  Put8(out, kFrameVersion);
  Put8(out, static_cast<uint8_t>(type));
  Put16(out, 0);
  Put32(out, static_cast<uint32_t>(payload.size()));
  Put32(out, file_channel::Crc32c(payload.data(), payload.size()));
  out.append(payload);
  return out;
}

Result<FrameHeader> DecodeFrameHeader(std::string_view bytes, uint32_t max_payload) {
  if (bytes.size() < kFrameHeaderSize) {
    return Status::InvalidArgument("truncated frame header: " + std::to_string(bytes.size()) +
                                   " of " + std::to_string(kFrameHeaderSize) + " bytes");
  }
  if (bytes.substr(0, 4) != kMagic) {
    return Status::InvalidArgument(
        "bad frame magic (not a forward protocol peer, or TLS on one side only)");
  }
  PayloadReader r(bytes.substr(4, kFrameHeaderSize - 4), "frame header");
  const auto version = static_cast<uint8_t>(r.Fixed(1, "version"));
  const auto type = static_cast<uint8_t>(r.Fixed(1, "type"));
  const auto flags = static_cast<uint16_t>(r.Fixed(2, "flags"));
  FrameHeader header;
  header.length = static_cast<uint32_t>(r.Fixed(4, "length"));
  header.crc = static_cast<uint32_t>(r.Fixed(4, "crc"));
  if (version != kFrameVersion) {
    return Status::InvalidArgument("unsupported frame version " + std::to_string(version) +
                                   " (this agent speaks " + std::to_string(kFrameVersion) + ")");
  }
  if (type < static_cast<uint8_t>(FrameType::kHello) ||
      type > static_cast<uint8_t>(FrameType::kError)) {
    return Status::InvalidArgument("unknown frame type " + std::to_string(type));
  }
  if (flags != 0) {
    return Status::InvalidArgument("unsupported frame flags " + std::to_string(flags));
  }
  header.type = static_cast<FrameType>(type);
  if (header.length > max_payload) {
    return Status::InvalidArgument(
        std::string(FrameTypeName(header.type)) + " frame of " + std::to_string(header.length) +
        " bytes exceeds the maximum frame size " + std::to_string(max_payload));
  }
  return header;
}

Status CheckPayload(const FrameHeader& header, std::string_view payload) {
  if (payload.size() != header.length) {
    return Status::InvalidArgument("truncated " + std::string(FrameTypeName(header.type)) +
                                   " frame: " + std::to_string(payload.size()) + " of " +
                                   std::to_string(header.length) + " payload bytes");
  }
  if (file_channel::Crc32c(payload.data(), payload.size()) != header.crc) {
    return Status::InvalidArgument("CRC mismatch in a " + std::string(FrameTypeName(header.type)) +
                                   " frame of " + std::to_string(header.length) +
                                   " bytes (corrupted in transit)");
  }
  return Status::Ok();
}

std::string EncodeHello(const Hello& hello) {
  std::string out;
  Put16(out, hello.version);
  Put32(out, hello.max_frame_size);
  Put32(out, hello.max_batch_events);
  PutString16(out, hello.agent);
  return out;
}

Result<Hello> DecodeHello(std::string_view payload) {
  PayloadReader r(payload, "HELLO");
  Hello hello;
  hello.version = static_cast<uint16_t>(r.Fixed(2, "version"));
  hello.max_frame_size = static_cast<uint32_t>(r.Fixed(4, "max frame size"));
  hello.max_batch_events = static_cast<uint32_t>(r.Fixed(4, "max batch events"));
  hello.agent = std::string(r.String16("agent name"));
  if (r.ok() && hello.version == 0) r.Fail("HELLO with protocol version 0");
  if (Status s = r.Finish(); !s.ok()) return s;
  return hello;
}

size_t EncodedEventSize(const Event& event) {
  size_t size = kMinEncodedEventSize + event.body.size();
  for (const auto& [key, value] : event.headers) size += 8 + key.size() + value.size();
  return size;
}

std::string EncodeBatch(uint64_t id, std::span<const Event> events) {
  size_t size = kBatchPrefixSize;
  for (const auto& e : events) size += EncodedEventSize(e);
  std::string out;
  out.reserve(size);
  Put64(out, id);
  Put32(out, static_cast<uint32_t>(events.size()));
  for (const auto& e : events) {
    Put32(out, static_cast<uint32_t>(e.headers.size()));
    for (const auto& [key, value] : e.headers) {
      PutString32(out, key);
      PutString32(out, value);
    }
    PutString32(out, e.body);
  }
  return out;
}

Result<Batch> DecodeBatch(std::string_view payload) {
  PayloadReader r(payload, "BATCH");
  Batch batch;
  batch.id = r.Fixed(8, "batch id");
  const auto count = static_cast<size_t>(r.Fixed(4, "event count"));
  // Each event takes at least kMinEncodedEventSize bytes: a count the payload cannot hold is
  // refused before anything is allocated for it.
  if (r.ok() && count > r.left() / kMinEncodedEventSize) {
    r.Fail("BATCH claims " + std::to_string(count) + " events but holds only " +
           std::to_string(r.left()) + " bytes");
  }
  if (r.ok()) batch.events.reserve(count);
  for (size_t i = 0; i < count && r.ok(); ++i) {
    Event event;
    const auto headers = static_cast<size_t>(r.Fixed(4, "header count"));
    if (r.ok() && headers > r.left() / 8) {
      r.Fail("event " + std::to_string(i) + " claims " + std::to_string(headers) +
             " headers but the BATCH holds only " + std::to_string(r.left()) + " more bytes");
    }
    for (size_t h = 0; h < headers && r.ok(); ++h) {
      std::string_view key = r.String32("header key");
      std::string_view value = r.String32("header value");
      if (r.ok()) event.headers.Set(key, std::string(value));
    }
    event.body = std::string(r.String32("event body"));
    if (r.ok()) batch.events.push_back(std::move(event));
  }
  if (Status s = r.Finish(); !s.ok()) return s;
  return batch;
}

std::string EncodeAck(const Ack& ack) {
  std::string out;
  Put64(out, ack.batch_id);
  Put8(out, static_cast<uint8_t>(ack.result));
  PutString16(out, ack.reason);
  return out;
}

Result<Ack> DecodeAck(std::string_view payload) {
  PayloadReader r(payload, "ACK");
  Ack ack;
  ack.batch_id = r.Fixed(8, "batch id");
  const auto result = static_cast<uint8_t>(r.Fixed(1, "result"));
  ack.reason = std::string(r.String16("reason"));
  if (r.ok() && result > static_cast<uint8_t>(AckResult::kRejected)) {
    r.Fail("unknown ACK result " + std::to_string(result));
  }
  ack.result = static_cast<AckResult>(result);
  if (Status s = r.Finish(); !s.ok()) return s;
  return ack;
}

std::string EncodeError(std::string_view reason) {
  std::string out;
  PutString16(out, reason);
  return out;
}

Result<std::string> DecodeError(std::string_view payload) {
  PayloadReader r(payload, "ERROR");
  std::string reason(r.String16("reason"));
  if (Status s = r.Finish(); !s.ok()) return s;
  return reason;
}

Result<Frame> DecodeFrame(std::string_view bytes, uint32_t max_payload, size_t* consumed) {
  auto header = DecodeFrameHeader(bytes, max_payload);
  if (!header.ok()) return header.status();
  const std::string_view payload = bytes.substr(
      kFrameHeaderSize, std::min<size_t>(header->length, bytes.size() - kFrameHeaderSize));
  if (Status s = CheckPayload(*header, payload); !s.ok()) return s;
  Frame frame;
  frame.type = header->type;
  switch (header->type) {
    case FrameType::kHello: {
      auto hello = DecodeHello(payload);
      if (!hello.ok()) return hello.status();
      frame.hello = std::move(hello).value();
      break;
    }
    case FrameType::kBatch: {
      auto batch = DecodeBatch(payload);
      if (!batch.ok()) return batch.status();
      frame.batch = std::move(batch).value();
      break;
    }
    case FrameType::kAck: {
      auto ack = DecodeAck(payload);
      if (!ack.ok()) return ack.status();
      frame.ack = std::move(ack).value();
      break;
    }
    case FrameType::kError: {
      auto error = DecodeError(payload);
      if (!error.ok()) return error.status();
      frame.error = std::move(error).value();
      break;
    }
    case FrameType::kPing:
    case FrameType::kPong:
      if (!payload.empty()) {
        return Status::InvalidArgument(std::string(FrameTypeName(header->type)) +
                                       " frame with a payload of " +
                                       std::to_string(payload.size()) + " bytes");
      }
      break;
  }
  if (consumed != nullptr) *consumed = kFrameHeaderSize + header->length;
  return frame;
}

}  // namespace acequia::sidecar::forward
