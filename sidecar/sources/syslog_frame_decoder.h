// Cuts a syslog TCP byte stream into messages (RFC 6587), choosing the framing per frame:
//
//   octet counting   "LEN SP MSG": the frame starts with a digit; LEN is 1 to 9 digits, then one
//                    space, then exactly LEN bytes (a trailing LF inside them is dropped, as
//                    rsyslog does). Digits not followed by a space make the frame a line instead.
//   non-transparent  MSG LF, an optional CR before the LF dropped. Empty lines are skipped.
//
// A message longer than max_frame bytes is never dropped and never held whole: it comes out in
// parts of at most max_frame bytes (kFirstPart, then kNextPart…), so memory stays bounded.
// When the stream ends, an unterminated line is a whole message, and an octet-counted message
// with fewer bytes than announced comes out as kCutShort.
// Pure; one decoder per connection; not thread-safe.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace acequia::sidecar {

class SyslogFrameDecoder {
 public:
  enum class Kind {
    kWhole,      // a complete message
    kFirstPart,  // the first max_frame bytes of a longer message
    kNextPart,   // a following part of that message (the last one may be shorter)
    kCutShort,   // the stream ended inside an octet-counted message: what arrived of it
  };
  struct Frame {
    std::string_view data;
    Kind kind;
  };

  explicit SyslogFrameDecoder(size_t max_frame) : max_(max_frame == 0 ? 1 : max_frame) {}

  // Emits every frame (or part) complete in `data` through emit(const Frame&) and returns how
  // many bytes it consumed; the caller keeps the rest and passes it again, followed by more
  // bytes. The frames point into `data`. Needs room for max_frame + 12 unconsumed bytes.
  template <typename Emit>
  size_t Decode(std::string_view data, Emit&& emit) {
    size_t pos = 0;
    while (pos < data.size()) {
      const size_t n = Step(data.substr(pos), false, emit);
      if (n == 0) break;
      pos += n;
    }
    return pos;
  }

  // The stream ended after `rest` (what Decode left unconsumed): emits what is left of it.
  template <typename Emit>
  void Finish(std::string_view rest, Emit&& emit) {
    while (!rest.empty()) {
      const size_t n = Step(rest, true, emit);
      if (n == 0) break;
      rest.remove_prefix(n);
    }
    remaining_ = 0;
    in_long_line_ = false;
  }

  // Bytes the buffer must hold beyond max_frame: the longest octet-count header.
  static constexpr size_t kHeaderRoom = 12;

 private:
  static std::string_view StripCr(std::string_view s) {
    if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
    return s;
  }
  static std::string_view StripLf(std::string_view s) {
    if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
    return StripCr(s);
  }

  // Consumes one frame or part from the start of `d`; 0 when it needs more bytes first.
  template <typename Emit>
  size_t Step(std::string_view d, bool at_end, Emit& emit) {
    if (remaining_ > 0) {  // inside an octet-counted message that comes in parts
      const size_t want = std::min<uint64_t>(remaining_, max_);
      if (d.size() < want && !at_end) return 0;
      const size_t n = std::min(want, d.size());
      remaining_ -= n;
      std::string_view part = d.substr(0, n);
      if (remaining_ == 0) part = StripLf(part);
      if (!part.empty()) emit(Frame{part, Kind::kNextPart});
      return n;
    }
    if (in_long_line_) {  // inside a line longer than max_frame
      const size_t window = std::min(d.size(), max_ + 1);
      const void* lf = std::memchr(d.data(), '\n', window);
      if (lf != nullptr) {
        const size_t at = static_cast<size_t>(static_cast<const char*>(lf) - d.data());
        in_long_line_ = false;
        const std::string_view part = StripCr(d.substr(0, at));
        if (!part.empty()) emit(Frame{part, Kind::kNextPart});
        return at + 1;
      }
      // Wait for max_ bytes, or one more when the last is a CR that may precede the LF.
      if ((d.size() < max_ || (d.size() == max_ && d.back() == '\r')) && !at_end) return 0;
      const size_t n = std::min(d.size(), max_);
      emit(Frame{d.substr(0, n), Kind::kNextPart});
      return n;
    }
    if (d[0] == '\n') return 1;  // an empty line
    if (d[0] >= '0' && d[0] <= '9') {
      size_t digits = 0;
      uint64_t length = 0;
      while (digits < d.size() && digits < 10 && d[digits] >= '0' && d[digits] <= '9') {
        length = length * 10 + static_cast<uint64_t>(d[digits] - '0');
        ++digits;
      }
      if (digits == d.size() && digits <= 9 && !at_end) return 0;  // the header is not all here
      if (digits <= 9 && digits < d.size() && d[digits] == ' ' && length > 0) {
        const size_t start = digits + 1;
        const size_t have = d.size() - start;
        if (length <= max_) {
          if (have < length) {
            if (!at_end) return 0;
            emit(Frame{d.substr(start), Kind::kCutShort});
            return d.size();
          }
          const std::string_view message = StripLf(d.substr(start, length));
          if (!message.empty()) emit(Frame{message, Kind::kWhole});
          return start + length;
        }
        if (have < max_) {
          if (!at_end) return 0;
          emit(Frame{d.substr(start), Kind::kCutShort});
          return d.size();
        }
        emit(Frame{d.substr(start, max_), Kind::kFirstPart});
        remaining_ = length - max_;
        return start + max_;
      }
    }
    // A line: up to LF; the CR before it does not count against max_frame.
    const size_t window = std::min(d.size(), max_ + 2);
    const void* lf = std::memchr(d.data(), '\n', window);
    if (lf != nullptr) {
      const size_t at = static_cast<size_t>(static_cast<const char*>(lf) - d.data());
      const std::string_view line = StripCr(d.substr(0, at));
      if (line.size() <= max_) {
        if (!line.empty()) emit(Frame{line, Kind::kWhole});
        return at + 1;
      }
    } else if (d.size() <= max_ || (d.size() == max_ + 1 && d.back() == '\r')) {
      if (!at_end) return 0;
      const std::string_view line = StripCr(d);
      if (!line.empty()) emit(Frame{line, Kind::kWhole});
      return d.size();
    }
    emit(Frame{d.substr(0, max_), Kind::kFirstPart});
    in_long_line_ = true;
    return max_;
  }

  const size_t max_;
  uint64_t remaining_ = 0;     // bytes still to come of an octet-counted message in parts
  bool in_long_line_ = false;  // the next bytes continue a line longer than max_
};

}  // namespace acequia::sidecar
