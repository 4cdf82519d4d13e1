#include "sidecar/sinks/file_roll_sink.h"

#include <avro.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "api/field_error.h"
#include "api/flow.h"
#include "common/avro_container.h"
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

TEST(FileRollSinkTest, KeepsAtMostMaxOpenFilesOpen) {
  TempDir tmp;
  FileRollSink sink(FileRollConfig(tmp.path() + "/%{n}", ", maxOpenFiles: 64"));
  ASSERT_TRUE(sink.Start().ok());
  for (int i = 0; i < 70; ++i) {
    std::vector<Event> one = {MakeEvent("e" + std::to_string(i), {{"n", std::to_string(i)}})};
    ASSERT_TRUE(sink.Deliver(one).ok());
  }
  EXPECT_EQ(sink.OpenFileCount(), 64u);
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

TEST(FileRollSinkTest, MaxOpenFilesRollsTheLeastRecentlyWrittenFile) {
  TempDir tmp;
  FileRollSink sink(FileRollConfig(tmp.path() + "/%{n}", ", maxOpenFiles: 2"));
  ASSERT_TRUE(sink.Start().ok());
  for (const char* n : {"a", "b", "a", "c"}) {
    std::vector<Event> one = {MakeEvent(std::string("to-") + n, {{"n", n}})};
    ASSERT_TRUE(sink.Deliver(one).ok());
  }
  EXPECT_EQ(sink.OpenFileCount(), 2u);
  EXPECT_EQ(Closed(tmp / "b").size(), 1u) << "b was written least recently";
  EXPECT_EQ(InUse(tmp / "a").size(), 1u) << "a was written again after b";
  EXPECT_EQ(InUse(tmp / "c").size(), 1u);
  sink.Stop();
  ASSERT_EQ(Closed(tmp / "a").size(), 1u);
  EXPECT_EQ(ReadFile(Closed(tmp / "a")[0]), "to-a\nto-a\n");
}

TEST(FileRollSinkTest, IdleTimeoutRollsOnlyTheFilesThatReceiveNothing) {
  TempDir tmp;
  FileRollSink sink(FileRollConfig(tmp.path() + "/%{n}", ", rollInterval: 0s, idleTimeout: 300ms"));
  ASSERT_TRUE(sink.Start().ok());
  std::vector<Event> both = {MakeEvent("q1", {{"n", "quiet"}}), MakeEvent("b1", {{"n", "busy"}})};
  ASSERT_TRUE(sink.Deliver(both).ok());
  int busy_lines = 1;
  ASSERT_TRUE(WaitFor(
      [&] {
        std::vector<Event> one = {MakeEvent("b", {{"n", "busy"}})};
        EXPECT_TRUE(sink.Deliver(one).ok());
        ++busy_lines;
        EXPECT_TRUE(sink.Tick().ok());
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        return Closed(tmp / "quiet").size() == 1;
      },
      std::chrono::seconds(5)))
      << "a file idle for idleTimeout is rolled on Tick";
  EXPECT_TRUE(InUse(tmp / "quiet").empty());
  EXPECT_EQ(ReadFile(Closed(tmp / "quiet")[0]), "q1\n");
  EXPECT_EQ(InUse(tmp / "busy").size(), 1u) << "a file still written to stays open";
  EXPECT_TRUE(Closed(tmp / "busy").empty());

  ASSERT_TRUE(WaitFor(
      [&] {
        EXPECT_TRUE(sink.Tick().ok());
        return Closed(tmp / "busy").size() == 1;
      },
      std::chrono::seconds(5)))
      << "it rolls once it goes quiet";
  EXPECT_EQ(ReadFile(Closed(tmp / "busy")[0]).size(), 3 + static_cast<size_t>(busy_lines - 1) * 2)
      << "b1 and every later line of the busy file are in it";
  EXPECT_EQ(sink.OpenFileCount(), 0u);
  sink.Stop();
}

TEST(FileRollSinkTest, WithoutIdleTimeoutAnIdleFileStaysOpen) {
  TempDir tmp;
  FileRollSink sink(FileRollConfig(tmp.path(), ", rollInterval: 0s"));
  ASSERT_TRUE(sink.Start().ok());
  auto events = Numbered(0, 1);
  ASSERT_TRUE(sink.Deliver(events).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(sink.Tick().ok());
  EXPECT_EQ(InUse(tmp.path()).size(), 1u);
  sink.Stop();
}

std::string LocalDirectory(int64_t seconds, const char* format, int round_minutes,
                           int round_hours) {
  const auto t = static_cast<std::time_t>(seconds);
  std::tm local{};
  localtime_r(&t, &local);
  if (round_minutes > 0) {
    local.tm_min -= local.tm_min % round_minutes;
    local.tm_sec = 0;
  }
  if (round_hours > 0) {
    local.tm_hour -= local.tm_hour % round_hours;
    local.tm_min = 0;
    local.tm_sec = 0;
  }
  char text[64];
  std::strftime(text, sizeof text, format, &local);
  return text;
}

TEST(FileRollSinkTest, RoundRoundsTheDirectoryTimeDown) {
  TempDir tmp;
  // 2023-11-14 22:13:20 and 22:19:59 UTC: one 10-minute bucket wherever the offset from UTC is a
  // multiple of 10 minutes.
  const int64_t first = 1700000000;
  const int64_t second = 1700000399;
  FileRollSink sink(FileRollConfig(tmp.path() + "/%Y%m%d/%H%M%S",
                                   ", round: true, roundValue: 10, roundUnit: minute"));
  ASSERT_TRUE(sink.Start().ok());
  std::vector<Event> events = {
      MakeEvent("a", {{"timestamp", std::to_string(first * 1000 + 123)}}),
      MakeEvent("b", {{"timestamp", std::to_string(second * 1000)}}),
  };
  ASSERT_TRUE(sink.Deliver(events).ok());
  sink.Stop();
  const std::string dir = tmp.path() + "/" + LocalDirectory(first, "%Y%m%d/%H%M%S", 10, 0);
  EXPECT_TRUE(EndsWith(dir, "000")) << "minutes a multiple of 10, seconds zero: " << dir;
  auto files = Closed(dir);
  ASSERT_EQ(files.size(), 1u) << "both events share the rounded directory " << dir;
  EXPECT_EQ(ReadFile(files[0]), "a\nb\n");
  EXPECT_EQ(ListFiles(tmp.path()).size(), 1u);
}

TEST(FileRollSinkTest, RoundByHoursAndRejectsAnImpossibleRoundValue) {
  TempDir tmp;
  const int64_t ts = 1700000000;
  FileRollSink sink(
      FileRollConfig(tmp.path() + "/%d-%H-%M", ", round: true, roundValue: 6, roundUnit: hour"));
  ASSERT_TRUE(sink.Start().ok());
  std::vector<Event> events = {MakeEvent("x", {{"timestamp", std::to_string(ts * 1000)}})};
  ASSERT_TRUE(sink.Deliver(events).ok());
  sink.Stop();
  EXPECT_EQ(Closed(tmp.path() + "/" + LocalDirectory(ts, "%d-%H-%M", 0, 6)).size(), 1u);

  // Rejected by the validator (so by `validate` and the operator too), before any sink is built.
  auto bad = api::ParseFlow(
      "sources: [{name: s, type: netcat, port: 7000, channels: [c]}]\n"
      "channels: [{name: c, type: memory}]\n"
      "sinks: [{name: k, type: file_roll, channel: c, directory: /tmp/x, round: true, "
      "roundValue: 30, roundUnit: hour}]\n");
  EXPECT_EQ(api::JoinErrors(bad.errors),
            "spec.sinks[0].roundValue: at most 24 for roundUnit hour, got 30");
}

TEST(FileRollSinkTest, WithoutRoundTheSecondIsKept) {
  TempDir tmp;
  const int64_t ts = 1700000007;
  FileRollSink sink(FileRollConfig(tmp.path() + "/%H%M%S", ", roundValue: 10, roundUnit: minute"));
  ASSERT_TRUE(sink.Start().ok());
  std::vector<Event> events = {MakeEvent("x", {{"timestamp", std::to_string(ts * 1000)}})};
  ASSERT_TRUE(sink.Deliver(events).ok());
  sink.Stop();
  EXPECT_EQ(Closed(tmp.path() + "/" + LocalDirectory(ts, "%H%M%S", 0, 0)).size(), 1u);
}

TEST(FileRollSinkTest, JsonSerializerWritesHeadersAndBodyPerLine) {
  TempDir tmp;
  FileRollSink sink(FileRollConfig(tmp.path(), ", serializer: json, rollSize: 1000000"));
  ASSERT_TRUE(sink.Start().ok());
  const std::string binary("\xff\x00\x01z", 4);
  std::vector<Event> events = {MakeEvent("héllo \"w\"\nnext", {{"host", "web-a"}, {"n", "1"}}),
                               MakeEvent(binary)};
  ASSERT_TRUE(sink.Deliver(events).ok());
  sink.Stop();
  auto files = Closed(tmp.path());
  ASSERT_EQ(files.size(), 1u);
  std::istringstream in(ReadFile(files[0]));
  std::string line;
  std::vector<nlohmann::json> items;
  while (std::getline(in, line)) items.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(items.size(), 2u) << "one object per line, newlines in bodies escaped";
  EXPECT_EQ(items[0]["body"], "héllo \"w\"\nnext");
  EXPECT_EQ(items[0]["headers"]["host"], "web-a");
  EXPECT_EQ(items[0]["headers"]["n"], "1");
  EXPECT_FALSE(items[0].contains("encoding"));
  EXPECT_EQ(items[1]["body"], "/wABeg==");
  EXPECT_EQ(items[1]["encoding"], "base64");
  EXPECT_TRUE(items[1]["headers"].empty());
}

TEST(FileRollSinkTest, TheCatalogueRejectsAnUnknownSerializerOrRoundUnit) {
  const std::string flow =
      "sources: [{name: s, type: netcat, port: 7000, channels: [c]}]\n"
      "channels: [{name: c, type: memory}]\n"
      "sinks: [{name: k, type: file_roll, channel: c, directory: /tmp/x, ";
  auto serializer = api::ParseFlow(flow + "serializer: avro}]\n");
  EXPECT_FALSE(serializer.flow);
  EXPECT_NE(api::JoinErrors(serializer.errors).find("serializer"), std::string::npos);
  auto unit = api::ParseFlow(flow + "round: true, roundUnit: day}]\n");
  EXPECT_FALSE(unit.flow);
  EXPECT_NE(api::JoinErrors(unit.errors).find("roundUnit"), std::string::npos);
  auto value = api::ParseFlow(flow + "round: true, roundValue: 0}]\n");
  EXPECT_FALSE(value.flow);
  auto empty = api::ParseFlow(
      "sources: [{name: s, type: netcat, port: 7000, channels: [c]}]\n"
      "channels: [{name: c, type: memory}]\n"
      "sinks: [{name: k, type: file_roll, channel: c, directory: \"\"}]\n");
  EXPECT_EQ(api::JoinErrors(empty.errors), "spec.sinks[0].directory: must not be empty");
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

namespace acequia::sidecar {
namespace {

// gzip -dc / zstd -dc of every closed file under `dir`, concatenated in name order.
std::string DecompressAll(const std::string& dir, const std::string& tool) {
  std::string out;
  for (const auto& path : testing::ListFiles(dir)) {
    FILE* pipe = ::popen((tool + " -dc '" + path + "' 2>&1").c_str(), "r");
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
    ::pclose(pipe);
  }
  return out;
}

TEST(FileRollCompressionTest, EveryWriteIsAMemberTheRealToolsReadWhole) {
  for (const std::string codec : {"gzip", "zstd"}) {
    testing::TempDir dir;
    FileRollSink sink(FileRollConfig(dir.path(), ", compression: " + codec + ", rollInterval: 0s"));
    ASSERT_TRUE(sink.Start().ok());
    std::string expected;
    for (int batch = 0; batch < 3; ++batch) {
      auto events = Numbered(batch * 100, batch * 100 + 100);
      for (const auto& e : events) expected += e.body + "\n";
      ASSERT_TRUE(sink.Deliver(events).ok());
    }
    sink.Stop();
    const auto files = testing::ListFiles(dir.path());
    ASSERT_EQ(files.size(), 1u);
    EXPECT_TRUE(EndsWith(files[0], codec == "gzip" ? ".log.gz" : ".log.zst")) << files[0];
    EXPECT_EQ(DecompressAll(dir.path(), codec), expected) << codec;
  }
}

}  // namespace
}  // namespace acequia::sidecar

// ---- serializer avro_event ---------------------------------------------------------------

namespace acequia::sidecar {
namespace {

struct FlumeEvent {
  std::map<std::string, std::string> headers;
  std::string body;
  bool operator==(const FlumeEvent&) const = default;
};

std::ostream& operator<<(std::ostream& out, const FlumeEvent& e) {
  out << "{";
  for (const auto& [k, v] : e.headers) out << k << "=" << v << " ";
  return out << "body=" << ::testing::PrintToString(e.body) << "}";
}

FlumeEvent ToFlumeEvent(const Event& event) {
  FlumeEvent e;
  for (const auto& [k, v] : event.headers) e.headers[k] = v;
  e.body = event.body;
  return e;
}

// Every record of an avro_event file with the project's own reader (every codec), and the
// number of records in each block.
std::vector<FlumeEvent> ReadAvroEvents(const std::string& path, std::vector<int64_t>* blocks,
                                       avro::Header* header) {
  const std::string file = ReadFile(path);
  avro::Cursor cursor(file);
  std::vector<FlumeEvent> events;
  EXPECT_TRUE(avro::ReadHeader(&cursor, header).ok()) << path;
  while (!cursor.done()) {
    int64_t count = 0;
    std::string objects;
    Status s = avro::ReadBlock(&cursor, *header, &count, &objects);
    if (!s.ok()) {
      ADD_FAILURE() << path << ": " << s.message();
      break;
    }
    if (blocks != nullptr) blocks->push_back(count);
    avro::Cursor record(objects);
    for (int64_t i = 0; i < count; ++i) {
      FlumeEvent e;
      int64_t pairs = 0;
      while (record.Long(&pairs) && pairs != 0) {
        if (pairs < 0) {
          int64_t size = 0;
          EXPECT_TRUE(record.Long(&size));
          pairs = -pairs;
        }
        for (int64_t p = 0; p < pairs; ++p) {
          std::string_view key, value;
          EXPECT_TRUE(record.Bytes(&key) && record.Bytes(&value));
          e.headers[std::string(key)] = std::string(value);
        }
      }
      std::string_view body;
      EXPECT_TRUE(record.Bytes(&body));
      e.body = std::string(body);
      events.push_back(std::move(e));
    }
    EXPECT_TRUE(record.done()) << "bytes after the last record of a block";
  }
  return events;
}

// The same with the reference C library (libavro), which has no zstandard codec.
std::vector<FlumeEvent> ReadAvroEventsWithLibavro(const std::string& path) {
  std::vector<FlumeEvent> events;
  avro_file_reader_t reader;
  if (avro_file_reader(path.c_str(), &reader) != 0) {
    ADD_FAILURE() << "libavro cannot open " << path << ": " << avro_strerror();
    return events;
  }
  avro_schema_t schema = avro_file_reader_get_writer_schema(reader);
  avro_value_iface_t* iface = avro_generic_class_from_schema(schema);
  avro_value_t record;
  avro_generic_value_new(iface, &record);
  while (avro_file_reader_read_value(reader, &record) == 0) {
    FlumeEvent e;
    avro_value_t headers, body;
    avro_value_get_by_name(&record, "headers", &headers, nullptr);
    avro_value_get_by_name(&record, "body", &body, nullptr);
    size_t size = 0;
    avro_value_get_size(&headers, &size);
    for (size_t i = 0; i < size; ++i) {
      avro_value_t value;
      const char* key = nullptr;
      avro_value_get_by_index(&headers, i, &value, &key);
      const char* text = nullptr;
      size_t length = 0;
      avro_value_get_string(&value, &text, &length);
      e.headers[key] = std::string(text, length - 1);  // length counts the NUL
    }
    const void* bytes = nullptr;
    size_t length = 0;
    avro_value_get_bytes(&body, &bytes, &length);
    e.body = std::string(static_cast<const char*>(bytes), length);
    events.push_back(std::move(e));
  }
  avro_value_decref(&record);
  avro_value_iface_decref(iface);
  avro_schema_decref(schema);
  avro_file_reader_close(reader);
  return events;
}

std::vector<Event> VariedEvents(int from, int to) {
  std::vector<Event> events;
  for (int i = from; i < to; ++i) {
    if (i % 3 == 0) {
      events.push_back(MakeEvent(std::string("bin\0\xff", 5) + std::to_string(i)));
    } else {
      events.push_back(MakeEvent("line-" + std::to_string(i),
                                 {{"host", "web-" + std::to_string(i % 2)}, {"n", "é"}}));
    }
  }
  return events;
}

TEST(FileRollAvroEventTest, WritesFlumeEventRecordsABlockPerBatchThatLibavroReads) {
  TempDir dir;
  FileRollSink sink(FileRollConfig(dir.path(), ", serializer: avro_event, fileSuffix: .avro"));
  ASSERT_TRUE(sink.Start().ok());
  std::vector<FlumeEvent> expected;
  for (auto [from, to] : {std::pair{0, 2}, {2, 5}, {5, 6}}) {
    auto events = VariedEvents(from, to);
    for (const auto& e : events) expected.push_back(ToFlumeEvent(e));
    ASSERT_TRUE(sink.Deliver(events).ok());
  }
  sink.Stop();
  auto files = Closed(dir.path());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_TRUE(EndsWith(files[0], ".avro")) << files[0];
  std::vector<int64_t> blocks;
  avro::Header header;
  EXPECT_EQ(ReadAvroEvents(files[0], &blocks, &header), expected);
  EXPECT_EQ(blocks, (std::vector<int64_t>{2, 3, 1})) << "one block per batch";
  EXPECT_EQ(header.codec, avro::Codec::kNull);
  EXPECT_EQ(nlohmann::json::parse(header.schema),
            nlohmann::json::parse(R"({"type": "record", "name": "Event", "fields": [
              {"name": "headers", "type": {"type": "map", "values": "string"}},
              {"name": "body", "type": "bytes"}]})"))
      << "Flume's avro_event schema, so Flume's readers take our files";
  EXPECT_EQ(ReadAvroEventsWithLibavro(files[0]), expected);
}

TEST(FileRollAvroEventTest, HeadersThatAreNotUtf8BecomeValidAvroStrings) {
  TempDir dir;
  FileRollSink sink(FileRollConfig(dir.path(), ", serializer: avro_event"));
  ASSERT_TRUE(sink.Start().ok());
  std::vector<Event> events = {MakeEvent(std::string("body\xff", 5), {{"k\xc0", "v\xff\xfe"}})};
  ASSERT_TRUE(sink.Deliver(events).ok());
  sink.Stop();
  avro::Header header;
  auto read = ReadAvroEvents(Closed(dir.path()).at(0), nullptr, &header);
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].body, std::string("body\xff", 5)) << "bytes stay bytes";
  EXPECT_EQ(read[0].headers,
            (std::map<std::string, std::string>{{"k\xef\xbf\xbd", "v\xef\xbf\xbd\xef\xbf\xbd"}}));
  EXPECT_EQ(ReadAvroEventsWithLibavro(Closed(dir.path()).at(0)).size(), 1u);
}

TEST(FileRollAvroEventTest, CompressionChoosesTheBlockCodecAndTheFileStaysAvro) {
  const std::vector<std::pair<std::string, avro::Codec>> cases = {
      {"gzip", avro::Codec::kDeflate},
      {"deflate", avro::Codec::kDeflate},
      {"snappy", avro::Codec::kSnappy},
      {"zstd", avro::Codec::kZstandard}};
  for (const auto& [compression, codec] : cases) {
    TempDir dir;
    FileRollSink sink(FileRollConfig(
        dir.path(), ", serializer: avro_event, compression: " + compression + ", rollSize: 1Gi"));
    ASSERT_TRUE(sink.Start().ok()) << compression;
    std::vector<FlumeEvent> expected;
    for (int batch = 0; batch < 3; ++batch) {
      auto events = VariedEvents(batch * 400, batch * 400 + 400);
      for (const auto& e : events) expected.push_back(ToFlumeEvent(e));
      ASSERT_TRUE(sink.Deliver(events).ok());
    }
    sink.Stop();
    auto files = Closed(dir.path());
    ASSERT_EQ(files.size(), 1u);
    EXPECT_TRUE(EndsWith(files[0], ".log")) << "no .gz/.zst: the file is not a gzip stream";
    avro::Header header;
    EXPECT_EQ(ReadAvroEvents(files[0], nullptr, &header), expected) << compression;
    EXPECT_EQ(header.codec, codec) << compression;
    if (codec != avro::Codec::kZstandard) {
      EXPECT_EQ(ReadAvroEventsWithLibavro(files[0]), expected) << compression;
    }
  }
}

TEST(FileRollAvroEventTest, SyncIntervalBytesCutsABigBatchIntoBlocks) {
  TempDir dir;
  FileRollSink sink(FileRollConfig(
      dir.path(), ", serializer: avro_event, syncIntervalBytes: 1Ki, batchSize: 1000"));
  ASSERT_TRUE(sink.Start().ok());
  std::vector<Event> events;
  for (int i = 0; i < 100; ++i) events.push_back(MakeEvent(std::string(98, 'a' + i % 26)));
  ASSERT_TRUE(sink.Deliver(events).ok());
  sink.Stop();
  std::vector<int64_t> blocks;
  avro::Header header;
  auto read = ReadAvroEvents(Closed(dir.path()).at(0), &blocks, &header);
  ASSERT_EQ(read.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(read[i].body, events[i].body);
  // Each record encodes to 101 bytes: a block closes at the first record past 1,024 bytes.
  EXPECT_EQ(blocks, (std::vector<int64_t>{11, 11, 11, 11, 11, 11, 11, 11, 11, 1}));
}

// The bodies a closed file holds, whatever its format.
std::vector<std::string> Bodies(const std::string& path, const std::string& variant) {
  std::string text;
  if (variant.find("avro_event") != std::string::npos) {
    avro::Header header;
    std::vector<std::string> bodies;
    for (auto& e : ReadAvroEvents(path, nullptr, &header)) bodies.push_back(e.body);
    return bodies;
  }
  if (variant.find("gzip") != std::string::npos || variant.find("zstd") != std::string::npos) {
    const std::string tool = variant.find("gzip") != std::string::npos ? "gzip" : "zstd";
    FILE* pipe = ::popen((tool + " -dc '" + path + "' 2>&1").c_str(), "r");
    char buffer[65536];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) text.append(buffer, n);
    EXPECT_EQ(::pclose(pipe), 0) << tool << " -dc " << path << ": " << text.substr(0, 200);
  } else {
    text = ReadFile(path);
  }
  std::vector<std::string> bodies;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) bodies.push_back(line);
  return bodies;
}

TEST(FileRollAvroEventTest, AFailedBatchIsCutAwayInEveryFormat) {
  for (const std::string variant :
       {"", ", compression: gzip", ", compression: zstd", ", serializer: avro_event",
        ", serializer: avro_event, compression: zstd"}) {
    TempDir tmp;
    testing::WriteFile(tmp / "blocked", "a regular file, not a directory");
    FileRollSink sink(FileRollConfig(tmp.path() + "/%{to}", variant));
    ASSERT_TRUE(sink.Start().ok()) << variant;
    std::vector<Event> first = {MakeEvent("kept", {{"to", "good"}})};
    ASSERT_TRUE(sink.Deliver(first).ok());

    // A body over the write buffer reaches the disk before the batch fails.
    const std::string big(5 << 20, 'x');
    std::vector<Event> failing = {MakeEvent(big, {{"to", "good"}}), MakeEvent("y", {{"to", "new"}}),
                                  MakeEvent("z", {{"to", "blocked"}})};
    EXPECT_FALSE(sink.Deliver(failing).ok()) << variant;
    EXPECT_TRUE(ListFiles(tmp / "new").empty()) << variant;

    std::vector<Event> retry = {MakeEvent("y", {{"to", "good"}})};
    ASSERT_TRUE(sink.Deliver(retry).ok()) << variant;
    sink.Stop();
    auto files = Closed(tmp / "good");
    ASSERT_EQ(files.size(), 1u) << variant;
    EXPECT_EQ(Bodies(files[0], variant), (std::vector<std::string>{"kept", "y"}))
        << "variant \"" << variant << "\": the failed batch left nothing, the file reads whole";
  }
}

TEST(FileRollAvroEventTest, TheCatalogueTiesAvroCodecsToAvroEvent) {
  const std::string flow =
      "sources: [{name: s, type: netcat, port: 7000, channels: [c]}]\n"
      "channels: [{name: c, type: memory}]\n"
      "sinks: [{name: k, type: file_roll, channel: c, directory: /tmp/x, ";
  EXPECT_EQ(api::JoinErrors(api::ParseFlow(flow + "compression: snappy}]\n").errors),
            "spec.sinks[0].compression: snappy compresses Avro blocks: it needs serializer "
            "avro_event (use gzip or zstd to compress text or json)");
  EXPECT_EQ(
      api::JoinErrors(api::ParseFlow(flow + "serializer: json, compression: deflate}]\n").errors),
      "spec.sinks[0].compression: deflate compresses Avro blocks: it needs serializer "
      "avro_event (use gzip or zstd to compress text or json)");
  EXPECT_TRUE(api::ParseFlow(flow + "serializer: avro_event, compression: snappy}]\n").flow);
  EXPECT_FALSE(api::ParseFlow(flow + "serializer: avro_event, syncIntervalBytes: 10}]\n").flow)
      << "below the 1 KiB minimum";
}

}  // namespace
}  // namespace acequia::sidecar
