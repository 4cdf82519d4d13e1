#include "sidecar/channels/file_channel.h"

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "sidecar/channels/file_channel_format.h"
#include "tests/support/component_configs.h"
#include "tests/support/test_env.h"

namespace acequia::sidecar {
namespace {

namespace fs = std::filesystem;

std::vector<Event> Events(int from, int to, const std::string& prefix = "e") {
  std::vector<Event> events;
  for (int i = from; i < to; ++i) {
    Event e{{}, prefix + std::to_string(i)};
    e.headers.Set("seq", std::to_string(i));
    events.push_back(std::move(e));
  }
  return events;
}

std::vector<std::string> Segments(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    uint32_t id;
    if (file_channel::ParseSegmentFileName(entry.path().filename().string(), &id)) {
      names.push_back(entry.path().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

class FileChannelTest : public ::testing::Test {
 protected:
  std::string Fields(const std::string& extra = "") const {
    return "type: file, checkpointDir: \"" + dir_ / "checkpoint" + "\", dataDirs: [\"" +
           dir_ / "data" + "\"], minimumRequiredSpace: 0, keepAlive: 50ms" +
           (extra.empty() ? "" : ", " + extra);
  }
  std::unique_ptr<FileChannel> Open(const std::string& extra = "") {
    auto channel =
        FileChannel::Open(testing::ChannelConfig(Fields(extra)), "test",
                          metrics_.ForChannel("c", "file"), metrics_.ForFileChannel("c", "file"));
    EXPECT_TRUE(channel.ok()) << channel.status().message();
    return channel.ok() ? std::move(channel).value() : nullptr;
  }
  static void PutCommit(Channel& channel, std::vector<Event> events) {
    auto tx = channel.Begin();
    ASSERT_TRUE(tx->Put(std::move(events)).ok());
    Status s = tx->Commit();
    ASSERT_TRUE(s.ok()) << s.message();
  }
  static std::vector<std::string> TakeAll(Channel& channel, size_t batch = 1000) {
    std::vector<std::string> bodies;
    while (true) {
      auto tx = channel.Begin();
      auto taken = tx->Take(batch);
      for (const auto& e : taken) bodies.push_back(e.body);
      EXPECT_TRUE(tx->Commit().ok());
      if (taken.empty()) break;
    }
    return bodies;
  }
  double Corrupt() { return metrics_.ForFileChannel("c", "file").corrupt_records->Value(); }

  testing::TempDir dir_;
  AgentMetrics metrics_{"test"};
};

TEST_F(FileChannelTest, BehavesLikeTheMemoryChannel) {
  auto channel = Open("capacity: 10, transactionCapacity: 5");
  ASSERT_TRUE(channel);
  auto put = channel->Begin();
  ASSERT_TRUE(put->Put(Events(0, 5)).ok());
  EXPECT_EQ(channel->Size(), 0u) << "puts are invisible before commit";
  ASSERT_TRUE(put->Commit().ok());
  EXPECT_EQ(channel->Size(), 5u);

  auto too_big = channel->Begin();
  auto six = Events(0, 6);
  EXPECT_EQ(too_big->Put(std::move(six)).code(), Status::Code::kResourceExhausted);

  auto first = channel->Begin();
  auto taken = first->Take(3);
  ASSERT_EQ(taken.size(), 3u);
  EXPECT_EQ(taken[0].body, "e0");
  EXPECT_EQ(*taken[0].headers.Find("seq"), "0");
  first->Rollback(nullptr);
  EXPECT_EQ(channel->Size(), 5u) << "rolled-back takes return";

  // Taken-uncommitted events count against capacity: 5 queued + 5 more fill it.
  auto holder = channel->Begin();
  ASSERT_EQ(holder->Take(5).size(), 5u);
  PutCommit(*channel, Events(5, 10));
  auto full = channel->Begin();
  ASSERT_TRUE(full->Put(Events(10, 11)).ok());
  EXPECT_EQ(full->Prepare().code(), Status::Code::kResourceExhausted);
  std::vector<Event> unput;
  full->Rollback(&unput);
  ASSERT_EQ(unput.size(), 1u) << "a rollback hands staged puts back";
  EXPECT_EQ(unput[0].body, "e10");
  holder->Rollback(nullptr);

  EXPECT_EQ(TakeAll(*channel),
            (std::vector<std::string>{"e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9"}));
}

TEST_F(FileChannelTest, CommittedEventsSurviveARestartAndOpenTransactionsDoNot) {
  {
    auto channel = Open();
    ASSERT_TRUE(channel);
    PutCommit(*channel, Events(0, 100));
    auto taken = channel->Begin();  // taken, committed: gone for good
    ASSERT_EQ(taken->Take(10).size(), 10u);
    ASSERT_TRUE(taken->Commit().ok());
    auto open_take = channel->Begin();  // taken, never committed: comes back
    ASSERT_EQ(open_take->Take(5).size(), 5u);
    auto prepared = channel->Begin();  // prepared, never committed: never appears
    ASSERT_TRUE(prepared->Put(Events(0, 3, "ghost")).ok());
    ASSERT_TRUE(prepared->Prepare().ok());
    ASSERT_TRUE(channel->WriteCheckpoint().ok());
    PutCommit(*channel, Events(100, 110));  // after the checkpoint: replayed from the log
    // Simulate a crash: the transactions are dropped with the channel, without commit.
    open_take->Rollback(nullptr);
    prepared->Rollback(nullptr);
  }
  auto channel = Open();
  ASSERT_TRUE(channel);
  EXPECT_TRUE(channel->recovery().from_checkpoint);
  auto bodies = TakeAll(*channel, 7);
  ASSERT_EQ(bodies.size(), 100u);
  EXPECT_EQ(bodies.front(), "e10");
  EXPECT_EQ(bodies.back(), "e109");
}

TEST_F(FileChannelTest, ReplaysTheLogWhenTheProcessDiesWithoutACheckpoint) {
  // A child process commits, then dies by SIGKILL: no destructor, no final checkpoint.
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto channel =
        FileChannel::Open(testing::ChannelConfig(Fields("checkpointInterval: 1h")), "test",
                          metrics_.ForChannel("c", "file"), metrics_.ForFileChannel("c", "file"));
    if (!channel.ok()) _exit(2);
    for (int b = 0; b < 10; ++b) {
      auto tx = (*channel)->Begin();
      if (!tx->Put(Events(b * 100, b * 100 + 100)).ok() || !tx->Commit().ok()) _exit(3);
    }
    auto take = (*channel)->Begin();
    if (take->Take(250).size() != 250 || !take->Commit().ok()) _exit(4);
    kill(getpid(), SIGKILL);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  auto channel = Open();
  ASSERT_TRUE(channel);
  EXPECT_EQ(channel->Size(), 750u);
  auto bodies = TakeAll(*channel);
  ASSERT_EQ(bodies.size(), 750u);
  EXPECT_EQ(bodies.front(), "e250");
  EXPECT_EQ(bodies.back(), "e999");
}

TEST_F(FileChannelTest, TornOrCorruptTailKeepsTheValidPrefixAndCountsTheRest) {
  {
    auto channel = Open("checkpointInterval: 1h");
    ASSERT_TRUE(channel);
    ASSERT_TRUE(channel->WriteCheckpoint().ok());
    for (int b = 0; b < 4; ++b) PutCommit(*channel, Events(b * 10, b * 10 + 10));
    // Leave the segment as a crash would: remove the checkpoint written on close afterwards.
  }
  // The destructor checkpointed; drop it so replay must read the log.
  fs::remove(dir_ / "checkpoint/checkpoint");
  auto segments = Segments(dir_ / "data");
  ASSERT_FALSE(segments.empty());
  const std::string last = segments.back();
  // Segments after the one with the events hold nothing (header only); find the written one.
  std::string written;
  for (const auto& s : segments) {
    if (fs::file_size(s) > file_channel::kSegmentHeaderSize) written = s;
  }
  ASSERT_FALSE(written.empty());
  const auto size = fs::file_size(written);

  // 1. Truncated record: cut the last (kPuts) record in half.
  fs::resize_file(written, size - 20);
  {
    auto channel = Open();
    ASSERT_TRUE(channel);
    EXPECT_EQ(channel->recovery().corrupt_records, 1u);
    EXPECT_EQ(channel->Size(), 30u) << "the first three batches were whole";
    EXPECT_EQ(Corrupt(), 1);
  }
}

TEST_F(FileChannelTest, FlippedBitsAreCaughtByTheChecksum) {
  {
    auto channel = Open("checkpointInterval: 1h");
    ASSERT_TRUE(channel);
    for (int b = 0; b < 4; ++b) PutCommit(*channel, Events(b * 10, b * 10 + 10));
  }
  fs::remove(dir_ / "checkpoint/checkpoint");
  std::string written;
  for (const auto& s : Segments(dir_ / "data")) {
    if (fs::file_size(s) > file_channel::kSegmentHeaderSize) written = s;
  }
  ASSERT_FALSE(written.empty());
  // Flip one bit in the body of the 31st event (the fourth batch's first event record).
  std::string data = testing::ReadFile(written);
  const size_t at = data.rfind("e30");
  ASSERT_NE(at, std::string::npos);
  data[at + 1] ^= 0x04;
  testing::WriteFile(written, data);
  auto channel = Open();
  ASSERT_TRUE(channel);
  EXPECT_EQ(channel->recovery().corrupt_records, 1u);
  EXPECT_GT(channel->recovery().corrupt_bytes, 0u);
  EXPECT_EQ(channel->Size(), 30u);
  auto bodies = TakeAll(*channel);
  ASSERT_EQ(bodies.size(), 30u);
  EXPECT_EQ(bodies.back(), "e29");
}

TEST_F(FileChannelTest, FullyConsumedSegmentsAreDeleted) {
  auto channel = Open("maxFileSize: 1Mi, checkpointInterval: 1h");
  ASSERT_TRUE(channel);
  const std::string body(1000, 'x');
  for (int b = 0; b < 50; ++b) {
    std::vector<Event> batch;
    for (int i = 0; i < 100; ++i) batch.push_back(Event{{}, body});
    PutCommit(*channel, std::move(batch));
  }
  EXPECT_GE(Segments(dir_ / "data").size(), 4u) << "5 MB of events in 1 MiB segments";
  EXPECT_EQ(TakeAll(*channel).size(), 5000u);
  ASSERT_TRUE(channel->WriteCheckpoint().ok());
  EXPECT_EQ(Segments(dir_ / "data").size(), 1u) << "only the segment being written is kept";

  // A segment still holding one queued event stays.
  PutCommit(*channel, Events(0, 1));
  std::vector<Event> more;
  for (int i = 0; i < 2000; ++i) more.push_back(Event{{}, body});
  for (int i = 0; i < 2; ++i) {
    std::vector<Event> half(more.begin() + i * 1000, more.begin() + (i + 1) * 1000);
    PutCommit(*channel, std::move(half));
  }
  auto tx = channel->Begin();
  ASSERT_EQ(tx->Take(1).size(), 1u);  // e0 taken but not committed
  ASSERT_TRUE(channel->WriteCheckpoint().ok());
  const auto kept = Segments(dir_ / "data");
  EXPECT_GE(kept.size(), 2u);
  tx->Rollback(nullptr);
}

TEST_F(FileChannelTest, ASecondChannelOnTheSameDirectoriesIsRefused) {
  auto channel = Open();
  ASSERT_TRUE(channel);
  auto second =
      FileChannel::Open(testing::ChannelConfig(Fields()), "test", metrics_.ForChannel("c", "file"),
                        metrics_.ForFileChannel("c", "file"));
  ASSERT_FALSE(second.ok());
  const std::string& message = second.status().message();
  EXPECT_NE(message.find(dir_ / "checkpoint"), std::string::npos) << message;
  EXPECT_NE(message.find("pid " + std::to_string(getpid())), std::string::npos) << message;
  channel.reset();
  EXPECT_TRUE(Open()) << "the lock goes with the channel";
}

TEST_F(FileChannelTest, LowDiskSpaceTurnsIntoBackPressure) {
  auto channel = Open();
  ASSERT_TRUE(channel);
  PutCommit(*channel, Events(0, 10));
  // Ask for more free space than any disk here has: puts wait keepAlive, then fail as "full".
  ASSERT_TRUE(
      channel->Reconfigure(testing::ChannelConfig(Fields("minimumRequiredSpace: 1000000Gi"))).ok());
  auto tx = channel->Begin();
  ASSERT_TRUE(tx->Put(Events(10, 20)).ok());
  Status s = tx->Commit();
  EXPECT_EQ(s.code(), Status::Code::kResourceExhausted);
  EXPECT_NE(s.message().find("minimumRequiredSpace"), std::string::npos) << s.message();
  std::vector<Event> unput;
  tx->Rollback(&unput);
  EXPECT_EQ(unput.size(), 10u);
  // Takes still work, and puts resume once space is back.
  EXPECT_EQ(TakeAll(*channel).size(), 10u);
  ASSERT_TRUE(channel->Reconfigure(testing::ChannelConfig(Fields())).ok());
  PutCommit(*channel, std::move(unput));
  EXPECT_EQ(channel->Size(), 10u);
}

// A real ENOSPC from a small tmpfs: the failed write leaves nothing behind, the put fails as
// "full", and everything committed before stays readable, also after a restart.
TEST_F(FileChannelTest, DiskFullIsBackPressureNotACrashNorALoss) {
  const std::string mnt = dir_ / "tmpfs";
  fs::create_directories(mnt);
  if (mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=2m") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here (" << std::strerror(errno)
                 << "); LowDiskSpaceTurnsIntoBackPressure covers minimumRequiredSpace";
  }
  struct Unmount {
    std::string path;
    ~Unmount() { umount2(path.c_str(), MNT_DETACH); }
  } unmount{mnt};
  const std::string fields = "type: file, checkpointDir: \"" + mnt + "/cp\", dataDirs: [\"" + mnt +
                             "/data\"], minimumRequiredSpace: 0, keepAlive: 10ms";
  const std::string body(10000, 'y');
  size_t committed = 0;
  {
    auto opened =
        FileChannel::Open(testing::ChannelConfig(fields), "test", metrics_.ForChannel("c", "file"),
                          metrics_.ForFileChannel("c", "file"));
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    auto& channel = **opened;
    Status last;
    for (int i = 0; i < 1000; ++i) {
      auto tx = channel.Begin();
      std::vector<Event> batch(10, Event{{}, body});
      ASSERT_TRUE(tx->Put(std::move(batch)).ok());
      last = tx->Commit();
      if (!last.ok()) {
        tx->Rollback(nullptr);
        break;
      }
      committed += 10;
    }
    EXPECT_EQ(last.code(), Status::Code::kResourceExhausted) << last.message();
    EXPECT_GT(committed, 0u);
    EXPECT_EQ(channel.Size(), committed);
    // Draining makes no room by itself (segments go at the next checkpoint) but must work.
    auto tx = channel.Begin();
    EXPECT_EQ(tx->Take(5).size(), 5u);
    tx->Rollback(nullptr);
  }
  auto reopened =
      FileChannel::Open(testing::ChannelConfig(fields), "test", metrics_.ForChannel("c", "file"),
                        metrics_.ForFileChannel("c", "file"));
  ASSERT_TRUE(reopened.ok()) << reopened.status().message();
  EXPECT_EQ((*reopened)->Size(), committed) << "nothing committed was lost";
}

TEST_F(FileChannelTest, ConcurrentCommitsShareFsyncs) {
  auto channel = Open("transactionCapacity: 100");
  ASSERT_TRUE(channel);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < 25; ++b) PutCommit(*channel, Events(0, 10, std::to_string(t) + "-"));
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(channel->Size(), 1000u);
  const auto fsyncs = metrics_.ForFileChannel("c", "file").fsync_duration->Collect().histogram;
  EXPECT_GT(fsyncs.sample_count, 0u);
  EXPECT_LE(fsyncs.sample_count, 100u) << "never more than one fsync per commit";
}

// Start-up with 1,000,000 queued events (never taken by a sink) must take under 2 seconds,
// both from the checkpoint (the normal case) and by replaying the whole log (a crash before the
// first checkpoint).
TEST_F(FileChannelTest, StartUpWithAMillionQueuedEventsTakesUnderTwoSeconds) {
  constexpr int kEvents = 1'000'000;
  {
    auto channel = Open(
        "capacity: 1000000, transactionCapacity: 10000, fsync: none, "
        "checkpointInterval: 1h");
    ASSERT_TRUE(channel);
    for (int b = 0; b < kEvents / 10000; ++b) {
      std::vector<Event> batch;
      batch.reserve(10000);
      for (int i = 0; i < 10000; ++i) {
        batch.push_back(Event{{},
                              "event number " + std::to_string(b * 10000 + i) +
                                  " with a body of about one hundred bytes, like a log "
                                  "line of an ordinary web server"});
      }
      PutCommit(*channel, std::move(batch));
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  {
    auto channel = Open("capacity: 1000000");
    ASSERT_TRUE(channel);
    EXPECT_TRUE(channel->recovery().from_checkpoint);
    EXPECT_EQ(channel->Size(), static_cast<size_t>(kEvents));
  }
  const double from_checkpoint =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fs::remove(dir_ / "checkpoint/checkpoint");
  const auto t1 = std::chrono::steady_clock::now();
  auto channel = Open("capacity: 1000000");
  ASSERT_TRUE(channel);
  const double full = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  EXPECT_FALSE(channel->recovery().from_checkpoint);
  EXPECT_EQ(channel->Size(), static_cast<size_t>(kEvents));
  auto tx = channel->Begin();
  auto first = tx->Take(1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].body.substr(0, 15), "event number 0 ");
  tx->Rollback(nullptr);
  std::cout << "[ replay  ] 1,000,000 events: open from checkpoint (incl. close) "
            << from_checkpoint << " s, full log replay " << full << " s (recovery "
            << channel->recovery().seconds << " s)\n";
  EXPECT_LT(from_checkpoint, 2.0);
  EXPECT_LT(full, 2.0);
}

}  // namespace
}  // namespace acequia::sidecar
