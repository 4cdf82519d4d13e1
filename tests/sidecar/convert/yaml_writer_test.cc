// The manifest writer: key order, inline lists, block maps and lists, quoting only when needed.
#include "sidecar/convert/yaml_writer.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace acequia::sidecar::convert {
namespace {

TEST(YamlWriterTest, QuotesOnlyWhatPlainStyleWouldChange) {
  EXPECT_EQ(YamlScalar("/var/log/%Y"), "/var/log/%Y");
  EXPECT_EQ(YamlScalar("^.*\\.log$"), "^.*\\.log$");
  EXPECT_EQ(YamlScalar(""), "\"\"");
  EXPECT_EQ(YamlScalar("null"), "\"null\"");
  EXPECT_EQ(YamlScalar("Yes"), "\"Yes\"");
  EXPECT_EQ(YamlScalar("%{host}"), "\"%{host}\"");
  EXPECT_EQ(YamlScalar("a: b"), "\"a: b\"");
  EXPECT_EQ(YamlScalar("x #y"), "\"x #y\"");
  EXPECT_EQ(YamlScalar("tab\there \"q\" \\"), "\"tab\\there \\\"q\\\" \\\\\"");
  EXPECT_EQ(YamlScalar("a,b"), "\"a,b\"");
}

TEST(YamlWriterTest, WritesNestedStructuresThatReadBackTheSame) {
  YamlNode doc = YamlNode::Map();
  doc.Set("kind", YamlNode::String("Flow"));
  YamlNode list = YamlNode::BlockList();
  YamlNode item = YamlNode::Map();
  item.Set("name", YamlNode::String("r1"));
  item.Set("channels", YamlNode::List({"c1", "c 2"}));
  YamlNode map = YamlNode::Map();
  map.Set("US", YamlNode::List({"c1"}));
  item.Set("mapping", std::move(map));
  item.Set("shell", YamlNode::String(""), "a reason");
  item.Set("port", YamlNode::Literal("5140"));
  list.Append(std::move(item));
  doc.Set("sources", std::move(list));
  doc.Set("kind", YamlNode::String("Flow2"));  // replaced in place
  const std::string text = doc.Write();
  EXPECT_EQ(text,
            "kind: Flow2\n"
            "sources:\n"
            "  - name: r1\n"
            "    channels: [c1, c 2]\n"
            "    mapping:\n"
            "      US: [c1]\n"
            "    shell: \"\"  # a reason\n"
            "    port: 5140\n");
  YAML::Node read = YAML::Load(text);
  EXPECT_EQ(read["sources"][0]["channels"][1].as<std::string>(), "c 2");
  EXPECT_EQ(read["sources"][0]["shell"].as<std::string>(), "");
  EXPECT_EQ(read["sources"][0]["mapping"]["US"][0].as<std::string>(), "c1");
}

// Found by fuzz/flume_properties_fuzz.cc: literals carry text from the Flume file (a port, a
// capacity) and were written as is even when that text was not a number.
TEST(YamlWriterTest, QuotesLiteralsThatPlainStyleWouldChange) {
  using namespace std::string_literals;
  YamlNode doc = YamlNode::Map();
  doc.Set("port", YamlNode::Literal("5140"));
  doc.Set("enabled", YamlNode::Literal("true"));
  doc.Set("interval", YamlNode::Literal("1m30s"));
  doc.Set("nul", YamlNode::Literal("\0\0*= 5140"s));
  doc.Set("list", YamlNode::Literal("[1"));
  doc.Set("comment", YamlNode::Literal("1 # 2"));
  doc.Set("null", YamlNode::Literal("null"));
  doc.Set("empty", YamlNode::Literal(""));
  const std::string text = doc.Write();
  EXPECT_EQ(text,
            "port: 5140\n"
            "enabled: true\n"
            "interval: 1m30s\n"
            "nul: \"\\x00\\x00*= 5140\"\n"
            "list: \"[1\"\n"
            "comment: \"1 # 2\"\n"
            "\"null\": \"null\"\n"
            "empty: \"\"\n");
  YAML::Node read;
  ASSERT_NO_THROW(read = YAML::Load(text)) << text;
  EXPECT_EQ(read["nul"].as<std::string>(), "\0\0*= 5140"s);
  EXPECT_EQ(read["null"].as<std::string>(), "null");
  EXPECT_EQ(read["enabled"].as<bool>(), true);
}

// Found by fuzz/flume_properties_fuzz.cc: in an inline list '?' ends a plain scalar, so a file
// channel's dataDirs "/var/lib/flume/da?a1" made "[/var/lib/flume/da?a1, …]", which is not YAML.
TEST(YamlWriterTest, QuotesQuestionMarksInInlineLists) {
  YamlNode doc = YamlNode::Map();
  doc.Set("dataDirs", YamlNode::List({"/data/da?a1", "/data/b"}));
  doc.Set("path", YamlNode::String("/var/log/example?log"));
  const std::string text = doc.Write();
  EXPECT_EQ(text,
            "dataDirs: [\"/data/da?a1\", /data/b]\n"
            "path: /var/log/example?log\n");
  YAML::Node read;
  ASSERT_NO_THROW(read = YAML::Load(text)) << text;
  EXPECT_EQ(read["dataDirs"][0].as<std::string>(), "/data/da?a1");
  EXPECT_EQ(read["path"].as<std::string>(), "/var/log/example?log");
}

// Found by fuzz/flume_properties_fuzz.cc: a map key longer than YAML's 1024-character limit for
// implicit keys (a multiplexing selector's mapping of a long header value) made a manifest that
// yaml-cpp refuses; such a key is written explicit.
TEST(YamlWriterTest, WritesKeysBeyondTheImplicitKeyLimitExplicitly) {
  const std::string value(1100, 'v');
  YamlNode mapping = YamlNode::Map();
  mapping.Set(value, YamlNode::List({"c1"}));
  mapping.Set("US", YamlNode::List({"c2"}));
  YamlNode doc = YamlNode::Map();
  doc.Set("mapping", std::move(mapping));
  const std::string text = doc.Write();
  EXPECT_EQ(text, "mapping:\n  ? " + value + "\n  : [c1]\n  US: [c2]\n");
  YAML::Node read;
  ASSERT_NO_THROW(read = YAML::Load(text)) << text;
  EXPECT_EQ(read["mapping"][value][0].as<std::string>(), "c1");
  EXPECT_EQ(read["mapping"]["US"][0].as<std::string>(), "c2");
}

}  // namespace
}  // namespace acequia::sidecar::convert
