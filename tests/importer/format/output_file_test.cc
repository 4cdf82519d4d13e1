#include "importer/format/output_file.h"

#include <gtest/gtest.h>

#include "tests/importer/support/import_harness.h"
#include "tests/support/test_env.h"

namespace acequia::importer {
namespace {

class OutputFileTest : public ::testing::TestWithParam<Compression> {};

TEST_P(OutputFileTest, RoundTripsThroughCompression) {
  testing::TempDir dir;
  const std::string name = GetParam() == Compression::kGzip   ? "part-0.csv.gz"
                           : GetParam() == Compression::kZstd ? "part-0.csv.zst"
                                                              : "part-0.csv";
  auto file = OutputFile::Create(dir / name, GetParam(), 1000);
  ASSERT_TRUE(file.ok());
  std::string expected;
  for (int i = 0; i < 20000; ++i) {
    std::string line = std::to_string(i) + ",row " + std::to_string(i * 7) + "\n";
    expected += line;
    (*file)->Append(line);
    ASSERT_TRUE((*file)->MaybeFlush().ok());
  }
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_EQ((*file)->uncompressed_bytes(), static_cast<int64_t>(expected.size()));
  EXPECT_EQ(testing::ReadParts(dir.path()), expected);
  if (GetParam() != Compression::kNone) {
    EXPECT_LT((*file)->bytes_written(), static_cast<int64_t>(expected.size()) / 2);
  }
}

INSTANTIATE_TEST_SUITE_P(All, OutputFileTest,
                         ::testing::Values(Compression::kNone, Compression::kGzip,
                                           Compression::kZstd));

TEST(OutputFileErrorsTest, UnwritableDirectoryIsAnIoError) {
  auto file = OutputFile::Create("/proc/acequia-no/part", Compression::kNone);
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), Status::Code::kIoError);
  EXPECT_NE(file.status().message().find("/proc/acequia-no/part"), std::string::npos);
}

}  // namespace
}  // namespace acequia::importer
