#include "sidecar/channels/file_channel_log_reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace acequia::sidecar::file_channel {

Result<std::unique_ptr<LogReader>> LogReader::Open(const std::string& path, uint32_t id,
                                                   uint64_t offset) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IoError("opening " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    const int err = errno;
    close(fd);
    return Status::IoError("stat " + path + ": " + std::strerror(err));
  }
  std::unique_ptr<LogReader> reader(new LogReader());
  reader->size_ = static_cast<uint64_t>(st.st_size);
  if (reader->size_ > 0) {
    void* map = mmap(nullptr, reader->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    const int err = errno;
    close(fd);
    if (map == MAP_FAILED) return Status::IoError("mapping " + path + ": " + std::strerror(err));
    madvise(map, reader->size_, MADV_SEQUENTIAL);
    reader->data_ = static_cast<const char*>(map);
  } else {
    close(fd);
  }
  std::string expected(kSegmentMagic);
  PutFixed32(expected, kFormatVersion);
  PutFixed32(expected, id);
  if (reader->size_ < kSegmentHeaderSize ||
      std::memcmp(reader->data_, expected.data(), kSegmentHeaderSize) != 0) {
    reader->pos_ = 0;  // everything is corrupt
    reader->corruption_ =
        reader->size_ < kSegmentHeaderSize ? "torn segment header" : "bad segment header";
    reader->corrupt_header_ = true;
    return reader;
  }
  reader->pos_ = offset == 0 ? kSegmentHeaderSize : offset;
  if (reader->pos_ > reader->size_) {
    reader->corruption_ = "segment shorter than the checkpoint's log position";
    reader->pos_ = reader->size_;
  }
  return reader;
}

LogReader::~LogReader() {
  if (data_ != nullptr) munmap(const_cast<char*>(data_), size_);
}

bool LogReader::ReadRecord(RecordType* type, std::string_view* payload, uint64_t* offset) {
  if (corrupt_header_ || pos_ >= size_) return false;
  const uint64_t left = size_ - pos_;
  if (left < kRecordHeaderSize) {
    corruption_ = "torn record header";
    return false;
  }
  const char* header = data_ + pos_;
  const uint32_t length = DecodeFixed32(header + 4);
  const auto t = static_cast<uint8_t>(header[8]);
  if (length > kMaxRecordPayload || length > left - kRecordHeaderSize) {
    corruption_ = "record length " + std::to_string(length) + " runs past the end of the segment";
    return false;
  }
  const std::string_view body(header + kRecordHeaderSize, length);
  if (!RecordChecks(header, body)) {
    corruption_ = "checksum mismatch";
    return false;
  }
  if (t < static_cast<uint8_t>(RecordType::kEvent) ||
      t > static_cast<uint8_t>(RecordType::kTakes)) {
    corruption_ = "unknown record type " + std::to_string(t);
    return false;
  }
  *type = static_cast<RecordType>(t);
  *payload = body;
  *offset = pos_;
  pos_ += kRecordHeaderSize + length;
  return true;
}

Status ReadEventAt(int fd, const EventPointer& pointer, Event* event) {
  if (pointer.size < kRecordHeaderSize || pointer.size - kRecordHeaderSize > kMaxRecordPayload) {
    return Status::InvalidArgument("bad event pointer size " + std::to_string(pointer.size));
  }
  std::string buffer(pointer.size, '\0');
  size_t done = 0;
  while (done < buffer.size()) {
    const ssize_t n = pread(fd, buffer.data() + done, buffer.size() - done,
                            static_cast<off_t>(pointer.offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IoError(std::string("reading an event: ") + std::strerror(errno));
    if (n == 0) return Status::InvalidArgument("event record torn (file ends inside it)");
    done += static_cast<size_t>(n);
  }
  const std::string_view payload(buffer.data() + kRecordHeaderSize,
                                 buffer.size() - kRecordHeaderSize);
  if (DecodeFixed32(buffer.data() + 4) != payload.size() ||
      static_cast<uint8_t>(buffer[8]) != static_cast<uint8_t>(RecordType::kEvent) ||
      !RecordChecks(buffer.data(), payload)) {
    return Status::InvalidArgument("event record checksum mismatch");
  }
  if (!DecodeEvent(payload, event)) return Status::InvalidArgument("malformed event record");
  return Status::Ok();
}

}  // namespace acequia::sidecar::file_channel
