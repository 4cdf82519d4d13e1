// lastModified imports merged by mergeKey: changed rows replace their earlier version, new rows
// are added, untouched rows stay, in one merged part file.
#include "importer/run/dataset_merger.h"

#include <avro.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "importer/format/avro_reader.h"
#include "importer/format/record_reader.h"
#include "tests/importer/support/import_harness.h"
#include "tests/importer/support/sqlite_file.h"

namespace acequia::importer {
namespace {

using testing::ImportAll;
using testing::JobFromYaml;
using testing::ReadParts;
using testing::SortedLines;
using testing::SqliteFile;
using testing::TempDir;

class DatasetMergerTest : public ::testing::TestWithParam<const char*> {};

TEST_P(DatasetMergerTest, ChangedRowsReplaceTheirEarlierVersion) {
  SqliteFile db;
  db.Exec(
      "CREATE TABLE t (id INTEGER, v TEXT, updated TIMESTAMP);"
      "INSERT INTO t VALUES (1, 'one', '2026-01-01 00:00:01'),"
      "(2, 'two, \"quoted\"\nmultiline', '2026-01-01 00:00:02'),"
      "(3, NULL, '2026-01-01 00:00:03');");
  TempDir out;
  const std::string base = "source: {driver: sqlite, database: " + db.path() +
                           ", table: t}\nsplit: {by: id, count: 2}\ntarget: {path: " + out.path() +
                           ", " + GetParam() + "}\n";
  auto first = ImportAll([&] { return db.Connect(); },
                         JobFromYaml(base + "incremental: {mode: lastModified, checkColumn: "
                                            "updated, mergeKey: id}"),
                         "run1");
  ASSERT_EQ(first.commit.rows, 3);
  ASSERT_EQ(first.commit.last_value, "2026-01-01 00:00:03");
  EXPECT_TRUE(first.commit.merged_file.empty()) << "nothing earlier to merge into";

  db.Exec(
      "UPDATE t SET v = 'two, new', updated = '2026-01-02 00:00:00' WHERE id = 2;"
      "INSERT INTO t VALUES (4, 'four', '2026-01-02 00:00:01');");
  auto second =
      ImportAll([&] { return db.Connect(); },
                JobFromYaml(base + "incremental: {mode: lastModified, checkColumn: updated, "
                                   "mergeKey: id, lastValue: '2026-01-01 00:00:03'}"),
                "run2");
  EXPECT_EQ(second.commit.rows, 2) << "rows 2 and 4 changed";
  EXPECT_EQ(second.commit.merged_rows, 4);
  EXPECT_EQ(second.commit.replaced_rows, 1);

  std::vector<std::string> parts;
  for (const auto& e : std::filesystem::directory_iterator(out.path())) {
    if (e.path().filename().string().rfind("part-", 0) == 0) {
      parts.push_back(e.path().filename().string());
    }
  }
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].rfind("part-run2-merged.", 0), 0u);

  // The merged dataset equals a fresh full import of the table.
  TempDir fresh;
  ImportAll([&] { return db.Connect(); },
            JobFromYaml("source: {driver: sqlite, database: " + db.path() +
                        ", table: t}\ntarget: {path: " + fresh.path() + ", " + GetParam() + "}"));
  EXPECT_EQ(SortedLines(ReadParts(out.path())), SortedLines(ReadParts(fresh.path())));
}

INSTANTIATE_TEST_SUITE_P(Formats, DatasetMergerTest,
                         ::testing::Values("format: csv", "format: tsv, compression: zstd",
                                           "format: jsonl, compression: gzip"));

// The records of every part file under `dir`, each in its Avro encoding, sorted; the avro part
// files must also open with the reference C library.
std::vector<std::string> AvroRecords(const std::string& dir, int* files) {
  std::vector<std::string> out;
  *files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().filename().string().rfind("part-", 0) != 0) continue;
    ++*files;
    AvroFile file;
    Status s = ReadAvroFile(e.path().string(), &file);
    EXPECT_TRUE(s.ok()) << s.ToString();
    for (auto r : file.records) out.emplace_back(r);
    avro_file_reader_t reader;
    EXPECT_EQ(avro_file_reader(e.path().c_str(), &reader), 0) << avro_strerror();
    avro_schema_t schema = avro_file_reader_get_writer_schema(reader);
    avro_value_iface_t* iface = avro_generic_class_from_schema(schema);
    avro_value_t record;
    avro_generic_value_new(iface, &record);
    size_t n = 0;
    while (avro_file_reader_read_value(reader, &record) == 0) ++n;
    EXPECT_EQ(n, file.records.size()) << "libavro reads every record of " << e.path();
    avro_value_decref(&record);
    avro_value_iface_decref(iface);
    avro_schema_decref(schema);
    avro_file_reader_close(reader);
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(DatasetMergerAvroTest, ChangedRowsReplaceTheirEarlierVersion) {
  for (const char* codec : {"none", "deflate", "snappy"}) {
    SqliteFile db;
    db.Exec(
        "CREATE TABLE t (id INTEGER, v TEXT, x REAL, updated TIMESTAMP);"
        "INSERT INTO t VALUES (1, 'one', 1.5, '2026-01-01 00:00:01'),"
        "(2, 'two, \"quoted\"\nmultiline', NULL, '2026-01-01 00:00:02'),"
        "(3, NULL, -2, '2026-01-01 00:00:03');");
    TempDir out;
    const std::string target = std::string("format: avro, compression: ") + codec;
    const std::string base =
        "source: {driver: sqlite, database: " + db.path() +
        ", table: t}\nsplit: {by: id, count: 2}\ntarget: {path: " + out.path() + ", " + target +
        "}\n";
    ImportAll([&] { return db.Connect(); },
              JobFromYaml(base + "incremental: {mode: lastModified, checkColumn: updated, "
                                 "mergeKey: id}"),
              "run1");
    db.Exec(
        "UPDATE t SET v = 'two, new', updated = '2026-01-02 00:00:00' WHERE id = 2;"
        "INSERT INTO t VALUES (4, 'four', 4, '2026-01-02 00:00:01');");
    auto second =
        ImportAll([&] { return db.Connect(); },
                  JobFromYaml(base + "incremental: {mode: lastModified, checkColumn: updated, "
                                     "mergeKey: id, lastValue: '2026-01-01 00:00:03'}"),
                  "run2");
    EXPECT_EQ(second.commit.rows, 2) << codec;
    EXPECT_EQ(second.commit.merged_rows, 4) << codec;
    EXPECT_EQ(second.commit.replaced_rows, 1) << codec;
    EXPECT_EQ(second.commit.merged_file, std::string("part-run2-merged.avro")) << codec;
    TempDir fresh;
    ImportAll([&] { return db.Connect(); },
              JobFromYaml("source: {driver: sqlite, database: " + db.path() +
                          ", table: t}\ntarget: {path: " + fresh.path() + ", " + target + "}"));
    int merged_files = 0, fresh_files = 0;
    auto merged = AvroRecords(out.path(), &merged_files);
    EXPECT_EQ(merged_files, 1) << codec;
    EXPECT_EQ(merged, AvroRecords(fresh.path(), &fresh_files)) << codec;
    EXPECT_EQ(merged.size(), 4u) << codec;
  }
}

TEST(RecordReaderTest, CsvRecordsAndFieldsWithQuotesAndEscapes) {
  api::ImportTarget target;
  target.csv = {',', '"', '"', ""};
  RecordReader reader(target, {"a", "b", "c"});
  const std::string content = "1,\"x,\"\"y\"\"\nz\",\n2,\"\",tail";
  auto records = reader.Records(content);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ(*reader.Field((*records)[0], "b"), "x,\"y\"\nz");
  EXPECT_EQ(*reader.Field((*records)[0], "c"), std::string("\0NULL", 5));
  EXPECT_EQ(*reader.Field((*records)[1], "b"), "") << "quoted empty string is not NULL";
  EXPECT_EQ(*reader.Field((*records)[1], "c"), "tail");
  EXPECT_FALSE(reader.Field((*records)[1], "d").ok());

  target.csv = {'|', '\'', '\\', "NULL"};
  RecordReader custom(target, {"a", "b"});
  auto r = custom.Records("'it\\'s'|NULL\n");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ(*custom.Field((*r)[0], "a"), "it's");
  EXPECT_EQ(*custom.Field((*r)[0], "b"), std::string("\0NULL", 5));
}

}  // namespace
}  // namespace acequia::importer
