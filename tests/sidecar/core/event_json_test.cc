#include "sidecar/core/event_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

namespace acequia::sidecar {
namespace {

Event MakeEvent(std::string body, std::vector<std::pair<std::string, std::string>> headers = {}) {
  Event event;
  event.body = std::move(body);
  for (auto& [k, v] : headers) event.headers.Set(k, v);
  return event;
}

std::string Json(const Event& event) {
  std::string out;
  AppendEventJson(event, &out);
  return out;
}

// What nlohmann's dump() writes for the same object: the form the sinks wrote before.
std::string Reference(const Event& event, const std::string& body, bool base64) {
  nlohmann::ordered_json item = nlohmann::ordered_json::object();
  nlohmann::ordered_json headers = nlohmann::ordered_json::object();
  for (const auto& [key, value] : event.headers) headers[key] = value;
  item["headers"] = headers;
  item["body"] = body;
  if (base64) item["encoding"] = "base64";
  return item.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

TEST(EventJsonTest, WritesWhatTheHttpSourceReads) {
  EXPECT_EQ(Json(MakeEvent("hello", {{"host", "web-a"}, {"n", "1"}})),
            R"({"headers":{"host":"web-a","n":"1"},"body":"hello"})");
  EXPECT_EQ(Json(MakeEvent("")), R"({"headers":{},"body":""})");
  EXPECT_EQ(Json(MakeEvent("tab\there \"q\" back\\slash\nnew\r\x01\x1f\x7f é €")),
            "{\"headers\":{},\"body\":\"tab\\there \\\"q\\\" back\\\\slash\\nnew\\r\\u0001\\u001f"
            "\x7f é €\"}");
  EXPECT_EQ(Json(MakeEvent(std::string("\xff\x00\x01z", 4))),
            R"({"headers":{},"body":"/wABeg==","encoding":"base64"})");
  // A header that is not UTF-8 cannot be base64-marked: each bad byte becomes U+FFFD.
  EXPECT_EQ(Json(MakeEvent("b", {{"k\xff", "v\xc0\xaf"}})),
            "{\"headers\":{\"k\xef\xbf\xbd\":\"v\xef\xbf\xbd\xef\xbf\xbd\"},\"body\":\"b\"}");
}

TEST(EventJsonTest, MatchesNlohmannsDumpForRandomEvents) {
  std::mt19937 random(20261121);
  // Bytes drawn mostly from the ones that need care: controls, quotes, backslashes, UTF-8 lead
  // and continuation bytes, and plain letters.
  const std::string alphabet = std::string("\x00\x01\x08\x09\x0a\x0c\x0d\x1f\"\\/ aZ~\x7f", 16) +
                               "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xc0\xed\xa0\x80\xff\x80";
  auto text = [&](size_t most) {
    std::string s;
    const size_t n = random() % (most + 1);
    for (size_t i = 0; i < n; ++i) s.push_back(alphabet[random() % alphabet.size()]);
    return s;
  };
  for (int round = 0; round < 20000; ++round) {
    Event event = MakeEvent(text(24), {{text(6), text(10)}, {"fixed", text(8)}});
    const std::string written = Json(event);
    const bool utf8 = IsValidUtf8(event.body);
    auto parsed = nlohmann::json::parse(written);  // throws, failing the test, if not JSON
    bool headers_utf8 = true;
    for (const auto& [key, value] : event.headers) {
      headers_utf8 = headers_utf8 && IsValidUtf8(key) && IsValidUtf8(value);
    }
    if (!headers_utf8) {
      // nlohmann replaces a broken sequence with one U+FFFD, we replace each of its bytes: the
      // output is still JSON (parsed above) and the body is still exact.
      ASSERT_EQ(parsed["headers"].size(), event.headers.size()) << written;
    } else if (utf8) {
      ASSERT_EQ(parsed["body"].get<std::string>(), event.body) << written;
      ASSERT_EQ(written, Reference(event, event.body, false));
    } else {
      ASSERT_EQ(parsed["encoding"], "base64") << written;
      ASSERT_EQ(written, Reference(event, parsed["body"].get<std::string>(), true));
    }
  }
}

}  // namespace
}  // namespace acequia::sidecar
