#include "sidecar/sources/http_source.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "tests/support/net_client.h"
#include "tests/support/source_harness.h"
#include "tests/support/test_env.h"

namespace acequia::sidecar {
namespace {

using testing::HttpGet;
using testing::HttpPost;
using testing::HttpResponse;
using testing::TcpClient;

constexpr char kJson[] = "application/json";
constexpr char kText[] = "text/plain";

Event MakeEvent(const std::vector<std::pair<std::string, std::string>>& headers, std::string body) {
  Event event;
  for (const auto& [key, value] : headers) event.headers.Set(key, value);
  event.body = std::move(body);
  return event;
}

// A raw HTTP/1.1 exchange over TCP, for what the cpprest client hides (chunked bodies, Allow).
struct RawReply {
  std::string status_line;
  std::vector<std::string> headers;
  std::string body_line;
};

// The reply's body is read as one line only when `body_is_a_line` (error replies end with '\n').
RawReply RawRequest(int port, const std::string& request, bool body_is_a_line = true) {
  RawReply reply;
  TcpClient client(port);
  EXPECT_TRUE(client.connected());
  EXPECT_TRUE(client.Send(request));
  auto strip = [](std::string line) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  };
  reply.status_line = strip(client.ReadLine().value_or(""));
  while (auto line = client.ReadLine()) {
    std::string header = strip(*line);
    if (header.empty()) break;
    reply.headers.push_back(header);
  }
  if (body_is_a_line) reply.body_line = client.ReadLine().value_or("");
  return reply;
}

class HttpSourceTest : public ::testing::Test {
 protected:
  // Starts an http source on a free port with `props`, writing to one memory channel.
  void StartSource(const std::string& props = "",
                   const std::string& channel = "capacity: 1000, transactionCapacity: 100") {
    port_ = testing::FreePort();
    ASSERT_TRUE(harness_.Wire("name: web, type: http, port: " + std::to_string(port_) +
                                  ", bind: 127.0.0.1" + (props.empty() ? "" : ", " + props),
                              channel));
    source_ = harness_.Started(std::make_unique<HttpSource>(
        harness_.source_config(), harness_.context(), harness_.processor()));
  }

  std::string Url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  // Takes (and commits the take of) everything the channel holds.
  std::vector<Event> Drain() { return harness_.Drain(); }
  std::vector<std::string> Bodies() { return testing::SourceHarness::Bodies(Drain()); }
  const SourceMetrics& metrics() const { return harness_.metrics(); }

  testing::SourceHarness harness_;
  int port_ = 0;
  HttpSource* source_ = nullptr;  // owned by harness_
};

TEST_F(HttpSourceTest, JsonEventsLandWithTheirHeadersAndBodiesInOrder) {
  StartSource();
  HttpResponse r = HttpPost(Url("/any/path"), R"([
    {"headers": {"level": "error", "app": "web"}, "body": "first"},
    {"body": "second"},
    {"headers": {}, "body": ""},
    {"headers": {"z": "1", "a": "2"}, "body": "caf\u00e9 \"quoted\"\nline"}
  ])",
                            kJson);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"accepted": 4})");
  EXPECT_TRUE(r.content_type.starts_with("application/json")) << r.content_type;
  EXPECT_EQ(Drain(), (std::vector<Event>{
                         MakeEvent({{"level", "error"}, {"app", "web"}}, "first"),
                         MakeEvent({}, "second"),
                         MakeEvent({}, ""),
                         MakeEvent({{"z", "1"}, {"a", "2"}}, "caf\xc3\xa9 \"quoted\"\nline"),
                     }));
  EXPECT_EQ(metrics().received->Value(), 4);
  EXPECT_EQ(metrics().accepted->Value(), 4);
  EXPECT_EQ(metrics().rejected->Value(), 0);
  EXPECT_EQ(metrics().open_connections->Value(), 0);
}

TEST_F(HttpSourceTest, TextBodiesAreOneEventPerLine) {
  StartSource();
  HttpResponse r = HttpPost(Url(), "alpha\nbeta\r\n\ngamma", kText);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"accepted": 4})");
  EXPECT_EQ(Bodies(), (std::vector<std::string>{"alpha", "beta", "", "gamma"}));

  r = HttpPost(Url(), "only\n", "text/plain; charset=utf-8");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Bodies(), (std::vector<std::string>{"only"}));

  r = HttpPost(Url(), "", kText);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"accepted": 0})");
  EXPECT_TRUE(Bodies().empty());
}

TEST_F(HttpSourceTest, BinaryBytesInTextBodiesAreKeptAsBytes) {
  StartSource();
  const std::string junk("\xff\xfe\x00\x01 not utf-8 \x80", 16);
  HttpResponse r = HttpPost(Url(), junk + "\n" + junk, kText);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Bodies(), (std::vector<std::string>{junk, junk}));
}

TEST_F(HttpSourceTest, HandlerDecidesWhenTheContentTypeSaysNeither) {
  StartSource("handler: text");
  HttpResponse r = HttpPost(Url(), "a\nb\n", "application/octet-stream");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Bodies(), (std::vector<std::string>{"a", "b"}));
  // A telling Content-Type wins over the handler.
  r = HttpPost(Url(), R"([{"body": "json"}])", kJson);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Bodies(), (std::vector<std::string>{"json"}));
}

TEST_F(HttpSourceTest, JsonIsTheDefaultHandler) {
  StartSource();
  HttpResponse r = HttpPost(Url(), R"([{"body": "x"}])", "application/octet-stream");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Bodies(), (std::vector<std::string>{"x"}));
}

TEST_F(HttpSourceTest, MalformedRequestsAre400WithTheExactPlaceAndLoseNothingAround) {
  StartSource();
  struct Case {
    std::string body;
    std::string reason;  // the whole answer, or its start when it ends with "…"
  };
  const std::vector<Case> cases = {
      {R"([{"body": "a"}, {"body": tru}])",
       "invalid JSON at byte 29: syntax error while parsing value - invalid literal; last read: "
       "'\"body\": tru}'"},
      {R"([{"body": "a"}, {"headers": {"level": 3}, "body": "b"}])",
       "event[1].headers.level: expected a string, got number"},
      {R"([{"headers": {"level": "x"}}])",
       "event[0].body: missing; every event needs a string body"},
      {R"([{"body": null}])", "event[0].body: expected a string, got null"},
      {R"([{"body": "a", "headers": ["x"]}])", "event[0].headers: expected an object, got array"},
      {R"([{"body": "a", "headers": {"a.b": true}}])",
       "event[0].headers[\"a.b\"]: expected a string, got boolean"},
      {R"({"body": "a"})", "expected a JSON array of events, got object"},
      {R"([{"body": "a"}, "b"])",
       "event[1]: expected an object {\"headers\": {...}, \"body\": \"...\"}, got string"},
      {std::string("[{\"body\": \"\xff\xfe\"}]"), "invalid JSON at byte 12: …"},
      {"", "invalid JSON at byte 1: …"},
  };
  int sent = 0;
  for (const auto& c : cases) {
    const std::string before = "before-" + std::to_string(sent);
    const std::string after = "after-" + std::to_string(sent);
    ++sent;
    EXPECT_EQ(HttpPost(Url(), "[{\"body\": \"" + before + "\"}]", kJson).status, 200);
    HttpResponse r = HttpPost(Url(), c.body, kJson);
    EXPECT_EQ(r.status, 400) << c.body;
    if (c.reason.ends_with("…")) {
      const std::string prefix = c.reason.substr(0, c.reason.size() - std::string("…").size());
      EXPECT_TRUE(r.body.starts_with(prefix)) << r.body;
      EXPECT_EQ(r.body.find('\n'), r.body.size() - 1) << "one line: " << r.body;
    } else {
      EXPECT_EQ(r.body, c.reason + "\n") << c.body;
    }
    EXPECT_EQ(HttpPost(Url(), after + "\n", kText).status, 200);
  }
  std::vector<std::string> expected;
  for (int i = 0; i < sent; ++i) {
    expected.push_back("before-" + std::to_string(i));
    expected.push_back("after-" + std::to_string(i));
  }
  EXPECT_EQ(Bodies(), expected) << "nothing of a rejected request lands, nothing else is lost";
  EXPECT_EQ(metrics().accepted->Value(), 2 * sent);
  EXPECT_EQ(metrics().rejected->Value(), sent);
  EXPECT_EQ(metrics().received->Value(), 3 * sent);
}

TEST_F(HttpSourceTest, OversizedBodiesAre413BeforeOrWhileReading) {
  StartSource("maxBodySize: 100");
  // Content-Length says it all: refused before the body is read.
  HttpResponse r = HttpPost(Url(), std::string(101, 'x'), kText);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.body, "request body too large: a body of 101 bytes, maxBodySize is 100 bytes\n");

  // A chunked body has no Content-Length: the read stops at the limit.
  const std::string chunk(60, 'y');
  RawReply raw = RawRequest(port_,
                            "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\n"
                            "Transfer-Encoding: chunked\r\n\r\n3c\r\n" +
                                chunk + "\r\n3c\r\n" + chunk + "\r\n0\r\n\r\n");
  EXPECT_TRUE(raw.status_line.starts_with("HTTP/1.1 413")) << raw.status_line;
  EXPECT_EQ(raw.body_line,
            "request body too large: a body of more than 100 bytes, maxBodySize is 100 bytes");

  // Within the limit, chunked or not, it is taken.
  raw = RawRequest(port_,
                   "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n3\r\nab\n\r\n2\r\ncd\r\n0\r\n\r\n",
                   false);
  EXPECT_TRUE(raw.status_line.starts_with("HTTP/1.1 200")) << raw.status_line;
  r = HttpPost(Url(), std::string(100, 'z'), kText);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Bodies(), (std::vector<std::string>{"ab", "cd", std::string(100, 'z')}));
  EXPECT_EQ(metrics().rejected->Value(), 2);
}

TEST_F(HttpSourceTest, MoreEventsThanATransactionHoldsAre413) {
  StartSource("", "capacity: 100, transactionCapacity: 3");
  HttpResponse r = HttpPost(Url(), "1\n2\n3\n4\n", kText);
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("4 events, more than the 3"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("split"), std::string::npos) << r.body;
  r = HttpPost(Url(), R"([{"body": "1"}, {"body": "2"}, {"body": "3"}, {"body": "4"}])", kJson);
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_TRUE(Bodies().empty());

  r = HttpPost(Url(), "1\n2\n3\n", kText);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Bodies(), (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(metrics().received->Value(), 11);
  EXPECT_EQ(metrics().rejected->Value(), 8);
  EXPECT_EQ(metrics().accepted->Value(), 3);
}

TEST_F(HttpSourceTest, BatchLargerThanTheChannelsByteCapacityIs413) {
  StartSource("", "capacity: 100, transactionCapacity: 10, byteCapacity: 10");
  HttpResponse r = HttpPost(Url(), std::string(20, 'b') + "\n", kText);
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_TRUE(Bodies().empty());
}

TEST_F(HttpSourceTest, FullChannelIs503WithRetryAfterAndTheSameRequestSucceedsLater) {
  StartSource("retryAfter: 1500ms", "capacity: 4, transactionCapacity: 4, keepAlive: 10ms");
  ASSERT_EQ(HttpPost(Url(), "1\n2\n3\n", kText).status, 200);
  const std::string request = R"([{"body": "4"}, {"body": "5"}])";
  HttpResponse r = HttpPost(Url(), request, kJson);
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.retry_after, "2") << "1.5s rounds up";
  EXPECT_NE(r.body.find("full"), std::string::npos) << r.body;
  EXPECT_EQ(harness_.channel().Size(), 3u) << "nothing of the refused request was committed";

  EXPECT_EQ(Bodies(), (std::vector<std::string>{"1", "2", "3"}));
  r = HttpPost(Url(), request, kJson);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Bodies(), (std::vector<std::string>{"4", "5"}));
  EXPECT_EQ(metrics().received->Value(), 7);
  EXPECT_EQ(metrics().accepted->Value(), 5);
  EXPECT_EQ(metrics().rejected->Value(), 2);
}

TEST_F(HttpSourceTest, OtherMethodsAre405WithAllowPost) {
  StartSource();
  EXPECT_EQ(HttpGet(Url()).status, 405);
  RawReply raw =
      RawRequest(port_, "PUT /x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n");
  EXPECT_TRUE(raw.status_line.starts_with("HTTP/1.1 405")) << raw.status_line;
  EXPECT_NE(std::find(raw.headers.begin(), raw.headers.end(), "Allow: POST"), raw.headers.end());
  EXPECT_EQ(raw.body_line, "method PUT not allowed: send events with POST");
  EXPECT_EQ(metrics().received->Value(), 0);
}

TEST_F(HttpSourceTest, StartReportsAPortInUse) {
  const int port = testing::FreePort();
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(::listen(fd, 1), 0);

  ASSERT_TRUE(
      harness_.Wire("name: web, type: http, bind: 127.0.0.1, port: " + std::to_string(port), ""));
  HttpSource source(harness_.source_config(), harness_.context(), harness_.processor());
  Status s = source.Start();
  EXPECT_EQ(s.code(), Status::Code::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("127.0.0.1:" + std::to_string(port)), std::string::npos)
      << s.message();
  source.Stop();
  ::close(fd);
}

TEST_F(HttpSourceTest, StopWaitsForTheRequestInFlight) {
  StartSource("", "capacity: 1, transactionCapacity: 1, keepAlive: 1s");
  ASSERT_EQ(HttpPost(Url(), "fills\n", kText).status, 200);
  HttpResponse blocked;
  std::thread client([&] { blocked = HttpPost(Url(), "waits\n", kText); });
  // Received is counted once the body is parsed, just before the commit that waits for room.
  ASSERT_TRUE(testing::WaitFor([&] { return metrics().received->Value() == 2; }));
  EXPECT_EQ(metrics().open_connections->Value(), 1);
  source_->Stop();
  EXPECT_EQ(metrics().open_connections->Value(), 0) << "no request is in flight after Stop";
  EXPECT_EQ(metrics().rejected->Value(), 1) << "the batch waiting for room was refused";
  client.join();
  EXPECT_NE(blocked.status, 200);
  EXPECT_EQ(Bodies(), (std::vector<std::string>{"fills"}));
  EXPECT_EQ(HttpPost(Url(), "late\n", kText).status, 0) << "nothing listens after Stop";
}

TEST(HttpSourceParseTest, JsonParsingIsLenientWhereFlumeIs) {
  auto events = HttpSource::ParseJson(
      R"([{"headers": null, "body": "a", "extra": 1}, {"headers": {"k": "v"}, "body": "b"}])");
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  EXPECT_EQ(*events, (std::vector<Event>{MakeEvent({}, "a"), MakeEvent({{"k", "v"}}, "b")}));
  auto empty = HttpSource::ParseJson("[]");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(HttpSourceParseTest, TextLinesStripOneCarriageReturn) {
  auto events = HttpSource::ParseText("a\r\r\nb\n\n");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].body, "a\r");
  EXPECT_EQ(events[1].body, "b");
  EXPECT_EQ(events[2].body, "");
  EXPECT_TRUE(HttpSource::ParseText("").empty());
}

}  // namespace
}  // namespace acequia::sidecar
