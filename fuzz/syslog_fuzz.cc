// libFuzzer target for the syslog sources' pure parts: SyslogFrameDecoder must cut any byte
// stream the same way however it is split across reads, never emit more bytes than it was given
// nor a frame longer than max_frame; SyslogParser must turn any message into an event, keeping
// the raw text as body whenever it reports the message invalid. A broken property aborts.
// Threading: libFuzzer calls the entry point from one thread.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "sidecar/sources/syslog_frame_decoder.h"
#include "sidecar/sources/syslog_parser.h"

namespace {

using acequia::sidecar::Event;
using acequia::sidecar::SyslogFrameDecoder;
using acequia::sidecar::SyslogKeepFields;
using acequia::sidecar::SyslogParser;

struct Frame {
  std::string data;
  SyslogFrameDecoder::Kind kind;
  bool operator==(const Frame&) const = default;
};

// Decodes `stream` delivered in pieces cut at `cuts` (ascending), as a connection reads it.
std::vector<Frame> Decode(std::string_view stream, const std::vector<size_t>& cuts, size_t max) {
  SyslogFrameDecoder decoder(max);
  std::vector<Frame> out;
  size_t emitted = 0;
  auto emit = [&](const SyslogFrameDecoder::Frame& f) {
    if (f.data.size() > max) std::abort();
    emitted += f.data.size();
    out.push_back({std::string(f.data), f.kind});
  };
  std::string buffer;
  size_t from = 0;
  for (size_t cut : cuts) {
    buffer.append(stream.substr(from, cut - from));
    from = cut;
    buffer.erase(0, decoder.Decode(buffer, emit));
    if (buffer.size() > max + SyslogFrameDecoder::kHeaderRoom) std::abort();
  }
  buffer.append(stream.substr(from));
  buffer.erase(0, decoder.Decode(buffer, emit));
  decoder.Finish(buffer, emit);
  if (emitted > stream.size()) std::abort();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t max = 8 + data[0] % 120;  // small frames make the part logic run often
  const uint8_t keep_bits = data[1];
  const std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);

  // Framing: whole, cut in two at a data-chosen place, and in pieces of 1 to 7 bytes.
  const auto whole = Decode(input, {}, max);
  if (!input.empty()) {
    const size_t cut = (static_cast<size_t>(data[0]) * 131 + data[1]) % input.size();
    if (Decode(input, {cut}, max) != whole) std::abort();
  }
  std::vector<size_t> pieces;
  for (size_t at = 1 + keep_bits % 7; at < input.size(); at += 1 + (at * 7 + keep_bits) % 7) {
    pieces.push_back(at);
  }
  if (Decode(input, pieces, max) != whole) std::abort();

  // Parsing: every frame and the whole input, with keepFields chosen by the second byte.
  SyslogKeepFields keep;
  keep.all = keep_bits & 1;
  keep.priority = keep_bits & 2;
  keep.version = keep_bits & 4;
  keep.timestamp = keep_bits & 8;
  keep.hostname = keep_bits & 16;
  SyslogParser parser(SyslogParser::Options{keep, (keep_bits & 32) != 0});
  const int64_t now = 1'700'000'000'000 + static_cast<int64_t>(keep_bits) * 86'400'000 * 30;
  auto check = [&](std::string_view message) {
    Event event;
    const bool ok = parser.Parse(message, now, event);
    if (!ok && event.body != message) std::abort();
    if (!ok && !event.headers.Has("flume.syslog.status")) std::abort();
    if (ok && event.body.size() > message.size()) std::abort();
  };
  for (const auto& frame : whole) check(frame.data);
  check(input);
  return 0;
}
