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

}  // namespace
}  // namespace acequia::sidecar::convert
