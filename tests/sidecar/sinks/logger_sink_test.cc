#include "sidecar/sinks/logger_sink.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "api/flow.h"
#include "common/logging.h"
#include "sidecar/core/registry.h"
#include "tests/support/component_configs.h"
#include "tests/support/test_env.h"

namespace acequia::sidecar {
namespace {

api::SinkConfig LoggerConfig(const std::string& extra) {
  return testing::SinkConfig("name: printer, type: logger" + extra);
}

Event MakeEvent(std::string body, const std::vector<std::pair<std::string, std::string>>& headers) {
  Event event;
  event.body = std::move(body);
  for (const auto& [k, v] : headers) event.headers.Set(k, v);
  return event;
}

// Runs `body` with stderr (where log lines go) redirected to a file; returns what was written.
std::string CaptureStderr(const std::function<void()>& body) {
  testing::TempDir dir;
  const std::string path = dir / "stderr.txt";
  (void)fflush(stderr);
  const int saved = dup(2);
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  dup2(fd, 2);
  close(fd);
  body();
  (void)fflush(stderr);
  dup2(saved, 2);
  close(saved);
  return testing::ReadFile(path);
}

TEST(LoggerSinkTest, FormatsHeadersAndBody) {
  EXPECT_EQ(LoggerSink::FormatEvent(MakeEvent("hello", {{"host", "web-1"}, {"level", "info"}}), 16),
            "Event: { headers:{host=web-1, level=info} body: hello }");
  EXPECT_EQ(LoggerSink::FormatEvent(MakeEvent("", {}), 16), "Event: { headers:{} body:  }");
}

TEST(LoggerSinkTest, TruncatesLongBodiesAndSaysHowLongTheyWere) {
  EXPECT_EQ(LoggerSink::FormatEvent(MakeEvent("0123456789abcdefXYZ", {}), 16),
            "Event: { headers:{} body: 0123456789abcdef \u2026 (19 bytes) }");
  EXPECT_EQ(LoggerSink::FormatEvent(MakeEvent("0123456789abcdef", {}), 16),
            "Event: { headers:{} body: 0123456789abcdef }")
      << "a body of exactly maxBytesToLog is not truncated";
}

TEST(LoggerSinkTest, EscapesNonPrintableBytes) {
  EXPECT_EQ(LoggerSink::FormatEvent(MakeEvent(std::string("a\tb\nc\0\xff", 7), {{"k", "v\r"}}), 16),
            "Event: { headers:{k=v\\x0d} body: a\\x09b\\x0ac\\x00\\xff }");
}

TEST(LoggerSinkTest, LogsEachEventAtInfo) {
  const LogLevel previous = GetLogLevel();
  SetLogLevel(LogLevel::kInfo);
  LoggerSink sink(LoggerConfig(", maxBytesToLog: 4"));
  ASSERT_TRUE(sink.Start().ok());
  std::vector<Event> events = {MakeEvent("first", {{"n", "1"}}), MakeEvent("two", {})};
  Status delivered;
  const std::string logged = CaptureStderr([&] { delivered = sink.Deliver(events); });
  SetLogLevel(previous);
  EXPECT_TRUE(delivered.ok());
  EXPECT_NE(logged.find("Event: { headers:{n=1} body: firs \u2026 (5 bytes) }"), std::string::npos)
      << logged;
  EXPECT_NE(logged.find("Event: { headers:{} body: two }"), std::string::npos) << logged;
  EXPECT_NE(logged.find("printer"), std::string::npos) << "log lines name the sink: " << logged;
  EXPECT_NE(logged.find("INFO"), std::string::npos) << logged;
  sink.Stop();
}

TEST(LoggerSinkTest, IsRegisteredAsLogger) {
  EXPECT_NE(SinkRegistry().Find("logger"), nullptr);
  EXPECT_EQ(LoggerSink(LoggerConfig(", batchSize: 3")).BatchSize(), 3u);
}

}  // namespace
}  // namespace acequia::sidecar
