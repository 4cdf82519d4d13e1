#include "sidecar/sources/syslog_frame_decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace acequia::sidecar {
namespace {

using Kind = SyslogFrameDecoder::Kind;

struct Out {
  std::string data;
  Kind kind;
  bool operator==(const Out&) const = default;
};

void PrintTo(const Out& o, std::ostream* os) {
  *os << "{\"" << o.data << "\", " << static_cast<int>(o.kind) << "}";
}

// Feeds `chunks` one after the other as a connection's reads would deliver them, keeping what
// the decoder left unconsumed in front of the next chunk; then ends the stream.
std::vector<Out> Decode(const std::vector<std::string>& chunks, size_t max = 100) {
  SyslogFrameDecoder decoder(max);
  std::vector<Out> out;
  auto emit = [&](const SyslogFrameDecoder::Frame& f) {
    out.push_back({std::string(f.data), f.kind});
  };
  std::string buffer;
  for (const auto& chunk : chunks) {
    buffer += chunk;
    buffer.erase(0, decoder.Decode(buffer, emit));
    EXPECT_LE(buffer.size(), max + SyslogFrameDecoder::kHeaderRoom) << "the buffer must suffice";
  }
  decoder.Finish(buffer, emit);
  return out;
}

// Every way of cutting `stream` in two gives the same frames as sending it whole.
void ExpectSplitInvariant(const std::string& stream, size_t max = 100) {
  const auto whole = Decode({stream}, max);
  for (size_t cut = 1; cut < stream.size(); ++cut) {
    EXPECT_EQ(Decode({stream.substr(0, cut), stream.substr(cut)}, max), whole) << "cut at " << cut;
  }
  std::vector<std::string> bytes;
  for (char c : stream) bytes.emplace_back(1, c);
  EXPECT_EQ(Decode(bytes, max), whole) << "byte by byte";
}

TEST(SyslogFrameDecoderTest, NewlineFramingWithOptionalCr) {
  EXPECT_EQ(Decode({"<13>a\n<13>b\r\n\n\r\n<13>c"}),
            (std::vector<Out>{
                {"<13>a", Kind::kWhole}, {"<13>b", Kind::kWhole}, {"<13>c", Kind::kWhole}}));
}

TEST(SyslogFrameDecoderTest, OctetCountingAndNewlinesMixPerFrame) {
  const std::string stream = "5 <13>a13 <13>b\nwith LF\n<13>line\n3 abc";
  EXPECT_EQ(Decode({stream}), (std::vector<Out>{{"<13>a", Kind::kWhole},
                                                {"<13>b\nwith LF", Kind::kWhole},
                                                {"<13>line", Kind::kWhole},
                                                {"abc", Kind::kWhole}}));
  ExpectSplitInvariant(stream);
}

TEST(SyslogFrameDecoderTest, OctetCountedFrameSplitAcrossReads) {
  EXPECT_EQ(Decode({"1", "0 <13>", "hello", "\n7 <13>bye"}),
            (std::vector<Out>{{"<13>hello", Kind::kWhole}, {"<13>bye", Kind::kWhole}}));
}

TEST(SyslogFrameDecoderTest, DigitsWithoutSpaceAreALine) {
  EXPECT_EQ(Decode({"2024was a year\n12345678901 x\n"}),
            (std::vector<Out>{{"2024was a year", Kind::kWhole}, {"12345678901 x", Kind::kWhole}}))
      << "ten digits or more are never a length";
}

TEST(SyslogFrameDecoderTest, LongLinesComeInPartsAndNothingIsLost) {
  const std::string line(250, 'x');
  const std::string stream = "<13>short\n" + line + "\n<13>after\n";
  const auto out = Decode({stream}, 100);
  EXPECT_EQ(out, (std::vector<Out>{{"<13>short", Kind::kWhole},
                                   {line.substr(0, 100), Kind::kFirstPart},
                                   {line.substr(100, 100), Kind::kNextPart},
                                   {line.substr(200), Kind::kNextPart},
                                   {"<13>after", Kind::kWhole}}));
  ExpectSplitInvariant(stream, 100);
  // A CR landing on a part boundary is dropped however the reads fall (found by fuzzing).
  ExpectSplitInvariant(std::string(199, 'x') + "\r\n<13>a\n", 100);
  // Exactly max bytes, with or without CR, is whole.
  EXPECT_EQ(Decode({std::string(100, 'y') + "\r\n"}, 100),
            (std::vector<Out>{{std::string(100, 'y'), Kind::kWhole}}));
}

TEST(SyslogFrameDecoderTest, LongOctetCountedFramesComeInParts) {
  const std::string msg(230, 'm');
  const std::string stream = "230 " + msg + "5 <13>z";
  EXPECT_EQ(Decode({stream}, 100), (std::vector<Out>{{msg.substr(0, 100), Kind::kFirstPart},
                                                     {msg.substr(100, 100), Kind::kNextPart},
                                                     {msg.substr(200), Kind::kNextPart},
                                                     {"<13>z", Kind::kWhole}}));
  ExpectSplitInvariant(stream, 100);
}

TEST(SyslogFrameDecoderTest, AStreamEndingInsideAFrameDeliversWhatArrived) {
  EXPECT_EQ(Decode({"20 <13>only part"}), (std::vector<Out>{{"<13>only part", Kind::kCutShort}}));
  EXPECT_EQ(Decode({"<13>no newline"}), (std::vector<Out>{{"<13>no newline", Kind::kWhole}}));
  EXPECT_EQ(Decode({"42"}), (std::vector<Out>{{"42", Kind::kWhole}}));
}

}  // namespace
}  // namespace acequia::sidecar
