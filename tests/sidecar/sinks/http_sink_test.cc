#include "sidecar/sinks/http_sink.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "sidecar/channels/memory_channel.h"
#include "sidecar/core/event_json.h"
#include "sidecar/core/sink_runner.h"
#include "tests/sidecar/sinks/http_sink_receiver.h"
#include "tests/support/component_configs.h"
#include "tests/support/test_env.h"

namespace acequia::sidecar {
namespace {

using acequia::testing::HttpReceiver;
using acequia::testing::TempDir;
using acequia::testing::WaitFor;
using std::chrono::milliseconds;

api::SinkConfig HttpConfig(const std::string& endpoint, const std::string& extra = "") {
  return testing::SinkConfig("name: out, type: http, endpoint: \"" + endpoint + "\"" + extra);
}

Event MakeEvent(std::string body, const std::vector<std::pair<std::string, std::string>>& h = {}) {
  Event event;
  event.body = std::move(body);
  for (const auto& [k, v] : h) event.headers.Set(k, v);
  return event;
}

std::vector<std::string> Numbered(int n, int from = 0) {
  std::vector<std::string> bodies;
  for (int i = from; i < from + n; ++i) bodies.push_back("event " + std::to_string(i));
  return bodies;
}

TEST(HttpSinkEncodingTest, JsonIsWhatTheHttpSourceReadsAndBinaryBodiesAreBase64) {
  std::vector<Event> events = {MakeEvent("héllo", {{"level", "info"}}),
                               MakeEvent(std::string("\xff\x00\x01", 3))};
  auto json = nlohmann::json::parse(HttpSink::EncodeJson(events));
  ASSERT_EQ(json.size(), 2u);
  EXPECT_EQ(json[0]["headers"]["level"], "info");
  EXPECT_EQ(json[0]["body"], "héllo");
  EXPECT_FALSE(json[0].contains("encoding"));
  EXPECT_EQ(json[1]["body"], "/wAB");
  EXPECT_EQ(json[1]["encoding"], "base64");
  EXPECT_TRUE(json[1]["headers"].empty());
  EXPECT_EQ(HttpSink::EncodeText(events), "héllo\n" + std::string("\xff\x00\x01\n", 4));
}

TEST(HttpSinkEncodingTest, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("\xe2\x82\xac \xf0\x9f\x98\x80"));  // € 😀
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));                      // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));                  // a surrogate
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));                      // cut short
  EXPECT_FALSE(IsValidUtf8("\x80"));
}

// What `acequia-agent validate`, the operator and its webhook say about an http sink's
// properties: the same validator the agent runs before it builds the sink.
std::string HttpSinkErrors(const std::string& properties) {
  auto parsed = api::ParseFlow(
      "sources: [{name: s, type: netcat, port: 7000, channels: [c]}]\n"
      "channels: [{name: c, type: memory}]\n"
      "sinks: [{name: k, type: http, channel: c, " +
      properties + "}]\n");
  return api::JoinErrors(parsed.errors);
}

TEST(HttpSinkConfigTest, BadEndpointsStatusKeysAndHeadersAreRejectedByTheValidator) {
  EXPECT_EQ(HttpSinkErrors("endpoint: \"ftp://example.com/\""),
            "spec.sinks[0].endpoint: expected an http:// or https:// URL naming a host, such as "
            "https://collector:8080/events");
  EXPECT_EQ(HttpSinkErrors("endpoint: \"http:///events\""),
            "spec.sinks[0].endpoint: expected an http:// or https:// URL naming a host, such as "
            "https://collector:8080/events");
  EXPECT_EQ(HttpSinkErrors("endpoint: \"http://x/\", rollback: {\"4xy\": false}"),
            "spec.sinks[0].rollback: key \"4xy\": expected a status code such as \"503\" or a "
            "class such as \"5XX\"");
  EXPECT_EQ(HttpSinkErrors("endpoint: \"http://x/\", backoff: {\"5000\": true}"),
            "spec.sinks[0].backoff: key \"5000\": expected a status code such as \"503\" or a "
            "class such as \"5XX\"");
  EXPECT_EQ(HttpSinkErrors("endpoint: \"http://x/\", headers: {\"X Tenant\": shop}"),
            "spec.sinks[0].headers: key \"X Tenant\": expected an HTTP header name (a token: no "
            "spaces or ':')");
  EXPECT_EQ(HttpSinkErrors("endpoint: \"http://x/\", headers: {X-Tenant: \"a\\r\\nX-Evil: 1\"}"),
            "spec.sinks[0].headers: the value of \"X-Tenant\" holds a line break");
  // A map of booleans: a string value is a validation error before any sink is built.
  EXPECT_EQ(HttpSinkErrors("endpoint: \"http://x/\", rollback: {\"400\": maybe}"),
            "spec.sinks[0].rollback: value of \"400\": expected true or false, got \"maybe\"");
  // What is accepted: codes and classes in either case, IPv6 hosts, ports, query strings.
  EXPECT_EQ(HttpSinkErrors("endpoint: \"https://[::1]:8443/x?y=1\", rollback: {\"4xx\": false, "
                           "\"404\": true, \"5XX\": true}, headers: {X-Tenant: shop}"),
            "");
  EXPECT_TRUE(HttpSink::Create(HttpConfig("https://127.0.0.1:1/x",
                                          ", rollback: {\"4xx\": false, \"404\": true}"))
                  .ok());
}

class HttpSinkTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(receiver_.Start()); }

  std::unique_ptr<SinkRunner> Runner(const std::string& extra = "",
                                     const std::string& endpoint = "") {
    auto sink = HttpSink::Create(
        HttpConfig(endpoint.empty() ? receiver_.url() : endpoint, ", batchSize: 5" + extra));
    EXPECT_TRUE(sink.ok()) << sink.status().message();
    return std::make_unique<SinkRunner>("out", std::move(sink).value(), channel_, sink_metrics_,
                                        fast_);
  }
  void Put(const std::vector<std::string>& bodies) {
    auto tx = channel_.Begin();
    std::vector<Event> events;
    for (const auto& b : bodies) events.push_back(MakeEvent(b, {{"n", b}}));
    ASSERT_TRUE(tx->Put(std::move(events)).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }

  HttpReceiver receiver_;
  AgentMetrics metrics_{"test"};
  MemoryChannel channel_{
      testing::ChannelConfig("type: memory, capacity: 1000, transactionCapacity: 100"),
      metrics_.ForChannel("c", "memory")};
  SinkMetrics sink_metrics_ = metrics_.ForSink("out", "http");
  SinkRunner::Options fast_{milliseconds(10), milliseconds(50), milliseconds(20)};
};

TEST_F(HttpSinkTest, PostsEachBatchAsJsonWithItsHeadersAndCommitsAfter2xx) {
  auto runner = Runner(", headers: {X-Tenant: shop}");
  Put(Numbered(12));
  ASSERT_TRUE(runner->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return receiver_.AcceptedBodies().size() == 12; }));
  runner->Stop(std::chrono::steady_clock::now());
  EXPECT_EQ(receiver_.AcceptedBodies(), Numbered(12));
  auto requests = receiver_.requests();
  ASSERT_EQ(requests.size(), 3u) << "batches of 5, 5 and 2";
  EXPECT_EQ(requests[0].Header("Content-Type"), "application/json");
  EXPECT_EQ(requests[0].Header("X-Tenant"), "shop");
  EXPECT_EQ(requests[0].Header("Authorization"), "");
  auto first = nlohmann::json::parse(requests[0].body);
  EXPECT_EQ(first[0]["headers"]["n"], "event 0");
  EXPECT_EQ(sink_metrics_.drained->Value(), 12);
  EXPECT_EQ(sink_metrics_.rollbacks->Value(), 0);
  EXPECT_EQ(channel_.Size(), 0u);
}

TEST_F(HttpSinkTest, TextFormatSendsOneBodyPerLineWithItsContentType) {
  auto runner = Runner(", format: text, contentType: text/x-log");
  Put(Numbered(3));
  ASSERT_TRUE(runner->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return receiver_.accepted_requests() == 1; }));
  runner->Stop(std::chrono::steady_clock::now());
  auto requests = receiver_.requests();
  EXPECT_EQ(requests[0].body, "event 0\nevent 1\nevent 2\n");
  EXPECT_EQ(requests[0].Header("Content-Type"), "text/x-log");
}

TEST_F(HttpSinkTest, A500RollsBackAndTheSameEventsArriveLaterWithoutLossOrReordering) {
  receiver_.SetStatus(500);
  auto runner = Runner();
  Put(Numbered(20));
  ASSERT_TRUE(runner->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return sink_metrics_.rollbacks->Value() >= 3; }));
  EXPECT_EQ(channel_.Size(), 20u) << "nothing is committed without a 2xx";
  EXPECT_EQ(sink_metrics_.drained->Value(), 0);
  receiver_.SetStatus(200);
  ASSERT_TRUE(WaitFor([&] { return receiver_.AcceptedBodies().size() >= 20; }));
  runner->Stop(std::chrono::steady_clock::now());
  EXPECT_EQ(receiver_.AcceptedBodies(), Numbered(20)) << "each event accepted exactly once";
  EXPECT_EQ(sink_metrics_.connection_failures->Value(), 0) << "a 500 is an answer";
  EXPECT_EQ(channel_.Size(), 0u);
}

TEST_F(HttpSinkTest, A400RollsBackByDefaultSoNothingIsLost) {
  receiver_.SetStatus(400);
  auto runner = Runner();
  Put(Numbered(5));
  ASSERT_TRUE(runner->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return sink_metrics_.rollbacks->Value() >= 2; }));
  runner->Stop(std::chrono::steady_clock::now());
  EXPECT_EQ(channel_.Size(), 5u);
  EXPECT_EQ(sink_metrics_.dropped->Value(), 0);
}

TEST_F(HttpSinkTest, A400ConfiguredToDropIsCommittedAndCountedWhileOtherCodesStillRollBack) {
  auto runner = Runner(", rollback: {\"400\": false}, backoff: {\"4XX\": false}");
  receiver_.SetStatus(400);
  Put(Numbered(10));
  ASSERT_TRUE(runner->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return sink_metrics_.dropped->Value() == 10; }));
  EXPECT_TRUE(WaitFor([&] { return channel_.Size() == 0; }));
  EXPECT_EQ(sink_metrics_.drained->Value(), 0) << "incrementMetrics is off by default";
  EXPECT_EQ(sink_metrics_.rollbacks->Value(), 0);
  // 422 is a 4XX too, but only 400 drops: it rolls back (without backoff, as configured).
  receiver_.SetStatus(422);
  Put(Numbered(5, 100));
  ASSERT_TRUE(WaitFor([&] { return sink_metrics_.rollbacks->Value() >= 2; }));
  EXPECT_EQ(sink_metrics_.dropped->Value(), 10);
  receiver_.SetStatus(200);
  ASSERT_TRUE(WaitFor([&] { return receiver_.AcceptedBodies().size() == 5; }));
  runner->Stop(std::chrono::steady_clock::now());
  EXPECT_EQ(receiver_.AcceptedBodies(), Numbered(5, 100));
  EXPECT_EQ(sink_metrics_.drained->Value(), 5);
}

TEST_F(HttpSinkTest, IncrementMetricsCountsADroppedBatchAsDrained) {
  auto runner = Runner(", defaultRollback: false, defaultIncrementMetrics: true");
  receiver_.SetStatus(503);
  Put(Numbered(5));
  ASSERT_TRUE(runner->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return sink_metrics_.dropped->Value() == 5; }));
  runner->Stop(std::chrono::steady_clock::now());
  EXPECT_EQ(sink_metrics_.drained->Value(), 5);
}

TEST_F(HttpSinkTest, AnUnreachableEndpointCountsConnectionFailuresAndDeliversOnceItIsBack) {
  receiver_.Stop();
  auto runner = Runner();
  Put(Numbered(7));
  ASSERT_TRUE(runner->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return sink_metrics_.connection_failures->Value() >= 2; }));
  EXPECT_EQ(sink_metrics_.drained->Value(), 0);
  ASSERT_TRUE(receiver_.Start());
  ASSERT_TRUE(WaitFor([&] { return receiver_.AcceptedBodies().size() == 7; }));
  runner->Stop(std::chrono::steady_clock::now());
  EXPECT_EQ(receiver_.AcceptedBodies(), Numbered(7));
}

TEST_F(HttpSinkTest, ASlowAnswerPastRequestTimeoutIsAFailureAndIsRetried) {
  receiver_.SetDelay(milliseconds(1500));
  auto runner = Runner(", requestTimeout: 300ms");
  Put(Numbered(1));
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(runner->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return sink_metrics_.connection_failures->Value() >= 1; }));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1400));
  receiver_.SetDelay(milliseconds(0));
  ASSERT_TRUE(WaitFor([&] { return sink_metrics_.drained->Value() == 1; }));
  runner->Stop(std::chrono::steady_clock::now());
  // The slow exchanges may have been accepted after the sink gave up: at-least-once.
  std::set<std::string> bodies;
  for (const auto& b : receiver_.AcceptedBodies()) bodies.insert(b);
  EXPECT_EQ(bodies, std::set<std::string>{"event 0"});
}

TEST_F(HttpSinkTest, BearerTokenFileIsReadAndReReadWhenItIsRotated) {
  TempDir dir;
  testing::WriteFile(dir / "token", "first-token\n");
  auto runner = Runner(", bearerTokenFile: \"" + dir / "token" + "\"");
  Put(Numbered(1));
  ASSERT_TRUE(runner->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return receiver_.accepted_requests() == 1; }));
  // Rotate as a Secret volume does: write a new file and rename it over the old one.
  testing::WriteFile(dir / "token.new", "second-token");
  ASSERT_EQ(std::rename((dir / "token.new").c_str(), (dir / "token").c_str()), 0);
  Put(Numbered(1, 1));
  ASSERT_TRUE(WaitFor([&] { return receiver_.accepted_requests() == 2; }));
  runner->Stop(std::chrono::steady_clock::now());
  auto requests = receiver_.requests();
  EXPECT_EQ(requests[0].Header("Authorization"), "Bearer first-token");
  EXPECT_EQ(requests[1].Header("Authorization"), "Bearer second-token");
}

TEST_F(HttpSinkTest, AMissingTokenFileFailsStartWithoutTheToken) {
  auto sink = HttpSink::Create(HttpConfig(receiver_.url(), ", bearerTokenFile: /nonexistent/t"));
  ASSERT_TRUE(sink.ok());
  Status s = (*sink)->Start();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("bearerTokenFile"), std::string::npos) << s.message();
}

class HttpSinkTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::MakeReceiverPki(pki_.path()));
    receiver_ =
        std::make_unique<HttpReceiver>(HttpReceiver::Tls{pki_ / "server.crt", pki_ / "server.key"});
    ASSERT_TRUE(receiver_->Start());
  }

  // Delivers one event through a sink with `extra` settings; returns the Deliver status.
  Status DeliverOnce(const std::string& extra) {
    auto sink = HttpSink::Create(HttpConfig(receiver_->url(), extra));
    if (!sink.ok()) return sink.status();
    if (Status s = (*sink)->Start(); !s.ok()) return s;
    std::vector<Event> events = {MakeEvent("secret payload")};
    Status delivered = (*sink)->Deliver(events);
    (*sink)->Stop();
    return delivered;
  }

  TempDir pki_;
  std::unique_ptr<HttpReceiver> receiver_;
};

TEST_F(HttpSinkTlsTest, TrustsTheGivenCaAndRefusesAnUnknownOne) {
  Status trusted = DeliverOnce(", caFile: \"" + pki_ / "ca.crt" + "\"");
  EXPECT_TRUE(trusted.ok()) << trusted.message();
  EXPECT_EQ(receiver_->AcceptedBodies(), std::vector<std::string>{"secret payload"});

  Status unknown = DeliverOnce("");  // the system's authorities never signed the test CA
  EXPECT_EQ(unknown.code(), Status::Code::kUnavailable) << unknown.message();

  Status skipped = DeliverOnce(", insecureSkipVerify: true");
  EXPECT_TRUE(skipped.ok()) << skipped.message();
  EXPECT_EQ(receiver_->accepted_requests(), 2u);
}

TEST_F(HttpSinkTlsTest, ACaFileThatCannotBeReadFailsStart) {
  Status s = DeliverOnce(", caFile: /nonexistent/ca.crt");
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("caFile"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace acequia::sidecar
