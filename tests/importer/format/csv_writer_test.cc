#include "importer/format/csv_writer.h"

#include <gtest/gtest.h>

#include "importer/format/jsonl_writer.h"
#include "importer/format/tsv_writer.h"
#include "tests/support/test_env.h"

namespace acequia::importer {
namespace {

using Row = std::vector<std::optional<std::string_view>>;

std::string Write(const std::function<std::unique_ptr<RecordWriter>(OutputFile&)>& make,
                  const std::vector<Row>& rows) {
  testing::TempDir dir;
  auto file = OutputFile::Create(dir / "out", Compression::kNone, 16);  // flush often
  EXPECT_TRUE(file.ok());
  auto writer = make(**file);
  for (const auto& row : rows) {
    writer->BeginRow();
    for (const auto& v : row) writer->Append(v);
    EXPECT_TRUE(writer->EndRow().ok());
  }
  EXPECT_TRUE(writer->Close().ok());
  EXPECT_EQ(writer->rows(), static_cast<int64_t>(rows.size()));
  return testing::ReadFile(dir / "out");
}

TEST(CsvWriterTest, WritesLikePostgresCsv) {
  api::CsvOptions options;
  auto out = Write([&](OutputFile& f) { return std::make_unique<CsvWriter>(options, 4, f); },
                   {{"1", "plain", std::nullopt, ""},
                    {"2", "a,b", "say \"hi\"", "line\nbreak"},
                    {"3", "cr\r", " spaced ", "ünïcødé"}});
  EXPECT_EQ(out,
            "1,plain,,\"\"\n"
            "2,\"a,b\",\"say \"\"hi\"\"\",\"line\nbreak\"\n"
            "3,\"cr\r\", spaced ,ünïcødé\n");
}

TEST(CsvWriterTest, CustomDelimiterQuoteEscapeAndNullString) {
  api::CsvOptions options{'|', '\'', '\\', "NULL"};
  auto out = Write([&](OutputFile& f) { return std::make_unique<CsvWriter>(options, 3, f); },
                   {{"a|b", std::nullopt, "it's"}, {"NULL", "", "back\\slash"}});
  // As in PostgreSQL, the escape character alone does not make a value quoted.
  EXPECT_EQ(out, "'a|b'|NULL|'it\\'s'\n'NULL'||back\\slash\n");
}

TEST(CsvWriterTest, QuotesTheEndOfDataMarkerInASingleColumn) {
  api::CsvOptions options;
  auto out =
      Write([&](OutputFile& f) { return std::make_unique<CsvWriter>(options, 1, f); }, {{"\\."}});
  EXPECT_EQ(out, "\"\\.\"\n");
}

TEST(TsvWriterTest, EscapesLikePostgresTextFormat) {
  auto out = Write([](OutputFile& f) { return std::make_unique<TsvWriter>(f); },
                   {{"a\tb", std::nullopt, "back\\slash", "two\nlines"}});
  EXPECT_EQ(out, "a\\tb\t\\N\tback\\\\slash\ttwo\\nlines\n");
}

TEST(JsonlWriterTest, TypesNumbersBooleansAndJson) {
  std::vector<Column> columns = {{"id", "int8", ValueKind::kInteger, false},
                                 {"ok", "bool", ValueKind::kBoolean, true},
                                 {"doc", "jsonb", ValueKind::kJson, true},
                                 {"name \"q\"", "text", ValueKind::kText, true},
                                 {"amount", "numeric", ValueKind::kDecimal, true}};
  auto out = Write([&](OutputFile& f) { return std::make_unique<JsonlWriter>(columns, f); },
                   {{"42", "t", "{\"a\": [1, 2]}", "tab\there \"x\"", "NaN"},
                    {"-1", std::nullopt, std::nullopt, "", "12.50"}});
  EXPECT_EQ(out,
            "{\"id\":42,\"ok\":true,\"doc\":{\"a\": [1, 2]},\"name \\\"q\\\"\":\"tab\\there "
            "\\\"x\\\"\",\"amount\":\"NaN\"}\n"
            "{\"id\":-1,\"ok\":null,\"doc\":null,\"name \\\"q\\\"\":\"\",\"amount\":12.50}\n");
}

}  // namespace
}  // namespace acequia::importer
