// End-to-end: the real acequia-agent's syslog sources fed by real syslog clients — util-linux
// `logger` (TCP and UDP, RFC 3164 and 5424, newline and octet-counted framing) and a private
// rsyslogd forwarding with omfwd, octet-counted. Headers are checked through the file_roll
// sink's directory escapes (%{appName}/%{Severity}/…), bodies through the files' lines.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <set>

#include "tests/support/agent_fixture.h"
#include "tests/support/net_client.h"
#include "tests/support/process.h"
#include "tests/support/test_env.h"

namespace acequia::testing {
namespace {

bool Any(const std::string&) { return true; }

std::string Trimmed(std::string s) {
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  return s;
}

int Shell(const std::string& command) {
  const int code = std::system(command.c_str());
  return WIFEXITED(code) ? WEXITSTATUS(code) : -1;
}

// A flow with a syslogtcp and a syslogudp source into one file_roll sink that files every event
// under out/<appName>/<Severity>/<procId>/<year of the timestamp header> (a missing header
// leaves its level empty).
std::string SyslogFlow(int tcp_port, int udp_port, const std::string& out) {
  return "apiVersion: acequia.io/v1alpha1\nkind: Flow\nmetadata: {name: syslog}\nspec:\n"
         "  sources:\n"
         "    - {name: tcp, type: syslogtcp, host: 127.0.0.1, port: " +
         std::to_string(tcp_port) +
         ", channels: [main], clientIPHeader: client}\n"
         "    - {name: udp, type: syslogudp, host: 127.0.0.1, port: " +
         std::to_string(udp_port) +
         ", channels: [main]}\n"
         "  channels:\n"
         "    - {name: main, type: memory, capacity: 10000, transactionCapacity: 1000}\n"
         "  sinks:\n"
         "    - {name: files, type: file_roll, channel: main, rollInterval: 0,\n"
         "       directory: \"" +
         out +
         "/%{appName}/%{Severity}/%{procId}/%Y\"}\n"
         "  metrics: {port: {metrics_port}}\n";
}

// The full path of a program found on $PATH (ChildProcess execs without a search).
std::string Which(const std::string& program) {
  TempDir dir;
  Shell("command -v " + program + " > " + dir / "path");
  std::string path = ReadFile(dir / "path");
  while (!path.empty() && (path.back() == '\n' || path.back() == ' ')) path.pop_back();
  return path;
}

std::string Year() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  return std::to_string(1900 + tm.tm_year);
}

TEST(SyslogClientsTest, LoggerOverTcpAndUdpInEveryFraming) {
  ASSERT_EQ(Shell("command -v logger >/dev/null"), 0) << "logger (util-linux) is not installed";
  AgentFixture agent;
  const int tcp = FreePort();
  int udp = FreePort();
  while (udp == tcp) udp = FreePort();
  const std::string out = agent.dir() / "out";
  agent.WriteConfig(SyslogFlow(tcp, udp, out));
  ASSERT_TRUE(agent.Start()) << agent.Log();

  const std::string to_tcp = "logger -n 127.0.0.1 -P " + std::to_string(tcp) + " -T ";
  const std::string to_udp = "logger -n 127.0.0.1 -P " + std::to_string(udp) + " -d ";
  ASSERT_EQ(Shell(to_tcp + "--rfc3164 -t tcp3164 -p local3.warning 'newline framed'"), 0);
  ASSERT_EQ(Shell(to_tcp + "--rfc5424 --octet-count -t tcp5424 -p user.err --sd-id zoo@123 "
                           "--sd-param 'tiger=\"hungry\"' 'octet counted'"),
            0);
  ASSERT_EQ(Shell(to_udp + "--rfc3164 -t udp3164 -p daemon.info 'over udp'"), 0);
  ASSERT_EQ(Shell(to_udp + "--rfc5424 -t udp5424 -p user.notice 'udp 5424'"), 0);
  // A file of 300 lines, one message each, over one octet-counted connection.
  std::string lines;
  for (int i = 0; i < 300; ++i) lines += "bulk line " + std::to_string(i) + "\n";
  WriteFile(agent.dir() / "bulk.txt", lines);
  ASSERT_EQ(Shell(to_tcp + "--rfc5424 --octet-count -t bulk -i -p user.info -f " +
                  agent.dir() / "bulk.txt"),
            0);

  ASSERT_TRUE(WaitFor([&] {
    return agent.Metric("acequia_sink_events_drained_total", {"component=\"files\""}) == 304;
  })) << agent.Metrics();
  EXPECT_EQ(agent.Metric("acequia_source_events_accepted_total", {"component=\"tcp\""}), 302);
  EXPECT_EQ(agent.Metric("acequia_source_events_accepted_total", {"component=\"udp\""}), 2);
  ASSERT_EQ(agent.Terminate(), 0) << agent.Log();

  const std::string year = Year();
  EXPECT_EQ(ReadLinesUnder(out + "/tcp3164/4/" + year, Any),
            (std::vector<std::string>{"tcp3164: newline framed"}))
      << "RFC 3164 keeps the tag in the body, as Flume does";
  EXPECT_EQ(ReadLinesUnder(out + "/tcp5424/3/" + year, Any),
            (std::vector<std::string>{"octet counted"}));
  EXPECT_EQ(ReadLinesUnder(out + "/udp3164/6/" + year, Any),
            (std::vector<std::string>{"udp3164: over udp"}));
  EXPECT_EQ(ReadLinesUnder(out + "/udp5424/5/" + year, Any),
            (std::vector<std::string>{"udp 5424"}));
  // logger -i puts its pid in PROCID: one directory below bulk/6.
  std::vector<std::string> bulk;
  for (const auto& file : ListFiles(out + "/bulk/6")) {
    for (auto& line : ReadLinesUnder(std::filesystem::path(file).parent_path(), Any)) {
      bulk.push_back(line);
    }
    break;
  }
  ASSERT_EQ(bulk.size(), 300u) << "every line of the file exactly once";
  for (int i = 0; i < 300; ++i) EXPECT_EQ(bulk[i], "bulk line " + std::to_string(i));
}

TEST(SyslogClientsTest, RsyslogForwardsOctetCountedAndEveryMessageArrivesOnce) {
  ASSERT_EQ(Shell("command -v rsyslogd >/dev/null"), 0) << "rsyslogd is not installed";
  AgentFixture agent;
  const int tcp = FreePort();
  int udp = FreePort();
  while (udp == tcp) udp = FreePort();
  const std::string out = agent.dir() / "out";
  agent.WriteConfig(SyslogFlow(tcp, udp, out));
  ASSERT_TRUE(agent.Start()) << agent.Log();

  // A private rsyslogd: messages written to its imptcp input go out by omfwd to the agent,
  // octet-counted, in RFC 5424. No imuxsock/imklog: the system's log is never touched.
  TempDir rs;
  std::filesystem::create_directories(rs / "work");
  int in_port = FreePort();
  while (in_port == tcp || in_port == udp) in_port = FreePort();
  WriteFile(rs / "rsyslog.conf", "global(workDirectory=\"" + rs / "work" +
                                     "\" net.enableDNS=\"off\")\n"
                                     "module(load=\"imptcp\")\n"
                                     "ruleset(name=\"fwd\") {\n"
                                     "  action(type=\"omfwd\" target=\"127.0.0.1\" port=\"" +
                                     std::to_string(tcp) +
                                     "\" protocol=\"tcp\" TCP_Framing=\"octet-counted\"\n"
                                     "         template=\"RSYSLOG_SyslogProtocol23Format\" "
                                     "action.resumeRetryCount=\"-1\")\n"
                                     "}\n"
                                     "input(type=\"imptcp\" address=\"127.0.0.1\" port=\"" +
                                     std::to_string(in_port) + "\" ruleset=\"fwd\")\n");
  ASSERT_EQ(Shell("rsyslogd -N1 -f " + rs / "rsyslog.conf" + " > " + rs / "check.log" + " 2>&1"), 0)
      << ReadFile(rs / "check.log");
  ChildProcess rsyslogd(
      {Which("rsyslogd"), "-n", "-f", rs / "rsyslog.conf", "-i", rs / "rsyslogd.pid"}, rs.path());
  rsyslogd.Start();

  const int n = 2000;
  {
    TcpClient client(in_port);
    ASSERT_TRUE(client.connected()) << rsyslogd.Stderr();
    std::string batch;
    for (int i = 0; i < n; ++i) {
      batch += "<14>Nov 21 07:00:00 myhost fwdapp[42]: message " + std::to_string(i) + "\n";
    }
    ASSERT_TRUE(client.Send(batch));
  }
  ASSERT_TRUE(WaitFor(
      [&] {
        return agent.Metric("acequia_sink_events_drained_total", {"component=\"files\""}) == n;
      },
      std::chrono::seconds(30)))
      << agent.Metrics() << rsyslogd.Stderr();
  rsyslogd.Signal(SIGTERM);
  EXPECT_TRUE(rsyslogd.Wait(std::chrono::seconds(10)));
  ASSERT_EQ(agent.Terminate(), 0) << agent.Log();

  const auto lines = ReadLinesUnder(out + "/fwdapp/6/42/" + Year(), Any);
  ASSERT_EQ(lines.size(), static_cast<size_t>(n)) << "lost or duplicated messages";
  std::set<std::string> unique;
  for (const auto& line : lines) unique.insert(Trimmed(line));
  EXPECT_EQ(unique.size(), static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) EXPECT_TRUE(unique.count("message " + std::to_string(i))) << i;
  EXPECT_EQ(ListFiles(out).size(), ListFiles(out + "/fwdapp/6/42").size())
      << "every message carried appName, Severity and procId";
}

}  // namespace
}  // namespace acequia::testing
