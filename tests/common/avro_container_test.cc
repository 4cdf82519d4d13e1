// Container files made of these pieces are read back by the reference C library (libavro) and by
// the pieces' own reader, block by block, for every codec.
#include "common/avro_container.h"

#include <avro.h>
#include <gtest/gtest.h>

#include "tests/support/test_env.h"

namespace acequia::avro {
namespace {

constexpr std::string_view kLongSchema = R"({"type":"long"})";

// A file of `blocks`, each a list of longs, written with `codec`.
std::string LongFile(Codec codec, const std::vector<std::vector<int64_t>>& blocks,
                     const std::string& sync) {
  std::string file;
  AppendHeader(kLongSchema, codec, sync, &file);
  for (const auto& block : blocks) {
    std::string objects;
    for (int64_t v : block) PutLong(&objects, v);
    EXPECT_TRUE(AppendBlock(codec, static_cast<int64_t>(block.size()), objects, sync, &file).ok());
  }
  return file;
}

std::vector<int64_t> ReadWithLibavro(const std::string& path) {
  avro_file_reader_t reader;
  std::vector<int64_t> values;
  if (avro_file_reader(path.c_str(), &reader) != 0) {
    ADD_FAILURE() << "libavro cannot open " << path << ": " << avro_strerror();
    return values;
  }
  avro_schema_t schema = avro_file_reader_get_writer_schema(reader);
  avro_value_iface_t* iface = avro_generic_class_from_schema(schema);
  avro_value_t value;
  avro_generic_value_new(iface, &value);
  while (avro_file_reader_read_value(reader, &value) == 0) {
    int64_t v = 0;
    avro_value_get_long(&value, &v);
    values.push_back(v);
  }
  avro_value_decref(&value);
  avro_value_iface_decref(iface);
  avro_schema_decref(schema);
  avro_file_reader_close(reader);
  return values;
}

TEST(AvroContainerTest, LongsRoundTripThroughEveryCodec) {
  const std::vector<std::vector<int64_t>> blocks = {
      {0, 1, -1, 63, -64, 64, INT64_MAX, INT64_MIN}, {}, {42}, std::vector<int64_t>(5000, 7)};
  for (Codec codec : {Codec::kNull, Codec::kDeflate, Codec::kSnappy, Codec::kZstandard}) {
    const std::string sync = NewSyncMarker();
    const std::string file = LongFile(codec, blocks, sync);
    Cursor cursor(file);
    Header header;
    ASSERT_TRUE(ReadHeader(&cursor, &header).ok()) << CodecName(codec);
    EXPECT_EQ(header.schema, kLongSchema);
    EXPECT_EQ(header.codec, codec);
    EXPECT_EQ(header.sync, sync);
    for (const auto& block : blocks) {
      int64_t count = -1;
      std::string objects;
      ASSERT_TRUE(ReadBlock(&cursor, header, &count, &objects).ok()) << CodecName(codec);
      ASSERT_EQ(count, static_cast<int64_t>(block.size()));
      Cursor values(objects);
      for (int64_t expected : block) {
        int64_t v = 0;
        ASSERT_TRUE(values.Long(&v));
        EXPECT_EQ(v, expected);
      }
      EXPECT_TRUE(values.done());
    }
    EXPECT_TRUE(cursor.done()) << CodecName(codec);
  }
}

TEST(AvroContainerTest, TheReferenceLibraryReadsNullDeflateAndSnappyFiles) {
  testing::TempDir dir;
  const std::vector<std::vector<int64_t>> blocks = {{1, 2, 3}, {-5, 1'000'000'000'000}};
  // libavro (Debian's 1.11) has no zstandard codec; the file_roll tests read zstandard files
  // with the Python implementation.
  for (Codec codec : {Codec::kNull, Codec::kDeflate, Codec::kSnappy}) {
    const std::string path = dir / ("longs-" + std::string(CodecName(codec)) + ".avro");
    testing::WriteFile(path, LongFile(codec, blocks, NewSyncMarker()));
    EXPECT_EQ(ReadWithLibavro(path), (std::vector<int64_t>{1, 2, 3, -5, 1'000'000'000'000}))
        << CodecName(codec);
  }
}

TEST(AvroContainerTest, DamageIsReportedNotMisread) {
  const std::string sync = NewSyncMarker();
  const std::string file = LongFile(Codec::kDeflate, {{1, 2, 3}}, sync);
  Header header;
  {
    Cursor cursor(std::string_view(file).substr(1));
    EXPECT_EQ(ReadHeader(&cursor, &header).message(),
              "not an Avro object container file: no magic");
  }
  Cursor cursor(file);
  ASSERT_TRUE(ReadHeader(&cursor, &header).ok());

  std::string wrong_sync = file;
  wrong_sync.back() ^= 1;
  Cursor c1(wrong_sync);
  ASSERT_TRUE(ReadHeader(&c1, &header).ok());
  int64_t count = 0;
  std::string objects;
  EXPECT_EQ(ReadBlock(&c1, header, &count, &objects).message(),
            "not an Avro object container file: a block does not end with the file's sync marker");

  std::string truncated = file.substr(0, file.size() - 20);
  Cursor c2(truncated);
  ASSERT_TRUE(ReadHeader(&c2, &header).ok());
  EXPECT_FALSE(ReadBlock(&c2, header, &count, &objects).ok());

  // A snappy block carries the CRC of its objects: a flipped bit anywhere in it is noticed.
  const std::string snappy = LongFile(Codec::kSnappy, {{1, 2, 3, 4, 5, 6, 7, 8}}, sync);
  Cursor data_start(snappy);
  int64_t ignored = 0;
  ASSERT_TRUE(ReadHeader(&data_start, &header).ok());
  ASSERT_TRUE(data_start.Long(&ignored) && data_start.Long(&ignored));  // count, byte size
  for (size_t at = data_start.pos(); at + kSyncSize < snappy.size(); ++at) {
    std::string flipped = snappy;
    flipped[at] ^= 0x10;
    Cursor c3(flipped);
    ASSERT_TRUE(ReadHeader(&c3, &header).ok());
    EXPECT_FALSE(ReadBlock(&c3, header, &count, &objects).ok()) << "byte " << at;
  }

  EXPECT_EQ(ParseCodec("lzo").status().message(),
            "unknown Avro codec \"lzo\" (known: null, deflate, snappy, zstandard)");
}

}  // namespace
}  // namespace acequia::avro
