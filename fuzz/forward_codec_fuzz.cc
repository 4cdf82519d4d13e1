// libFuzzer target for the forward protocol's codec (sidecar/sources/forward_codec.h): no input
// may crash a decoder or make it read out of bounds (AddressSanitizer), a decoded frame never
// claims more than the limit or more bytes than it was given, and whatever decodes re-encodes to
// something that decodes to the same value. A broken property aborts.
// Threading: libFuzzer calls the entry point from one thread.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sidecar/sources/forward_codec.h"

namespace {

namespace forward = acequia::sidecar::forward;

constexpr uint32_t kLimit = 1 << 16;

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // Whole frames, as a connection would read them.
  size_t consumed = 0;
  auto frame = forward::DecodeFrame(input, kLimit, &consumed);
  if (frame.ok()) {
    Check(consumed >= forward::kFrameHeaderSize && consumed <= size);
    Check(consumed - forward::kFrameHeaderSize <= kLimit);
  }

  // Each payload decoder on the raw bytes (no CRC in the way), and the round trip.
  if (auto batch = forward::DecodeBatch(input); batch.ok()) {
    auto again = forward::DecodeBatch(forward::EncodeBatch(batch->id, batch->events));
    Check(again.ok() && again->id == batch->id && again->events == batch->events);
  }
  if (auto hello = forward::DecodeHello(input); hello.ok()) {
    auto again = forward::DecodeHello(forward::EncodeHello(*hello));
    Check(again.ok() && *again == *hello);
  }
  if (auto ack = forward::DecodeAck(input); ack.ok()) {
    auto again = forward::DecodeAck(forward::EncodeAck(*ack));
    Check(again.ok() && *again == *ack);
  }
  if (auto error = forward::DecodeError(input); error.ok()) {
    auto again = forward::DecodeError(forward::EncodeError(*error));
    Check(again.ok() && *again == *error);
  }
  // A frame made around the input always passes the header and CRC checks.
  const std::string wrapped = forward::EncodeFrame(forward::FrameType::kBatch, input);
  auto header = forward::DecodeFrameHeader(wrapped, kLimit);
  Check(size > kLimit ? !header.ok() : header.ok());
  if (header.ok()) Check(forward::CheckPayload(*header, input).ok());
  return 0;
}
