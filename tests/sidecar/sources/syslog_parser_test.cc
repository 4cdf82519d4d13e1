#include "sidecar/sources/syslog_parser.h"

#include <gtest/gtest.h>

#include <map>

namespace acequia::sidecar {
namespace {

constexpr int64_t kNow = 1795240800000;  // 2026-11-21T06:00:00Z

std::map<std::string, std::string> HeadersOf(const Event& event) {
  return {event.headers.begin(), event.headers.end()};
}

struct Parsed {
  bool ok;
  Event event;
  std::map<std::string, std::string> headers;
};

Parsed Parse(std::string_view message, const std::string& keep = "none", int64_t now = kNow) {
  auto fields = SyslogKeepFields::Parse(keep);
  EXPECT_TRUE(fields.ok()) << fields.status().ToString();
  SyslogParser parser(SyslogParser::Options{*fields, /*rfc3164_utc=*/true});
  Parsed p;
  p.ok = parser.Parse(message, now, p.event);
  p.headers = HeadersOf(p.event);
  return p;
}

TEST(SyslogParserTest, Rfc3164WithoutYearTakesTheYearOfNow) {
  auto p = Parse("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.headers, (std::map<std::string, std::string>{{"Facility", "4"},
                                                           {"Severity", "2"},
                                                           {"priority", "34"},
                                                           {"timestamp", "1791756855000"},
                                                           {"host", "mymachine"},
                                                           {"appName", "su"}}));
  EXPECT_EQ(p.event.body, "su: 'su root' failed for lonvick on /dev/pts/8");
}

TEST(SyslogParserTest, Rfc3164YearIsGuessedAcrossNewYear) {
  // Sent just before midnight, received just after: last year.
  auto late = Parse("<13>Dec 31 23:59:59 h app: x", "none", 1798761610000);
  EXPECT_EQ(late.headers["timestamp"], "1798761599000");
  // A sender whose clock is a little ahead: next year.
  auto early = Parse("<13>Jan  1 00:00:05 h app: x", "none", 1798761540000);
  EXPECT_EQ(early.headers["timestamp"], "1798761605000");
}

TEST(SyslogParserTest, Rfc3164WithYearPidAndPaddedDay) {
  auto with_year = Parse("<13>Nov 21 2024 06:56:17 web01 nginx[4711]: GET /");
  ASSERT_TRUE(with_year.ok);
  EXPECT_EQ(with_year.headers["timestamp"], "1732172177000");
  EXPECT_EQ(with_year.headers["host"], "web01");
  EXPECT_EQ(with_year.headers["appName"], "nginx");
  EXPECT_EQ(with_year.headers["procId"], "4711");
  EXPECT_EQ(with_year.event.body, "nginx[4711]: GET /");

  auto padded = Parse("<13>Nov  5 01:02:03 web01 plain text");
  ASSERT_TRUE(padded.ok);
  EXPECT_EQ(padded.headers["timestamp"], "1793840523000");
  EXPECT_EQ(padded.event.body, "plain text");
  EXPECT_FALSE(padded.headers.count("appName"));
}

TEST(SyslogParserTest, Rfc3164WithoutHostnameKeepsTheTag) {
  auto p = Parse("<13>Nov 21 06:56:17 sshd[5]: Accepted key");
  ASSERT_TRUE(p.ok);
  EXPECT_FALSE(p.headers.count("host"));
  EXPECT_EQ(p.headers["appName"], "sshd");
  EXPECT_EQ(p.headers["procId"], "5");
  EXPECT_EQ(p.event.body, "sshd[5]: Accepted key");
}

TEST(SyslogParserTest, Rfc3164WithRfc3339TimestampAsRsyslogForwards) {
  auto p = Parse("<30>2026-11-21T06:56:17.123456+01:00 web01 app: hello");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.headers["timestamp"], "1795240577123");
  EXPECT_EQ(p.headers["host"], "web01");
  EXPECT_FALSE(p.headers.count("version"));
  EXPECT_EQ(p.event.body, "app: hello");
}

TEST(SyslogParserTest, Rfc5424WithStructuredData) {
  auto p = Parse(
      "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 "
      "iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] An application event log entry");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.headers, (std::map<std::string, std::string>{
                           {"Facility", "20"},
                           {"Severity", "5"},
                           {"priority", "165"},
                           {"version", "1"},
                           {"timestamp", "1065910455003"},
                           {"host", "mymachine.example.com"},
                           {"appName", "evntslog"},
                           {"msgId", "ID47"},
                           {"structuredData",
                            "[exampleSDID@32473 iut=\"3\" "
                            "eventSource=\"Application\" eventID=\"1011\"]"}}));
  EXPECT_EQ(p.event.body, "An application event log entry");
}

TEST(SyslogParserTest, Rfc5424SeveralElementsWithEscapes) {
  auto p = Parse("<13>1 2003-10-11T22:14:15Z h a p m [a@1 x=\"q\\\"]\\\\\"][b@2 y=\"1\"] body");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.headers["structuredData"], "[a@1 x=\"q\\\"]\\\\\"][b@2 y=\"1\"]");
  EXPECT_EQ(p.headers["procId"], "p");
  EXPECT_EQ(p.event.body, "body");
}

TEST(SyslogParserTest, Rfc5424NilValues) {
  auto bare = Parse("<13>1 - - - - - -");
  ASSERT_TRUE(bare.ok);
  EXPECT_EQ(bare.headers,
            (std::map<std::string, std::string>{
                {"Facility", "1"}, {"Severity", "5"}, {"priority", "13"}, {"version", "1"}}));
  EXPECT_EQ(bare.event.body, "");
  auto with_msg = Parse("<13>1 - - - - - - just text");
  ASSERT_TRUE(with_msg.ok);
  EXPECT_EQ(with_msg.event.body, "just text");
}

TEST(SyslogParserTest, FractionalSecondsAndZones) {
  SyslogParser parser(SyslogParser::Options{{}, true});
  int64_t ms = 0;
  ASSERT_TRUE(parser.ParseRfc3339("2003-08-24T05:14:15.000003-07:00", &ms));
  EXPECT_EQ(ms, 1061727255000);
  ASSERT_TRUE(parser.ParseRfc3339("1985-04-12T23:20:50.52Z", &ms));
  EXPECT_EQ(ms, 482196050520);
  ASSERT_TRUE(parser.ParseRfc3339("2003-10-12T03:44:15+05:30", &ms));
  EXPECT_EQ(ms, 1065910455000);
  ASSERT_TRUE(parser.ParseRfc3339("2003-10-11T22:14:15.123456789Z", &ms));
  EXPECT_EQ(ms, 1065910455123);
  for (const char* bad : {"2003-10-11 22:14:15Z", "2003-13-11T22:14:15Z", "2003-02-29T00:00:00Z",
                          "2003-10-11T22:14:15.Z", "2003-10-11T22:14:15+5:00",
                          "2003-10-11T24:00:00Z", "2003-10-11T22:14:15Zjunk"}) {
    EXPECT_FALSE(parser.ParseRfc3339(bad, &ms)) << bad;
  }
}

TEST(SyslogParserTest, LocalTimeIsTheDefaultForDatesWithoutZone) {
  // With TZ unset or UTC the two agree; the point is that both paths produce a timestamp.
  SyslogParser local(SyslogParser::Options{{}, false});
  Event event;
  ASSERT_TRUE(local.Parse("<13>Oct 11 22:14:15 h x", kNow, event));
  EXPECT_TRUE(event.headers.Has("timestamp"));
}

TEST(SyslogParserTest, MalformedMessagesAreKeptRawAndMarkedInvalid) {
  auto no_pri = Parse("hello world");
  EXPECT_FALSE(no_pri.ok);
  EXPECT_EQ(no_pri.headers,
            (std::map<std::string, std::string>{{"flume.syslog.status", "Invalid"}}));
  EXPECT_EQ(no_pri.event.body, "hello world");

  for (const char* bad : {"<192>Oct 11 22:14:15 h x", "<>x", "<1a>x", "<1234>x", "<13"}) {
    auto p = Parse(bad);
    EXPECT_FALSE(p.ok) << bad;
    EXPECT_EQ(p.headers["flume.syslog.status"], "Invalid") << bad;
    EXPECT_FALSE(p.headers.count("Facility")) << bad;
    EXPECT_EQ(p.event.body, bad);
  }
  // A readable PRI with a broken rest: Facility/Severity kept, nothing else.
  for (const char* bad :
       {"<13>Foo 11 22:14:15 h x", "<13>1 2003-10-11T22:14:15Z h a p",
        "<13>1 - h a p m [unclosed x=\"1\"", "<13>1 - h a p m [id x=1] m",
        "<13>Feb 30 10:00:00 h x", "<13>just text", "<13>1 2003-10-11 h a p m -"}) {
    auto p = Parse(bad);
    EXPECT_FALSE(p.ok) << bad;
    EXPECT_EQ(p.headers["flume.syslog.status"], "Invalid") << bad;
    EXPECT_EQ(p.headers["Severity"], "5") << bad;
    EXPECT_FALSE(p.headers.count("timestamp")) << bad;
    EXPECT_EQ(p.event.body, bad);
  }
}

TEST(SyslogParserTest, KeepFieldsPutsHeaderFieldsBackInTheBody) {
  const std::string m3164 = "<13>Nov 21 06:56:17 web01 app: hi";
  EXPECT_EQ(Parse(m3164, "all").event.body, m3164);
  EXPECT_EQ(Parse(m3164, "true").event.body, m3164);
  EXPECT_EQ(Parse(m3164, "false").event.body, "app: hi");
  EXPECT_EQ(Parse(m3164, "timestamp hostname").event.body, "Nov 21 06:56:17 web01 app: hi");
  EXPECT_EQ(Parse(m3164, "priority,hostname").event.body, "<13>web01 app: hi");
  const std::string m5424 = "<13>1 2003-10-11T22:14:15Z h a - - - msg";
  EXPECT_EQ(Parse(m5424, "all").event.body, m5424);
  EXPECT_EQ(Parse(m5424, "priority version timestamp hostname").event.body,
            "<13>1 2003-10-11T22:14:15Z h msg");
  // No separator is left dangling when the message is empty (found by fuzzing).
  EXPECT_EQ(Parse("<13>Nov 21 06:56:17", "priority timestamp").event.body, "<13>Nov 21 06:56:17");
  // Invalid messages are raw whatever keepFields says.
  EXPECT_EQ(Parse("junk", "hostname").event.body, "junk");
}

TEST(SyslogParserTest, KeepFieldsRejectsUnknownFields) {
  EXPECT_TRUE(SyslogKeepFields::Parse("").ok());
  EXPECT_TRUE(SyslogKeepFields::Parse("NONE").ok());
  EXPECT_TRUE(SyslogKeepFields::Parse("Timestamp, Hostname").value().hostname);
  auto bad = SyslogKeepFields::Parse("timestamp bogus");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("\"bogus\""), std::string::npos);
}

TEST(SyslogParserTest, BinaryJunkNeverBreaksTheParser) {
  std::string junk;
  for (int i = 0; i < 512; ++i) junk.push_back(static_cast<char>((i * 37) & 0xff));
  for (size_t cut = 0; cut < junk.size(); cut += 7) {
    Event event;
    SyslogParser parser(SyslogParser::Options{{}, true});
    parser.Parse(std::string_view(junk).substr(cut), kNow, event);
    Event prefixed;
    parser.Parse("<13>" + junk.substr(cut), kNow, prefixed);
    parser.Parse("<13>1 " + junk.substr(cut), kNow, prefixed);
  }
}

}  // namespace
}  // namespace acequia::sidecar
