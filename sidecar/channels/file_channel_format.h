// The on-disk format of the file channel (docs/file-channel.md tells the same story for users).
// Every integer is little-endian.
//
// Directories
//   checkpointDir/in_use.lock     flock()ed by the running agent; holds its PID as text
//   checkpointDir/checkpoint      the last checkpoint (replaced atomically: write .tmp, rename)
//   dataDir/log-<id>              log segments, <id> a decimal number (zero-padded to 10 digits),
//   dataDir/in_use.lock           increasing; with several dataDirs segment <id> lives in
//                                 dataDirs[id % dataDirs.size()]
//
// Segment = file header, then records back to back. A segment is appended to only by the agent
// that created it; after a restart the agent starts a new segment (a torn tail is never
// written after).
//   file header (16 bytes): magic "ACQFCLOG" (8) | format version (4) = 1 | segment id (4)
//
// Record = header (9 bytes) + payload:
//   masked crc32c (4) | payload length (4) | type (1) | payload (length bytes)
//   The CRC32C covers the length, the type and the payload, and is masked as in LevelDB (so a
//   record whose payload holds CRCs still checks well). A record whose header or payload runs
//   past the end of the file, whose length exceeds kMaxRecordPayload, whose type is unknown or
//   whose CRC does not match is corrupt: a reader keeps the records before it and skips the
//   rest of the segment.
//
// Record types:
//   kEvent (1)  one event: header count (4), then per header key length (4), key, value
//               length (4), value; then the body (the rest of the payload). Written when a put
//               transaction is prepared; invisible until a kPuts record names it.
//   kPuts  (2)  a committed put transaction: count (4), then count event pointers. The events
//               join the tail of the queue in this order.
//   kTakes (3)  a committed take transaction: count (4), then count event pointers. The events
//               leave the queue for good.
//   An event pointer (16 bytes) is segment id (4) | offset of the kEvent record's header in
//   the segment (8) | the record's total size, header included (4). A rollback writes nothing:
//   a kEvent no kPuts names is garbage, and a take not named by a kTakes returns to the queue.
//
// Checkpoint file:
//   magic "ACQFCCKP" (8) | version (4) = 1 | log position: segment id (4), offset (8) |
//   event count (8) | count event pointers (16 each, head of the queue first) |
//   masked crc32c of everything before it (4)
//   The queue holds every event committed by the kPuts records before the log position, minus
//   those named by kTakes records before it (events taken by open transactions count as queued).
//   Start-up loads it and replays the log from the position: replay reads only kPuts/kTakes
//   payloads, never an event body.
//
// Threading: the functions here are pure; call them from any thread.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "sidecar/core/event.h"

namespace acequia::sidecar::file_channel {

enum class RecordType : uint8_t { kEvent = 1, kPuts = 2, kTakes = 3 };

inline constexpr std::string_view kSegmentMagic = "ACQFCLOG";
inline constexpr std::string_view kCheckpointMagic = "ACQFCCKP";
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr size_t kSegmentHeaderSize = 16;
inline constexpr size_t kRecordHeaderSize = 9;  // crc (4) + length (4) + type (1)
inline constexpr size_t kPointerSize = 16;
inline constexpr uint32_t kMaxRecordPayload = 1u << 30;

// Where one kEvent record lives.
struct EventPointer {
  uint32_t segment = 0;
  uint64_t offset = 0;  // of the record header
  uint32_t size = 0;    // header + payload
  bool operator==(const EventPointer&) const = default;
};

// CRC32C (Castagnoli), hardware-accelerated where the CPU has it.
uint32_t Crc32c(uint32_t init, const char* data, size_t n);
inline uint32_t Crc32c(const char* data, size_t n) { return Crc32c(0, data, n); }
// LevelDB's mask: a CRC stored next to data that is itself CRC'ed.
inline uint32_t MaskCrc(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }
inline uint32_t UnmaskCrc(uint32_t masked) {
  const uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

inline void PutFixed32(std::string& out, uint32_t v) {
  char b[4];
  std::memcpy(b, &v, 4);  // little-endian hosts only (x86-64, arm64)
  out.append(b, 4);
}
inline void PutFixed64(std::string& out, uint64_t v) {
  char b[8];
  std::memcpy(b, &v, 8);
  out.append(b, 8);
}
inline uint32_t DecodeFixed32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t DecodeFixed64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

void PutPointer(std::string& out, const EventPointer& p);
EventPointer DecodePointer(const char* p);

// Appends one whole record (header + payload) to `out`.
void AppendRecord(std::string& out, RecordType type, std::string_view payload);
// Appends a kEvent record for `event` without building the payload separately.
void AppendEventRecord(std::string& out, const Event& event);
// Checks a record's header against its payload; false when the CRC does not match.
bool RecordChecks(const char* header, std::string_view payload);
// Decodes a kEvent payload; false when it is malformed.
bool DecodeEvent(std::string_view payload, Event* event);

std::string SegmentFileName(uint32_t id);  // "log-0000000042"
// The id of a segment file name, or false when `name` is not one.
bool ParseSegmentFileName(std::string_view name, uint32_t* id);

}  // namespace acequia::sidecar::file_channel
