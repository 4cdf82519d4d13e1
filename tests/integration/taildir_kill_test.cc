// The taildir source with the real agent following a log that rotates by rename and by
// copytruncate while it is written, killed with kill -9 and restarted: every line reaches the
// file_roll sink exactly once, and the position file records inode, offset and path. Kills at
// random moments lose nothing either; they may repeat the batches whose commit was under way.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "tests/support/agent_fixture.h"
#include "tests/support/test_env.h"

namespace acequia::testing {
namespace {

namespace fs = std::filesystem;

std::string TailFlow(const std::string& root) {
  return R"(apiVersion: acequia.io/v1alpha1
kind: Flow
metadata: {name: tail}
spec:
  sources:
    - name: app
      type: taildir
      filegroups: {app: ")" +
         root + R"(/logs/app.log"}
      positionFile: ")" +
         root + R"(/state/taildir_position.json"
      batchSize: 100
      pollInterval: 50ms
      idleTimeout: 2s
      writePosInterval: 1s
      channels: [disk]
  channels:
    - {name: disk, type: file, checkpointDir: ")" +
         root + R"(/checkpoint", dataDirs: [")" + root +
         R"(/data"], capacity: 100000, transactionCapacity: 1000, checkpointInterval: 1s,
       minimumRequiredSpace: 0}
  sinks:
    - {name: out, type: file_roll, channel: disk, directory: ")" +
         root + R"(/out", rollInterval: 0, batchSize: 100}
  metrics: {port: {metrics_port}}
)";
}

// Writes numbered lines to app.log the way an application with logrotate does.
// What the sink wrote under `out` against the `written` lines "line-0", "line-1", …: how many of
// them never arrived, how many arrived more than once (extra copies), and how many distinct lines
// arrived in all.
struct Delivered {
  int missing = 0;
  int duplicates = 0;
  size_t distinct = 0;
};
Delivered CountDelivered(const std::string& out, int written) {
  std::map<std::string, int> seen;
  for (const auto& line : ReadLinesUnder(out, [](const std::string&) { return true; })) {
    ++seen[line];
  }
  Delivered got;
  got.distinct = seen.size();
  for (int i = 0; i < written; ++i) {
    auto it = seen.find("line-" + std::to_string(i));
    if (it == seen.end()) {
      ++got.missing;
    } else {
      got.duplicates += it->second - 1;
    }
  }
  return got;
}

class RotatingLog {
 public:
  explicit RotatingLog(std::string path) : path_(std::move(path)) { Reopen(); }

  void Write(int lines) {
    for (int i = 0; i < lines; ++i) {
      out_ << "line-" << next_++ << "\n";
      if (i % 50 == 49) {
        out_.flush();
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    }
    out_.flush();
  }
  // logrotate's default: rename; the application writes a few more lines to the old file
  // before it reopens its log.
  void RotateByRename(int late_lines) {
    fs::rename(path_, path_ + "." + std::to_string(++rotations_));
    Write(late_lines);
    Reopen();
  }
  // logrotate's copytruncate: copy, then truncate in place; the application keeps writing.
  void CopyTruncate() {
    fs::copy_file(path_, path_ + ".copy" + std::to_string(++rotations_));
    fs::resize_file(path_, 0);
  }
  int written() const { return next_; }

 private:
  void Reopen() {
    out_.close();
    out_.open(path_, std::ios::app);
  }

  std::string path_;
  std::ofstream out_;
  int next_ = 0;
  int rotations_ = 0;
};

uint64_t InodeOf(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

class TaildirKillTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(root_ + "/logs");
    agent_.WriteConfig(TailFlow(root_));
  }

  nlohmann::json Positions() const {
    return nlohmann::json::parse(ReadFile(root_ + "/state/taildir_position.json"), nullptr, false);
  }

  // The agent read app.log to its end and the sink wrote everything it read.
  bool CaughtUp() {
    const uint64_t inode = InodeOf(app_);
    const auto size = static_cast<uint64_t>(fs::file_size(app_));
    bool at_end = false;
    auto positions = Positions();
    if (!positions.is_array()) return false;
    for (const auto& p : positions) {
      if (p["inode"].get<uint64_t>() == inode) at_end = p["pos"].get<uint64_t>() == size;
    }
    return at_end && agent_.Metric("acequia_channel_size") == 0;
  }

  AgentFixture agent_;
  const std::string root_ = agent_.dir() / "td";
  const std::string app_ = root_ + "/logs/app.log";
};

TEST_F(TaildirKillTest, RotationsAndKill9DeliverEveryLineExactlyOnce) {
  RotatingLog log(app_);
  ASSERT_TRUE(agent_.Start()) << agent_.Log();

  // While the agent runs: lines, a rename rotation, more lines, a copytruncate, more lines.
  log.Write(500);
  log.RotateByRename(20);
  log.Write(500);
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(); })) << agent_.Log();
  // Nothing may be lost between the copy and the truncate, so the log is read to its end first
  // (lines written in between are only in the copy, for any reader).
  log.CopyTruncate();
  log.Write(300);
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(); })) << agent_.Log();

  auto positions = Positions();
  ASSERT_TRUE(positions.is_array()) << ReadFile(root_ + "/state/taildir_position.json");
  bool recorded = false;
  for (const auto& p : positions) {
    if (p["file"] == app_) {
      recorded = true;
      EXPECT_EQ(p["inode"].get<uint64_t>(), InodeOf(app_));
      EXPECT_EQ(p["pos"].get<uint64_t>(), fs::file_size(app_));
    }
  }
  EXPECT_TRUE(recorded) << positions.dump();

  agent_.process()->Signal(SIGKILL);
  ASSERT_TRUE(agent_.process()->Wait(std::chrono::seconds(10)).has_value());

  // While the agent is down: more lines, and a rename rotation it must follow by inode.
  log.Write(200);
  log.RotateByRename(30);
  log.Write(200);

  ASSERT_TRUE(agent_.Start()) << agent_.Log();
  log.Write(300);
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(); }, std::chrono::seconds(20))) << agent_.Log();
  log.CopyTruncate();
  log.Write(100);
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(); }, std::chrono::seconds(20))) << agent_.Log();
  ASSERT_EQ(agent_.Terminate(), 0) << agent_.Log();

  const Delivered got = CountDelivered(root_ + "/out", log.written());
  EXPECT_EQ(log.written(), 2150);
  EXPECT_EQ(got.missing, 0);
  EXPECT_EQ(got.duplicates, 0);
  EXPECT_EQ(got.distinct, static_cast<size_t>(log.written())) << "nothing but the written lines";
}

TEST_F(TaildirKillTest, RepeatedKill9sWhileWritingAndRotatingLoseNoLine) {
  RotatingLog log(app_);
  std::mt19937 random(20261121);
  std::uniform_int_distribution<int> split(10, 290);
  for (int round = 0; round < 6; ++round) {
    ASSERT_TRUE(agent_.Start()) << "round " << round << ":\n" << agent_.Log();
    const int before = split(random);
    log.Write(before);
    if (round % 2 == 1) log.RotateByRename(15);
    log.Write(300 - before);
    agent_.process()->Signal(SIGKILL);  // at whatever point the agent has reached
    ASSERT_TRUE(agent_.process()->Wait(std::chrono::seconds(10)).has_value());
    log.Write(25);  // written while the agent is down
  }
  ASSERT_TRUE(agent_.Start()) << agent_.Log();
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(); }, std::chrono::seconds(30))) << agent_.Log();
  ASSERT_EQ(agent_.Terminate(), 0) << agent_.Log();

  const Delivered got = CountDelivered(root_ + "/out", log.written());
  std::cout << "[ kill -9 ] 6 kills while writing, " << log.written() << " lines, " << got.missing
            << " lost, " << got.duplicates
            << " duplicates (batches whose commit was under way at a kill)\n";
  EXPECT_EQ(got.missing, 0) << "at-least-once across kill -9 and rotation";
}

}  // namespace
}  // namespace acequia::testing
