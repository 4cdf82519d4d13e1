// The hand-written Avro container files are read back with the reference C library (libavro).
#include "importer/format/avro_writer.h"

#include <avro.h>
#include <gtest/gtest.h>

#include "tests/support/test_env.h"

namespace acequia::importer {
namespace {

struct ReadRow {
  std::optional<int64_t> id;
  std::optional<double> score;
  std::optional<bool> ok;
  std::optional<std::string> raw;
  std::optional<std::string> name;
};

// Reads every record with libavro's generic value interface.
std::vector<ReadRow> ReadBack(const std::string& path, std::string* schema_json) {
  avro_file_reader_t reader;
  EXPECT_EQ(avro_file_reader(path.c_str(), &reader), 0) << avro_strerror();
  avro_schema_t schema = avro_file_reader_get_writer_schema(reader);
  char buf[4096];
  avro_writer_t json_out = avro_writer_memory(buf, sizeof buf);
  avro_schema_to_json(schema, json_out);
  *schema_json = std::string(buf, avro_writer_tell(json_out));
  avro_writer_free(json_out);
  avro_value_iface_t* iface = avro_generic_class_from_schema(schema);
  avro_value_t record;
  avro_generic_value_new(iface, &record);
  std::vector<ReadRow> rows;
  while (avro_file_reader_read_value(reader, &record) == 0) {
    ReadRow row;
    auto branch = [&](size_t i, avro_value_t* out) {
      avro_value_t field, value;
      avro_value_get_by_index(&record, i, &field, nullptr);
      int disc = 0;
      avro_value_get_discriminant(&field, &disc);
      avro_value_get_current_branch(&field, &value);
      *out = value;
      return disc == 1;
    };
    avro_value_t v;
    if (branch(0, &v)) {
      int64_t n;
      avro_value_get_long(&v, &n);
      row.id = n;
    }
    if (branch(1, &v)) {
      double d;
      avro_value_get_double(&v, &d);
      row.score = d;
    }
    if (branch(2, &v)) {
      int b;
      avro_value_get_boolean(&v, &b);
      row.ok = b != 0;
    }
    if (branch(3, &v)) {
      const void* p;
      size_t n;
      avro_value_get_bytes(&v, &p, &n);
      row.raw = std::string(static_cast<const char*>(p), n);
    }
    if (branch(4, &v)) {
      const char* p;
      size_t n;
      avro_value_get_string(&v, &p, &n);
      row.name = std::string(p, n - 1);  // n counts the NUL
    }
    rows.push_back(row);
  }
  avro_value_decref(&record);
  avro_value_iface_decref(iface);
  avro_schema_decref(schema);
  avro_file_reader_close(reader);
  return rows;
}

class AvroWriterTest : public ::testing::TestWithParam<const char*> {};

TEST_P(AvroWriterTest, LibavroReadsBackEveryValue) {
  testing::TempDir dir;
  auto file = OutputFile::Create(dir / "part.avro", Compression::kNone);
  ASSERT_TRUE(file.ok());
  std::vector<Column> columns = {{"id", "int8", ValueKind::kInteger, false},
                                 {"score", "float8", ValueKind::kFloat, true},
                                 {"ok", "bool", ValueKind::kBoolean, true},
                                 {"raw", "bytea", ValueKind::kBytes, true},
                                 {"name x", "text", ValueKind::kText, true}};
  auto writer = AvroWriter::Create(columns, GetParam(), **file);
  ASSERT_TRUE(writer.ok());
  const int kRows = 20000;  // several blocks
  for (int i = 0; i < kRows; ++i) {
    (*writer)->BeginRow();
    std::string id = std::to_string(i - 5);
    std::string score = std::to_string(i) + ".5";
    std::string name = "ünï " + std::to_string(i);
    (*writer)->Append(id);
    (*writer)->Append(i % 3 == 0 ? std::nullopt : std::optional<std::string_view>(score));
    (*writer)->Append(i % 2 ? "t" : "f");
    (*writer)->Append("\\x00ff");
    (*writer)->Append(i == 7 ? std::optional<std::string_view>()
                             : std::optional<std::string_view>(name));
    ASSERT_TRUE((*writer)->EndRow().ok());
  }
  ASSERT_TRUE((*writer)->Close().ok());
  std::string schema;
  auto rows = ReadBack(dir / "part.avro", &schema);
  EXPECT_NE(schema.find("\"name_x\""), std::string::npos) << schema;
  ASSERT_EQ(rows.size(), static_cast<size_t>(kRows));
  EXPECT_EQ(rows[0].id, -5);
  EXPECT_FALSE(rows[0].score.has_value());
  EXPECT_EQ(rows[1].score, 1.5);
  EXPECT_EQ(rows[1].ok, true);
  EXPECT_EQ(rows[2].ok, false);
  EXPECT_EQ(rows[2].raw, std::string("\x00\xff", 2));
  EXPECT_EQ(rows[8].name, "ünï 8");
  EXPECT_FALSE(rows[7].name.has_value());
  EXPECT_EQ(rows[kRows - 1].id, kRows - 6);
}

INSTANTIATE_TEST_SUITE_P(Codecs, AvroWriterTest, ::testing::Values("none", "deflate", "snappy"));

TEST(AvroWriterErrorsTest, RejectsUnknownCodecsAndValuesThatDoNotFit) {
  testing::TempDir dir;
  auto file = OutputFile::Create(dir / "x.avro", Compression::kNone);
  ASSERT_TRUE(file.ok());
  std::vector<Column> columns = {{"id", "int8", ValueKind::kInteger, false}};
  EXPECT_FALSE(AvroWriter::Create(columns, "bzip2", **file).ok());
  auto writer = AvroWriter::Create(columns, "none", **file);
  ASSERT_TRUE(writer.ok());
  (*writer)->BeginRow();
  (*writer)->Append("12abc");
  Status s = (*writer)->EndRow();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("\"12abc\" of column \"id\" is not an integer"), std::string::npos);
}

}  // namespace
}  // namespace acequia::importer
