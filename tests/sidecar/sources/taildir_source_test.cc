#include "sidecar/sources/taildir_source.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
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

void Append(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::app | std::ios::binary);
  out << text;
}

uint64_t Inode(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_ino;
}

class TaildirSourceTest : public ::testing::Test {
 protected:
  void SetUp() override { fs::create_directories(logs_); }

  // A taildir source over `groups` (YAML map) with `props`, writing to one memory channel.
  Status StartSource(const std::string& groups, const std::string& props = "") {
    if (!harness_.Wire("name: td, type: taildir, filegroups: " + groups +
                           ", positionFile: " + position_ + ", pollInterval: 20ms" + props,
                       "capacity: 100000, transactionCapacity: 1000")) {
      return Status::InvalidArgument("bad flow");
    }
    auto source =
        TaildirSource::Create(harness_.source_config(), harness_.context(), harness_.processor());
    if (!source.ok()) return source.status();
    source_ = source->get();
    return harness_.Start(std::move(source).value());
  }
  void StartApp(const std::string& props = "") {
    Status s = StartSource("{app: " + app_ + "}", props);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // Nothing more arrives for a while.
  bool Quiet() {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    return harness_.Take(100).empty();
  }

  testing::TempDir dir_;
  const std::string logs_ = dir_ / "logs";
  const std::string app_ = logs_ + "/app.log";
  const std::string position_ = dir_ / "state/taildir_position.json";
  testing::SourceHarness harness_;
  TaildirSource* source_ = nullptr;  // owned by harness_
};

TEST_F(TaildirSourceTest, CompleteLinesBecomeEventsAndAPartialLineWaitsForItsNewline) {
  testing::WriteFile(app_, "a\nb\r\npart");
  StartApp();
  EXPECT_EQ(harness_.Collect(2), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(Quiet());
  Append(app_, "ial\n");
  EXPECT_EQ(harness_.Collect(1), (std::vector<std::string>{"partial"}));
}

TEST_F(TaildirSourceTest, ThePositionFileRecordsInodeOffsetAndPathAfterCommit) {
  testing::WriteFile(app_, Lines(0, 3));
  StartApp();
  EXPECT_EQ(harness_.Collect(3), LineList(0, 3));
  nlohmann::json positions;
  ASSERT_TRUE(testing::WaitFor([&] {
    positions = nlohmann::json::parse(testing::ReadFile(position_), nullptr, false);
    return positions.is_array() && positions.size() == 1 && positions[0]["pos"] == 21;
  })) << testing::ReadFile(position_);
  EXPECT_EQ(positions[0]["inode"].get<uint64_t>(), Inode(app_));
  EXPECT_EQ(positions[0]["file"], app_);
}

TEST_F(TaildirSourceTest, ARestartContinuesAtTheRecordedOffset) {
  testing::WriteFile(app_, Lines(0, 5));
  StartApp();
  EXPECT_EQ(harness_.Collect(5), LineList(0, 5));
  harness_.StopSource();
  Append(app_, Lines(5, 8));
  StartApp();
  EXPECT_EQ(harness_.Collect(3), LineList(5, 8));
  EXPECT_TRUE(Quiet());
}

TEST_F(TaildirSourceTest, RenameRotationReadsTheOldFileToItsEndThenTheNewOne) {
  testing::WriteFile(app_, Lines(0, 5));
  StartApp();
  EXPECT_EQ(harness_.Collect(5), LineList(0, 5));
  // The writer still holds the old file: its last lines land after the rename.
  std::ofstream writer(app_, std::ios::app);
  fs::rename(app_, app_ + ".1");
  writer << Lines(5, 8);
  writer.close();
  testing::WriteFile(app_, Lines(8, 10));
  EXPECT_EQ(harness_.Collect(5), LineList(5, 10));
  EXPECT_TRUE(Quiet());
}

TEST_F(TaildirSourceTest, ARotationWhileStoppedIsFoundByInodeAfterTheRestart) {
  testing::WriteFile(app_, Lines(0, 5));
  StartApp();
  EXPECT_EQ(harness_.Collect(5), LineList(0, 5));
  harness_.StopSource();
  Append(app_, Lines(5, 7));
  fs::rename(app_, app_ + ".1");
  testing::WriteFile(app_, Lines(7, 9));
  StartApp();
  EXPECT_EQ(harness_.Collect(4), LineList(5, 9));
  EXPECT_TRUE(Quiet());
}

TEST_F(TaildirSourceTest, CopyTruncateStartsTheFileAgainFromZero) {
  testing::WriteFile(app_, Lines(0, 10));
  StartApp();
  EXPECT_EQ(harness_.Collect(10), LineList(0, 10));
  fs::copy_file(app_, app_ + ".1");
  fs::resize_file(app_, 0);
  Append(app_, Lines(10, 12));  // shorter than the old offset
  EXPECT_EQ(harness_.Collect(2), LineList(10, 12));
  EXPECT_TRUE(Quiet());
  fs::copy_file(app_, app_ + ".2");
  fs::resize_file(app_, 0);
  Append(app_, Lines(100, 120));  // longer than the old offset before the source looks
  EXPECT_EQ(harness_.Collect(20), LineList(100, 120));
  EXPECT_TRUE(Quiet());
}

TEST_F(TaildirSourceTest, SkipToEndIgnoresWhatWasThereAtStartUp) {
  testing::WriteFile(app_, Lines(0, 5));
  StartApp(", skipToEnd: true");
  EXPECT_TRUE(Quiet());
  Append(app_, Lines(5, 6));
  EXPECT_EQ(harness_.Collect(1), LineList(5, 6));
}

TEST_F(TaildirSourceTest, GlobGroupsHeadersAndByteOffsets) {
  fs::create_directories(dir_ / "other");
  testing::WriteFile(logs_ + "/a.log", "alpha\n");
  testing::WriteFile(logs_ + "/skip.txt", "no\n");
  testing::WriteFile(dir_ / "other/b.log", "x\nbeta\n");
  Status s = StartSource("{web: " + logs_ + "/*.log, db: " + dir_ / "other/b.*" + "}",
                         ", headers: {web.kind: web, db.kind: db}, byteOffsetHeader: true, "
                         "fileHeader: true");
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::vector<Event> events;
  ASSERT_TRUE(testing::WaitFor([&] {
    for (auto& e : harness_.Take(10)) events.push_back(e);
    return events.size() >= 3;
  }));
  EXPECT_TRUE(Quiet());
  ASSERT_EQ(events.size(), 3u);
  for (const auto& e : events) {
    ASSERT_NE(e.headers.Find("kind"), nullptr);
    ASSERT_NE(e.headers.Find("file"), nullptr);
    if (e.body == "alpha") {
      EXPECT_EQ(*e.headers.Find("kind"), "web");
      EXPECT_EQ(*e.headers.Find("file"), logs_ + "/a.log");
      EXPECT_EQ(*e.headers.Find("byteoffset"), "0");
    } else {
      EXPECT_EQ(*e.headers.Find("kind"), "db");
      EXPECT_EQ(*e.headers.Find("byteoffset"), e.body == "x" ? "0" : "2");
    }
  }
}

TEST_F(TaildirSourceTest, OverLongLinesAreRejectedNeverTruncated) {
  testing::WriteFile(app_, "short\n" + std::string(300, 'x') + "\nafter\n");
  StartApp(", maxLineLength: 100");
  EXPECT_EQ(harness_.Collect(2), (std::vector<std::string>{"short", "after"}));
  EXPECT_EQ(harness_.metrics().rejected->Value(), 1);
}

TEST_F(TaildirSourceTest, BadFileGroupsAndHeadersAreErrors) {
  Status s = StartSource("{app: relative/*.log}");
  EXPECT_NE(s.message().find("absolute path"), std::string::npos) << s.ToString();
  s = StartSource("{app: /var/*/x.log}");
  EXPECT_NE(s.message().find("only the file name"), std::string::npos) << s.ToString();
  s = StartSource("{app: " + app_ + "}", ", headers: {nogroup.kind: x}");
  EXPECT_NE(s.message().find("nogroup.kind"), std::string::npos) << s.ToString();
}

TEST_F(TaildirSourceTest, IsRegisteredAsTaildir) {
  EXPECT_NE(SourceRegistry().Find("taildir"), nullptr);
}

}  // namespace
}  // namespace acequia::sidecar
