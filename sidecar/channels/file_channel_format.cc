#include "sidecar/channels/file_channel_format.h"

#include <array>
#include <charconv>
#include <cstdio>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace acequia::sidecar::file_channel {
namespace {

// Reflected Castagnoli polynomial.
constexpr uint32_t kPoly = 0x82f63b78u;

constexpr std::array<uint32_t, 256> MakeTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t crc = i;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ ((crc & 1) ? kPoly : 0);
    table[i] = crc;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kTable = MakeTable();

uint32_t Crc32cPortable(uint32_t crc, const char* data, size_t n) {
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) crc = kTable[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t Crc32cHardware(uint32_t crc, const char* data,
                                                          size_t n) {
  uint64_t c = crc;
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, data, 8);
    c = _mm_crc32_u64(c, word);
    data += 8;
    n -= 8;
  }
  auto c32 = static_cast<uint32_t>(c);
  while (n > 0) {
    c32 = _mm_crc32_u8(c32, static_cast<unsigned char>(*data));
    ++data;
    --n;
  }
  return c32;
}
const bool kHaveSse42 = __builtin_cpu_supports("sse4.2");
#endif

}  // namespace

uint32_t Crc32c(uint32_t init, const char* data, size_t n) {
  const uint32_t crc = ~init;
#if defined(__x86_64__)
  if (kHaveSse42) return ~Crc32cHardware(crc, data, n);
#endif
  return ~Crc32cPortable(crc, data, n);
}

void PutPointer(std::string& out, const EventPointer& p) {
  PutFixed32(out, p.segment);
  PutFixed64(out, p.offset);
  PutFixed32(out, p.size);
}

EventPointer DecodePointer(const char* p) {
  return {DecodeFixed32(p), DecodeFixed64(p + 4), DecodeFixed32(p + 12)};
}

namespace {

// Fills in the CRC and length of the record whose header starts at out[start].
void SealRecord(std::string& out, size_t start) {
  const auto length = static_cast<uint32_t>(out.size() - start - kRecordHeaderSize);
  std::memcpy(out.data() + start + 4, &length, 4);
  const uint32_t crc = Crc32c(out.data() + start + 4, out.size() - start - 4);
  const uint32_t masked = MaskCrc(crc);
  std::memcpy(out.data() + start, &masked, 4);
}

void StartRecord(std::string& out, RecordType type) {
  out.append(8, '\0');
  out.push_back(static_cast<char>(type));
}

}  // namespace

void AppendRecord(std::string& out, RecordType type, std::string_view payload) {
  const size_t start = out.size();
  StartRecord(out, type);
  out.append(payload);
  SealRecord(out, start);
}

void AppendEventRecord(std::string& out, const Event& event) {
  const size_t start = out.size();
  StartRecord(out, RecordType::kEvent);
  PutFixed32(out, static_cast<uint32_t>(event.headers.size()));
  for (const auto& [key, value] : event.headers) {
    PutFixed32(out, static_cast<uint32_t>(key.size()));
    out.append(key);
    PutFixed32(out, static_cast<uint32_t>(value.size()));
    out.append(value);
  }
  out.append(event.body);
  SealRecord(out, start);
}

bool RecordChecks(const char* header, std::string_view payload) {
  const uint32_t expected = UnmaskCrc(DecodeFixed32(header));
  const uint32_t crc = Crc32c(Crc32c(header + 4, 5), payload.data(), payload.size());
  return crc == expected;
}

bool DecodeEvent(std::string_view payload, Event* event) {
  auto take_string = [&](std::string* out) {
    if (payload.size() < 4) return false;
    const uint32_t n = DecodeFixed32(payload.data());
    payload.remove_prefix(4);
    if (payload.size() < n) return false;
    out->assign(payload.data(), n);
    payload.remove_prefix(n);
    return true;
  };
  if (payload.size() < 4) return false;
  const uint32_t headers = DecodeFixed32(payload.data());
  payload.remove_prefix(4);
  if (headers > payload.size() / 8) return false;
  *event = Event{};
  for (uint32_t i = 0; i < headers; ++i) {
    std::string key, value;
    if (!take_string(&key) || !take_string(&value)) return false;
    event->headers.Set(key, std::move(value));
  }
  event->body.assign(payload.data(), payload.size());
  return true;
}

std::string SegmentFileName(uint32_t id) {
  char name[32];
  std::snprintf(name, sizeof(name), "log-%010u", id);
  return name;
}

bool ParseSegmentFileName(std::string_view name, uint32_t* id) {
  constexpr std::string_view kPrefix = "log-";
  if (name.size() != kPrefix.size() + 10 || name.substr(0, kPrefix.size()) != kPrefix) {
    return false;
  }
  const char* first = name.data() + kPrefix.size();
  const char* last = name.data() + name.size();
  auto [end, ec] = std::from_chars(first, last, *id);
  return ec == std::errc() && end == last;
}

}  // namespace acequia::sidecar::file_channel
