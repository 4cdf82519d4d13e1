#include "sidecar/convert/convert_command.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "sidecar/convert/flume_converter.h"

namespace acequia::sidecar::convert {
namespace {

int Usage(const std::string& message) {
  std::fprintf(stderr,
               "acequia-agent convert-flume: %s\n"
               "usage: acequia-agent convert-flume FILE [--agent NAME] [-o OUT]\n",
               message.c_str());
  return 2;
}

std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

int RunConvertFlume(const std::vector<std::string>& args) {
  std::string input;
  std::string output;
  FlumeConvertOptions options;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--agent" || a == "-a") {
      if (i + 1 == args.size()) return Usage("--agent needs a NAME");
      options.agent = args[++i];
    } else if (a == "-o" || a == "--output") {
      if (i + 1 == args.size()) return Usage("-o needs a FILE");
      output = args[++i];
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      return Usage("unknown argument \"" + a + "\"");
    } else if (input.empty()) {
      input = a;
    } else {
      return Usage("only one FILE, got \"" + input + "\" and \"" + a + "\"");
    }
  }
  if (input.empty()) return Usage("needs the Flume properties FILE");

  std::stringstream text;
  if (input == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream in(input, std::ios::binary);
    if (!in) return Usage("cannot read \"" + input + "\"");
    text << in.rdbuf();
  }
  const std::string shown = input == "-" ? "stdin" : input;
  options.file_name = input == "-" ? "stdin" : BaseName(input);
  auto conversion = ConvertFlumeProperties(text.str(), options);
  if (!conversion.ok()) {
    std::fprintf(stderr, "%s: %s\n", shown.c_str(), conversion.status().message().c_str());
    return 2;
  }
  std::vector<ConversionIssue> issues = conversion->issues;
  for (auto& issue : ValidateConversion(*conversion)) {
    issue.message = "invalid Flow: " + issue.message;
    issues.push_back(std::move(issue));
  }
  std::stable_sort(
      issues.begin(), issues.end(),
      [](const ConversionIssue& a, const ConversionIssue& b) { return a.line < b.line; });
  for (const auto& issue : issues) {
    std::fprintf(stderr, "%s\n", issue.Format(shown).c_str());
  }
  if (output.empty()) {
    std::fputs(conversion->manifest.c_str(), stdout);
    std::fflush(stdout);
  } else {
    std::ofstream out(output, std::ios::binary | std::ios::trunc);
    out << conversion->manifest;
    out.close();
    if (!out) {
      std::fprintf(stderr, "acequia-agent convert-flume: cannot write \"%s\"\n", output.c_str());
      return 2;
    }
  }
  size_t dropped = 0;
  for (const auto& issue : issues) {
    if (issue.severity == ConversionIssue::Severity::kDropped) ++dropped;
  }
  if (dropped > 0) {
    std::fprintf(stderr,
                 "%s: agent %s converted with %zu problem%s above: the manifest%s lacks that "
                 "configuration or is invalid\n",
                 shown.c_str(), conversion->agent.c_str(), dropped, dropped == 1 ? "" : "s",
                 output.empty() ? "" : (" " + output).c_str());
    return 1;
  }
  return 0;
}

}  // namespace acequia::sidecar::convert
