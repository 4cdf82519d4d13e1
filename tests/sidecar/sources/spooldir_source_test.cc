#include "sidecar/sources/spooldir_source.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "sidecar/core/registry.h"
#include "tests/support/source_harness.h"
#include "tests/support/test_env.h"

namespace acequia::sidecar {
namespace {

namespace fs = std::filesystem;

using testing::LineList;
using testing::Lines;

class SpoolDirSourceTest : public ::testing::Test {
 protected:
  void SetUp() override { fs::create_directories(spool_); }

  // Puts a file into the spool directory the way a producer should: written elsewhere, then
  // renamed in. `age` sets its modification time that many seconds in the past.
  void Drop(const std::string& name, const std::string& content, int age = 0) {
    const std::string staged = dir_ / ("staged-" + fs::path(name).filename().string());
    testing::WriteFile(staged, content);
    if (age > 0) {
      timespec times[2];
      clock_gettime(CLOCK_REALTIME, &times[0]);
      times[0].tv_sec -= age;
      times[1] = times[0];
      ASSERT_EQ(utimensat(AT_FDCWD, staged.c_str(), times, 0), 0);
    }
    fs::create_directories(fs::path(spool_ + "/" + name).parent_path());
    fs::rename(staged, spool_ + "/" + name);
  }

  void StartSource(const std::string& props,
                   const std::string& channel = "capacity: 100000, transactionCapacity: 1000") {
    ASSERT_TRUE(harness_.Wire(
        "name: sp, type: spooldir, spoolDir: " + spool_ + ", pollDelay: 20ms" + props, channel));
    source_ = harness_.Started(std::make_unique<SpoolDirSource>(
        harness_.source_config(), harness_.context(), harness_.processor()));
  }

  bool Exists(const std::string& name) const { return fs::exists(spool_ + "/" + name); }

  testing::TempDir dir_;
  const std::string spool_ = dir_ / "spool";
  testing::SourceHarness harness_;
  SpoolDirSource* source_ = nullptr;  // owned by harness_
};

TEST_F(SpoolDirSourceTest, FilesAreReadOldestFirstAndRenamedWhenDone) {
  Drop("b.log", Lines(3, 6), 10);
  Drop("a.log", Lines(0, 3), 20);
  Drop("c.log", "line-6\nline-7", 5);  // the last line has no newline
  StartSource("");
  EXPECT_EQ(harness_.Collect(8), LineList(0, 8));
  ASSERT_TRUE(testing::WaitFor([&] { return source_->completed() == 3; }));
  for (const char* name : {"a.log", "b.log", "c.log"}) {
    EXPECT_FALSE(Exists(name)) << name;
    EXPECT_TRUE(Exists(std::string(name) + ".COMPLETED")) << name;
  }
  EXPECT_FALSE(Exists(".flumespool/progress.json"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(harness_.Take(10).empty()) << "a completed file is never read again";
}

TEST_F(SpoolDirSourceTest, YoungestFirstWhenAsked) {
  Drop("old.log", "old\n", 20);
  Drop("new.log", "new\n", 5);
  StartSource(", consumeOrder: youngest");
  EXPECT_EQ(harness_.Collect(2), (std::vector<std::string>{"new", "old"}));
}

TEST_F(SpoolDirSourceTest, AFileIsRenamedOnlyAfterAllItsEventsAreCommitted) {
  Drop("big.log", Lines(0, 12));
  StartSource(", batchSize: 5", "capacity: 5, transactionCapacity: 5, keepAlive: 0s");
  ASSERT_TRUE(testing::WaitFor([&] { return harness_.channel().Size() == 5; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(Exists("big.log")) << "7 lines are not committed yet";
  EXPECT_FALSE(Exists("big.log.COMPLETED"));
  const std::string progress = testing::ReadFile(spool_ + "/.flumespool/progress.json");
  EXPECT_NE(progress.find("\"offset\":35"), std::string::npos) << progress;  // 5 × "line-N\n"
  EXPECT_EQ(harness_.Collect(12), LineList(0, 12));
  EXPECT_TRUE(testing::WaitFor([&] { return Exists("big.log.COMPLETED"); }));
}

TEST_F(SpoolDirSourceTest, IncludeAndIgnorePatternsAndHiddenFiles) {
  Drop("a.log", "a\n");
  Drop("b.txt", "b\n");
  Drop("skip-me.log", "c\n");
  Drop(".hidden.log", "d\n");
  StartSource(R"(, includePattern: "^.*\\.log$", ignorePattern: "^skip-.*")");
  EXPECT_EQ(harness_.Collect(1), (std::vector<std::string>{"a"}));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_TRUE(harness_.Take(10).empty());
  EXPECT_TRUE(Exists("b.txt"));
  EXPECT_TRUE(Exists("skip-me.log"));
  EXPECT_TRUE(Exists(".hidden.log"));
}

TEST_F(SpoolDirSourceTest, DeletePolicyImmediateRemovesCompletedFiles) {
  Drop("a.log", "a\n");
  StartSource(", deletePolicy: immediate");
  EXPECT_EQ(harness_.Collect(1), (std::vector<std::string>{"a"}));
  ASSERT_TRUE(testing::WaitFor([&] { return source_->completed() == 1; }));
  EXPECT_FALSE(Exists("a.log"));
  EXPECT_FALSE(Exists("a.log.COMPLETED"));
}

TEST_F(SpoolDirSourceTest, BlobMakesTheWholeFileOneEventOrChunksOfMaxBlobLength) {
  std::string binary;
  for (int i = 0; i < 256; ++i) binary.push_back(static_cast<char>(i));
  Drop("a.bin", binary, 20);
  Drop("b.bin", std::string(25, 'x'), 10);
  StartSource(", deserializer: blob, maxBlobLength: 256");
  EXPECT_EQ(harness_.Collect(2), (std::vector<std::string>{binary, std::string(25, 'x')}));
  harness_.StopSource();
  Drop("c.bin", std::string(600, 'y'));
  StartSource(", deserializer: blob, maxBlobLength: 256");
  EXPECT_EQ(harness_.Collect(3),
            (std::vector<std::string>{std::string(256, 'y'), std::string(256, 'y'),
                                      std::string(88, 'y')}));
}

TEST_F(SpoolDirSourceTest, HeadersNameTheFile) {
  Drop("a.log", "a\n");
  StartSource(", fileHeader: true, basenameHeader: true, basenameHeaderKey: name");
  std::vector<Event> events;
  ASSERT_TRUE(testing::WaitFor([&] {
    events = harness_.Take(10);
    return !events.empty();
  }));
  ASSERT_NE(events[0].headers.Find("file"), nullptr);
  EXPECT_EQ(*events[0].headers.Find("file"), spool_ + "/a.log");
  ASSERT_NE(events[0].headers.Find("name"), nullptr);
  EXPECT_EQ(*events[0].headers.Find("name"), "a.log");
}

TEST_F(SpoolDirSourceTest, SubdirectoriesOnlyWithRecursiveDirectorySearch) {
  Drop("sub/deep.log", "deep\n");
  StartSource("");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_TRUE(harness_.Take(10).empty());
  harness_.StopSource();
  StartSource(", recursiveDirectorySearch: true");
  EXPECT_EQ(harness_.Collect(1), (std::vector<std::string>{"deep"}));
  EXPECT_TRUE(testing::WaitFor([&] { return Exists("sub/deep.log.COMPLETED"); }));
}

TEST_F(SpoolDirSourceTest, OverLongLinesAreRejectedNeverTruncated) {
  Drop("a.log", "short\n" + std::string(200, 'x') + "\nafter\n" + std::string(150, 'z'));
  StartSource(", maxLineLength: 100");
  EXPECT_EQ(harness_.Collect(2), (std::vector<std::string>{"short", "after"}));
  ASSERT_TRUE(testing::WaitFor([&] { return source_->completed() == 1; }));
  EXPECT_EQ(harness_.metrics().rejected->Value(), 2);
  EXPECT_EQ(harness_.metrics().received->Value(), 4);
}

TEST_F(SpoolDirSourceTest, ARestartContinuesTheFileAtTheCommittedOffset) {
  Drop("big.log", Lines(0, 20));
  StartSource(", batchSize: 5", "capacity: 10, transactionCapacity: 5, keepAlive: 0s");
  ASSERT_TRUE(testing::WaitFor([&] { return harness_.channel().Size() == 10; }));
  harness_.StopSource();  // a batch was waiting for room: it is not committed and not recorded
  EXPECT_EQ(harness_.Collect(10), LineList(0, 10));
  StartSource(", batchSize: 5", "capacity: 10, transactionCapacity: 5, keepAlive: 0s");
  EXPECT_EQ(harness_.Collect(10), LineList(10, 20));
  EXPECT_TRUE(testing::WaitFor([&] { return Exists("big.log.COMPLETED"); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(harness_.Take(10).empty());
}

TEST_F(SpoolDirSourceTest, AFileThatChangesWhileReadIsAnErrorAndIsNotCompleted) {
  Drop("grows.log", Lines(0, 20));
  StartSource(", batchSize: 5", "capacity: 5, transactionCapacity: 5, keepAlive: 0s");
  ASSERT_TRUE(testing::WaitFor([&] { return harness_.channel().Size() == 5; }));
  {
    std::ofstream append(spool_ + "/grows.log", std::ios::app);
    append << "late\n";
  }
  EXPECT_EQ(harness_.Collect(5), LineList(0, 5));
  ASSERT_TRUE(testing::WaitFor([&] { return source_->halted(); }));
  EXPECT_TRUE(Exists("grows.log"));
  EXPECT_FALSE(Exists("grows.log.COMPLETED"));
  Drop("next.log", "next\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto rest = harness_.Collect(5, std::chrono::milliseconds(300));
  EXPECT_LE(rest.size(), 5u) << "nothing after the error but what was committed";
  EXPECT_TRUE(Exists("next.log"));
}

TEST_F(SpoolDirSourceTest, AMissingSpoolDirIsAStartError) {
  ASSERT_TRUE(harness_.Wire("name: sp, type: spooldir, spoolDir: /nonexistent/spool", ""));
  SpoolDirSource source(harness_.source_config(), harness_.context(), harness_.processor());
  Status s = source.Start();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("/nonexistent/spool"), std::string::npos) << s.message();
}

TEST_F(SpoolDirSourceTest, IsRegisteredAsSpooldir) {
  EXPECT_NE(SourceRegistry().Find("spooldir"), nullptr);
}

}  // namespace
}  // namespace acequia::sidecar
