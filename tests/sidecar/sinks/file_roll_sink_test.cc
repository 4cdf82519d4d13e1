#include "sidecar/sinks/file_roll_sink.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <ctime>
#include <regex>

#include "api/flow.h"
#include "sidecar/core/registry.h"
#include "tests/support/component_configs.h"
#include "tests/support/test_env.h"

namespace acequia::sidecar {
namespace {

using acequia::testing::ListFiles;
using acequia::testing::ReadFile;
using acequia::testing::TempDir;
using acequia::testing::WaitFor;

api::SinkConfig FileRollConfig(const std::string& directory, const std::string& extra = "") {
  return testing::SinkConfig("name: archive, type: file_roll, directory: \"" + directory + "\"" +
                             extra);
}

Event MakeEvent(std::string body,
                const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  Event event;
  event.body = std::move(body);
  for (const auto& [k, v] : headers) event.headers.Set(k, v);
  return event;
}

std::vector<Event> Numbered(int from, int to) {
  std::vector<Event> events;
  events.reserve(to - from);
  for (int i = from; i < to; ++i) events.push_back(MakeEvent("line-" + std::to_string(i)));
  return events;
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<std::string> InUse(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& f : ListFiles(dir)) {
    if (EndsWith(f, ".tmp")) files.push_back(f);
  }
  return files;
}

std::vector<std::string> Closed(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& f : ListFiles(dir)) {
    if (!EndsWith(f, ".tmp")) files.push_back(f);
  }
  return files;
}

// The n of events-<ms>-<n>.log: files of one sink, in the order they were opened.
int64_t Counter(const std::string& path) {
  static const std::regex kName(R"(events-(\d+)-(\d+)\.log(\.tmp)?$)");
  std::smatch m;
  if (!std::regex_search(path, m, kName)) return -1;
  return std::stoll(m[2]);
}

std::vector<std::string> InOpenOrder(std::vector<std::string> files) {
  std::sort(files.begin(), files.end(),
            [](const std::string& a, const std::string& b) { return Counter(a) < Counter(b); });
  return files;
}

std::string Lines(int from, int to) {
  std::string text;
  for (int i = from; i < to; ++i) text += "line-" + std::to_string(i) + "\n";
  return text;
}

TEST(FileRollSinkTest, WritesOneBodyPerLineAndRenamesTheFileOnStop) {
  TempDir tmp;
  FileRollSink sink(FileRollConfig(tmp.path()));
  ASSERT_TRUE(sink.Start().ok());
  auto first = Numbered(0, 3);
  auto second = Numbered(3, 5);
  ASSERT_TRUE(sink.Deliver(first).ok());
  ASSERT_TRUE(sink.Deliver(second).ok());

  auto open = InUse(tmp.path());
  ASSERT_EQ(open.size(), 1u) << "a file being written carries the in-use suffix";
  EXPECT_TRUE(Closed(tmp.path()).empty()) << "readers see no file before it is complete";
  EXPECT_EQ(ReadFile(open[0]), Lines(0, 5)) << "each delivered batch is on disk already";

  sink.Stop();
  EXPECT_TRUE(InUse(tmp.path()).empty());
  auto closed = Closed(tmp.path());
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0], open[0].substr(0, open[0].size() - 4));
  EXPECT_TRUE(std::regex_match(closed[0].substr(tmp.path().size() + 1),
                               std::regex(R"(events-\d{13}-\d+\.log)")))
      << closed[0];
  EXPECT_EQ(ReadFile(closed[0]), Lines(0, 5));
}

TEST(FileRollSinkTest, CreatesNoFileWithoutEvents) {
  TempDir tmp;
  FileRollSink sink(FileRollConfig(tmp / "out", ", rollInterval: 100ms"));
  ASSERT_TRUE(sink.Start().ok());
  ASSERT_TRUE(sink.Deliver({}).ok());
  ASSERT_TRUE(sink.Tick().ok());
  sink.Stop();
  EXPECT_TRUE(ListFiles(tmp.path()).empty());
}

TEST(FileRollSinkTest, HonoursPrefixSuffixAndAnEmptyInUseSuffix) {
  TempDir tmp;
  FileRollSink sink(
      FileRollConfig(tmp.path(), ", filePrefix: app-, fileSuffix: .txt, inUseSuffix: \"\""));
  ASSERT_TRUE(sink.Start().ok());
  auto events = Numbered(0, 2);
  ASSERT_TRUE(sink.Deliver(events).ok());
  auto files = ListFiles(tmp.path());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_TRUE(std::regex_match(files[0].substr(tmp.path().size() + 1),
                               std::regex(R"(app-\d{13}-\d+\.txt)")))
      << files[0];
  sink.Stop();
  EXPECT_EQ(ListFiles(tmp.path()), files);
  EXPECT_EQ(ReadFile(files[0]), Lines(0, 2));
}

TEST(FileRollSinkTest, RollCountSplitsFilesWithoutLosingOrRepeatingLines) {
  TempDir tmp;
  FileRollSink sink(FileRollConfig(tmp.path(), ", rollCount: 3"));
  ASSERT_TRUE(sink.Start().ok());
  for (int from = 0; from < 10; from += 4) {  // batches of 4 span rolls
    auto batch = Numbered(from, std::min(from + 4, 10));
    ASSERT_TRUE(sink.Deliver(batch).ok());
  }
  EXPECT_EQ(Closed(tmp.path()).size(), 3u) << "full files are closed at once";
  EXPECT_EQ(InUse(tmp.path()).size(), 1u);
  sink.Stop();

  auto files = InOpenOrder(Closed(tmp.path()));
  ASSERT_EQ(files.size(), 4u);
  EXPECT_EQ(ReadFile(files[0]), Lines(0, 3));
  EXPECT_EQ(ReadFile(files[1]), Lines(3, 6));
  EXPECT_EQ(ReadFile(files[2]), Lines(6, 9));
  EXPECT_EQ(ReadFile(files[3]), Lines(9, 10));
}

TEST(FileRollSinkTest, RollSizeRollsOnceAFileHoldsThatManyBytes) {
  TempDir tmp;
  FileRollSink sink(FileRollConfig(tmp.path(), ", rollSize: 10"));
  ASSERT_TRUE(sink.Start().ok());
  std::vector<Event> events;
  events.reserve(5);
  for (int i = 0; i < 5; ++i) events.push_back(MakeEvent("abcd" + std::to_string(i)));  // 6 bytes
  ASSERT_TRUE(sink.Deliver(events).ok());
  sink.Stop();

  auto files = InOpenOrder(Closed(tmp.path()));
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(ReadFile(files[0]), "abcd0\nabcd1\n");
  EXPECT_EQ(ReadFile(files[1]), "abcd2\nabcd3\n");
  EXPECT_EQ(ReadFile(files[2]), "abcd4\n");
}

TEST(FileRollSinkTest, RollIntervalRollsOnTick) {
  TempDir tmp;
  FileRollSink sink(FileRollConfig(tmp.path(), ", rollInterval: 200ms"));
  ASSERT_TRUE(sink.Start().ok());
  auto first = Numbered(0, 2);
  ASSERT_TRUE(sink.Deliver(first).ok());
  ASSERT_EQ(InUse(tmp.path()).size(), 1u);
  ASSERT_TRUE(WaitFor(
      [&] {
        EXPECT_TRUE(sink.Tick().ok());
        return Closed(tmp.path()).size() == 1;
      },
      std::chrono::seconds(5)))
      << "an idle sink rolls its file once rollInterval passed";
  EXPECT_TRUE(InUse(tmp.path()).empty());

  auto second = Numbered(2, 3);
  ASSERT_TRUE(sink.Deliver(second).ok());
  EXPECT_EQ(InUse(tmp.path()).size(), 1u) << "the next event opens a new file";
  sink.Stop();
  auto files = InOpenOrder(Closed(tmp.path()));
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(ReadFile(files[0]), Lines(0, 2));
  EXPECT_EQ(ReadFile(files[1]), Lines(2, 3));
}

TEST(FileRollSinkTest, ResolvesTimeAndHeaderEscapesPerEvent) {
  TempDir tmp;
  const int64_t ts_ms = 1700000000123;  // 2023-11-14 22:13:20 UTC
  const std::time_t ts = static_cast<std::time_t>(ts_ms / 1000);
  std::tm local{};
  ASSERT_NE(localtime_r(&ts, &local), nullptr);
  char date[32];
  ASSERT_GT(std::strftime(date, sizeof date, "%Y-%m-%d/%H%M%S", &local), 0u);

  FileRollSink sink(FileRollConfig(tmp.path() + "/%Y-%m-%d/%H%M%S/%{host}"));
  ASSERT_TRUE(sink.Start().ok());
  const std::string stamp = std::to_string(ts_ms);
  std::vector<Event> events = {
      MakeEvent("a1", {{"timestamp", stamp}, {"host", "web-a"}}),
      MakeEvent("b1", {{"timestamp", stamp}, {"host", "web-b"}}),
      MakeEvent("a2", {{"timestamp", stamp}, {"host", "web-a"}}),
  };
  ASSERT_TRUE(sink.Deliver(events).ok());
  sink.Stop();

  const std::string base = tmp.path() + "/" + date;
  auto a = Closed(base + "/web-a");
  auto b = Closed(base + "/web-b");
  ASSERT_EQ(a.size(), 1u) << "under " << base;
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(ReadFile(a[0]), "a1\na2\n");
  EXPECT_EQ(ReadFile(b[0]), "b1\n");
  EXPECT_EQ(ListFiles(tmp.path()).size(), 2u);
}

TEST(FileRollSinkTest, KeepsPercentLiteralsAndUnknownEscapesAndEmptiesMissingHeaders) {
  TempDir tmp;
  FileRollSink sink(FileRollConfig(tmp.path() + "/x%%y%q/h-%{missing}-"));
  ASSERT_TRUE(sink.Start().ok());
  auto events = Numbered(0, 1);
  ASSERT_TRUE(sink.Deliver(events).ok());
  sink.Stop();
  EXPECT_EQ(Closed(tmp.path() + "/x%y%q/h--").size(), 1u);
}

TEST(FileRollSinkTest, UsesTheLocalClockWithoutATimestampHeaderOrWithUseLocalTimeStamp) {
  TempDir tmp;
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  ASSERT_NE(localtime_r(&now, &local), nullptr);
  const std::string year = std::to_string(local.tm_year + 1900);

  FileRollSink sink(FileRollConfig(tmp.path() + "/%Y", ", useLocalTimeStamp: true"));
  ASSERT_TRUE(sink.Start().ok());
  std::vector<Event> events = {MakeEvent("old", {{"timestamp", "1000000000000"}}),  // 2001
                               MakeEvent("none")};
  ASSERT_TRUE(sink.Deliver(events).ok());
  sink.Stop();
  auto files = Closed(tmp.path() + "/" + year);
  ASSERT_EQ(files.size(), 1u) << "both events are written under this year";
  EXPECT_EQ(ReadFile(files[0]), "old\nnone\n");
}

TEST(FileRollSinkTest, AHeaderValueCannotLeaveTheDirectory) {
  TempDir tmp;
  FileRollSink sink(FileRollConfig(tmp.path() + "/out/%{app}"));
  ASSERT_TRUE(sink.Start().ok());
  std::vector<Event> events = {MakeEvent("1", {{"app", "../../escaped"}}),
                               MakeEvent("2", {{"app", ".."}}), MakeEvent("3", {{"app", "."}}),
                               MakeEvent("4", {{"app", "/etc"}})};
  ASSERT_TRUE(sink.Deliver(events).ok());
  sink.Stop();
  auto files = ListFiles(tmp.path());
  EXPECT_EQ(files.size(), 4u);
  for (const auto& f : files) {
    EXPECT_EQ(f.rfind(tmp.path() + "/out/", 0), 0u) << f;
    const std::string sub = f.substr(tmp.path().size() + 5);
    EXPECT_EQ(std::count(sub.begin(), sub.end(), '/'), 1) << "one level below out/: " << f;
  }
}

TEST(FileRollSinkTest, AFailedWriteIsAnErrorNamingThePath) {
  TempDir tmp;
  testing::WriteFile(tmp / "blocker", "a regular file");
  FileRollSink sink(FileRollConfig(tmp / "blocker/sub"));
  ASSERT_TRUE(sink.Start().ok());
  auto events = Numbered(0, 2);
  Status s = sink.Deliver(events);
  EXPECT_EQ(s.code(), Status::Code::kIoError);
  EXPECT_NE(s.message().find(tmp / "blocker/sub"), std::string::npos) << s.message();
  sink.Stop();
  EXPECT_EQ(ListFiles(tmp.path()).size(), 1u);
}

TEST(FileRollSinkTest, AFailedBatchLeavesNoPartOfItSoTheRetryDoesNotDuplicate) {
  TempDir tmp;
  testing::WriteFile(tmp / "blocked", "a regular file, not a directory");
  FileRollSink sink(FileRollConfig(tmp.path() + "/%{to}"));
  ASSERT_TRUE(sink.Start().ok());
  std::vector<Event> first = {MakeEvent("kept", {{"to", "good"}})};
  ASSERT_TRUE(sink.Deliver(first).ok());

  // A body over the 4 MiB write buffer reaches the disk before the batch fails.
  const std::string big(5 << 20, 'x');
  std::vector<Event> failing = {MakeEvent(big, {{"to", "good"}}), MakeEvent("y", {{"to", "new"}}),
                                MakeEvent("z", {{"to", "blocked"}})};
  EXPECT_FALSE(sink.Deliver(failing).ok());
  ASSERT_EQ(InUse(tmp / "good").size(), 1u);
  EXPECT_EQ(ReadFile(InUse(tmp / "good")[0]), "kept\n") << "the failed batch was truncated away";
  EXPECT_TRUE(ListFiles(tmp / "new").empty()) << "a file the failed batch created is removed";

  std::vector<Event> retry = {MakeEvent("y", {{"to", "good"}})};
  ASSERT_TRUE(sink.Deliver(retry).ok());
  sink.Stop();
  auto files = Closed(tmp / "good");
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(ReadFile(files[0]), "kept\ny\n");
}

TEST(FileRollSinkTest, KeepsAtMost64FilesOpen) {
  TempDir tmp;
  FileRollSink sink(FileRollConfig(tmp.path() + "/%{n}"));
  ASSERT_TRUE(sink.Start().ok());
  for (int i = 0; i < 70; ++i) {
    std::vector<Event> one = {MakeEvent("e" + std::to_string(i), {{"n", std::to_string(i)}})};
    ASSERT_TRUE(sink.Deliver(one).ok());
  }
  EXPECT_EQ(sink.OpenFileCount(), FileRollSink::kMaxOpenFiles);
  EXPECT_EQ(InUse(tmp.path()).size(), 64u);
  EXPECT_EQ(Closed(tmp.path()).size(), 6u) << "the least recently used files were closed";
  EXPECT_EQ(Closed(tmp / "0").size(), 1u);

  // Writing to a closed directory again opens a new file beside the closed one.
  std::vector<Event> again = {MakeEvent("again", {{"n", "0"}})};
  ASSERT_TRUE(sink.Deliver(again).ok());
  sink.Stop();
  EXPECT_EQ(ListFiles(tmp.path()).size(), 71u);
  EXPECT_TRUE(InUse(tmp.path()).empty());
  auto zero = InOpenOrder(Closed(tmp / "0"));
  ASSERT_EQ(zero.size(), 2u);
  EXPECT_EQ(ReadFile(zero[0]), "e0\n");
  EXPECT_EQ(ReadFile(zero[1]), "again\n");
}

TEST(FileRollSinkTest, IsRegisteredAsFileRoll) {
  TempDir tmp;
  const auto* factory = SinkRegistry().Find("file_roll");
  ASSERT_NE(factory, nullptr);
  AgentMetrics metrics("test");
  auto sink = (*factory)(FileRollConfig(tmp.path(), ", batchSize: 250"),
                         ComponentContext{"test", &metrics});
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  EXPECT_EQ((*sink)->BatchSize(), 250u);
}

}  // namespace
}  // namespace acequia::sidecar
