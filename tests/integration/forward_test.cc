// Agent-to-agent forwarding with two real acequia-agent processes: a sender (seq source →
// memory channel → forward sink) and a receiver (forward source → file channel → file_roll),
// over plain TCP, TLS and mutual TLS, and at-least-once delivery when the receiver is killed
// with kill -9 mid-stream and restarted.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <thread>

#include "tests/support/agent_fixture.h"
#include "tests/support/test_env.h"

namespace acequia::testing {
namespace {

// A test CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl.
bool MakeTestPki(const std::string& dir) {
  WriteFile(dir + "/make-pki.sh", R"(set -e
cd "$1"
K="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
openssl req -x509 $K -keyout ca.key -out ca.crt -days 2 -subj /CN=acequia-forward-test-ca 2>/dev/null
openssl req $K -keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt \
  -days 2 -extfile server.ext 2>/dev/null
openssl req $K -keyout client.key -out client.csr -subj /CN=sidecar 2>/dev/null
printf 'extendedKeyUsage=clientAuth\n' > client.ext
openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt \
  -days 2 -extfile client.ext 2>/dev/null
)");
  return std::system(("bash '" + dir + "/make-pki.sh' '" + dir + "'").c_str()) == 0;
}

std::string ReceiverFlow(int port, const std::string& root, const std::string& tls = "") {
  return R"(apiVersion: acequia.io/v1alpha1
kind: Flow
metadata: {name: collector}
spec:
  sources:
    - {name: in, type: forward, bind: 127.0.0.1, port: )" +
         std::to_string(port) + tls + R"(, channels: [disk]}
  channels:
    - {name: disk, type: file, checkpointDir: ")" +
         root + R"(/checkpoint", dataDirs: [")" + root +
         R"(/data"], capacity: 100000, transactionCapacity: 1000, checkpointInterval: 1s,
       maxFileSize: 4Mi, minimumRequiredSpace: 0, keepAlive: 100ms}
  sinks:
    - {name: out, type: file_roll, channel: disk, directory: ")" +
         root + R"(/out", rollInterval: 0, batchSize: 100}
  metrics: {port: {metrics_port}}
)";
}

std::string SenderFlow(int receiver_port, long events, const std::string& tls = "") {
  return R"(apiVersion: acequia.io/v1alpha1
kind: Flow
metadata: {name: sidecar}
spec:
  sources:
    - {name: numbers, type: seq, totalEvents: )" +
         std::to_string(events) + R"(, batchSize: 100, channels: [mem]}
  channels:
    - {name: mem, type: memory, capacity: 100000, transactionCapacity: 1000}
  sinks:
    - {name: hop, type: forward, channel: mem, hostname: 127.0.0.1, port: )" +
         std::to_string(receiver_port) +
         R"(, batchSize: 100, connectTimeout: 2s, requestTimeout: 5s)" + tls + R"(}
  metrics: {port: {metrics_port}}
)";
}

// How many times each number arrived in the receiver's output files.
std::map<long, int> Delivered(const std::string& root) {
  std::map<long, int> seen;
  for (const auto& line : ReadLinesUnder(root + "/out", [](const std::string&) { return true; })) {
    if (!line.empty()) ++seen[std::stol(line)];
  }
  return seen;
}

size_t Missing(const std::map<long, int>& seen, long events) {
  size_t missing = 0;
  for (long i = 0; i < events; ++i) missing += seen.count(i) == 0 ? 1 : 0;
  return missing;
}

size_t Duplicates(const std::map<long, int>& seen) {
  size_t duplicates = 0;
  for (const auto& [n, count] : seen) duplicates += static_cast<size_t>(count - 1);
  return duplicates;
}

// Runs a sender of `events` numbers against a receiver and checks every number arrives once.
void ExpectExactDelivery(const std::string& receiver_tls, const std::string& sender_tls,
                         long events) {
  AgentFixture receiver;
  const int port = FreePort();
  const std::string root = receiver.dir() / "collector";
  receiver.WriteConfig(ReceiverFlow(port, root, receiver_tls));
  ASSERT_TRUE(receiver.Start()) << receiver.Log();
  AgentFixture sender;
  sender.WriteConfig(SenderFlow(port, events, sender_tls));
  ASSERT_TRUE(sender.Start()) << sender.Log();

  // The receiver's sink may write a batch before its source counts it accepted, and before the
  // sender reads the ACK: wait for all three.
  const auto all = static_cast<double>(events);
  ASSERT_TRUE(WaitFor(
      [&] {
        return receiver.Metric("acequia_sink_events_drained_total", {"component=\"out\""}) == all &&
               receiver.Metric("acequia_source_events_accepted_total", {"component=\"in\""}) ==
                   all &&
               sender.Metric("acequia_sink_events_drained_total", {"component=\"hop\""}) == all;
      },
      std::chrono::seconds(30)))
      << receiver.Log() << sender.Log();
  EXPECT_EQ(receiver.Metric("acequia_source_events_rejected_total", {"component=\"in\""}), 0);
  EXPECT_EQ(sender.Metric("acequia_sink_rollbacks_total", {"component=\"hop\""}), 0);
  EXPECT_EQ(receiver.Metric("acequia_source_open_connections", {"component=\"in\""}), 1);
  EXPECT_EQ(sender.Terminate(), 0) << sender.Log();
  EXPECT_EQ(receiver.Terminate(), 0) << receiver.Log();
  const auto seen = Delivered(root);
  EXPECT_EQ(Missing(seen, events), 0u);
  EXPECT_EQ(Duplicates(seen), 0u);
}

TEST(ForwardTest, PlainTcpDeliversEveryEventOnce) { ExpectExactDelivery("", "", 5000); }

TEST(ForwardTest, TlsDeliversEveryEventOnce) {
  TempDir pki;
  ASSERT_TRUE(MakeTestPki(pki.path()));
  ExpectExactDelivery(", tls.enabled: true, tls.certFile: " + pki / "server.crt" +
                          ", tls.keyFile: " + pki / "server.key",
                      ", tls.enabled: true, tls.caFile: " + pki / "ca.crt", 2000);
}

TEST(ForwardTest, MutualTlsDeliversWithAClientCertificate) {
  TempDir pki;
  ASSERT_TRUE(MakeTestPki(pki.path()));
  ExpectExactDelivery(
      ", tls.enabled: true, tls.certFile: " + pki / "server.crt" +
          ", tls.keyFile: " + pki / "server.key" + ", tls.clientCaFile: " + pki / "ca.crt",
      ", tls.enabled: true, tls.caFile: " + pki / "ca.crt" +
          ", tls.certFile: " + pki / "client.crt" + ", tls.keyFile: " + pki / "client.key",
      2000);
}

TEST(ForwardTest, MutualTlsRefusesASenderWithoutACertificate) {
  TempDir pki;
  ASSERT_TRUE(MakeTestPki(pki.path()));
  AgentFixture receiver;
  const int port = FreePort();
  const std::string root = receiver.dir() / "collector";
  receiver.WriteConfig(ReceiverFlow(port, root,
                                    ", tls.enabled: true, tls.certFile: " + pki / "server.crt" +
                                        ", tls.keyFile: " + pki / "server.key" +
                                        ", tls.clientCaFile: " + pki / "ca.crt"));
  ASSERT_TRUE(receiver.Start()) << receiver.Log();
  AgentFixture sender;
  sender.WriteConfig(SenderFlow(port, 100, ", tls.enabled: true, tls.caFile: " + pki / "ca.crt"));
  // Its channel never empties: stop without waiting for a drain.
  ASSERT_TRUE(sender.Start({"--drain-timeout", "100ms"})) << sender.Log();

  ASSERT_TRUE(WaitFor(
      [&] {
        return sender.Metric("acequia_sink_connection_failures_total", {"component=\"hop\""})
                   .value_or(0) >= 2;
      },
      std::chrono::seconds(20)))
      << sender.Log();
  const std::string log = receiver.Log();
  EXPECT_NE(log.find("TLS handshake with 127.0.0.1:"), std::string::npos) << log;
  EXPECT_NE(log.find("peer did not return a certificate"), std::string::npos) << log;
  EXPECT_NE(log.find("the client must present a certificate signed by that CA"), std::string::npos)
      << log;
  EXPECT_EQ(
      receiver.Metric("acequia_source_events_accepted_total", {"component=\"in\""}).value_or(0), 0);
  EXPECT_EQ(sender.Metric("acequia_sink_events_drained_total", {"component=\"hop\""}).value_or(0),
            0);
  EXPECT_EQ(sender.Metric("acequia_channel_size", {"component=\"mem\""}), 100) << "kept, not lost";
  EXPECT_EQ(sender.Terminate(), 0) << sender.Log();
  EXPECT_EQ(receiver.Terminate(), 0);
  EXPECT_TRUE(Delivered(root).empty());
}

TEST(ForwardTest, EveryEventSurvivesKill9OfTheReceiverMidStream) {
  constexpr long kEvents = 30000;
  constexpr int kKills = 3;
  AgentFixture receiver;
  const int port = FreePort();
  const std::string root = receiver.dir() / "collector";
  receiver.WriteConfig(ReceiverFlow(port, root));
  ASSERT_TRUE(receiver.Start()) << receiver.Log();
  AgentFixture sender;
  sender.WriteConfig(SenderFlow(port, kEvents));
  ASSERT_TRUE(sender.Start()) << sender.Log();

  auto accepted = [&] {
    return receiver.Metric("acequia_source_events_accepted_total", {"component=\"in\""})
        .value_or(0);
  };
  double before = 0;
  for (int kill = 0; kill < kKills; ++kill) {
    // Kill while batches are flowing: after some progress since the last (re)start.
    ASSERT_TRUE(WaitFor([&] { return accepted() >= 1500; }, std::chrono::seconds(30)))
        << "kill " << kill << ": no progress\n"
        << receiver.Log() << sender.Log();
    before += accepted();
    receiver.process()->Signal(SIGKILL);
    ASSERT_TRUE(receiver.process()->Wait(std::chrono::seconds(10)).has_value());
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the sender fails meanwhile
    ASSERT_TRUE(receiver.Start()) << "restart " << kill << ":\n" << receiver.Log();
  }
  ASSERT_TRUE(WaitFor(
      [&] {
        return sender.Metric("acequia_sink_events_drained_total", {"component=\"hop\""}) ==
                   static_cast<double>(kEvents) &&
               receiver.Metric("acequia_channel_size", {"component=\"disk\""}) == 0;
      },
      std::chrono::seconds(60)))
      << receiver.Log() << sender.Log();
  const double failures =
      sender.Metric("acequia_sink_connection_failures_total", {"component=\"hop\""}).value_or(0);
  EXPECT_EQ(sender.Terminate(), 0) << sender.Log();
  EXPECT_EQ(receiver.Terminate(), 0) << receiver.Log();

  const auto seen = Delivered(root);
  const size_t missing = Missing(seen, kEvents);
  const size_t duplicates = Duplicates(seen);
  std::cout << "[ forward kill -9 ] " << kKills << " kills of the receiver, " << kEvents
            << " events sent, " << seen.size() << " distinct delivered, " << missing << " missing, "
            << duplicates << " duplicate lines, " << failures << " sender connection failures, "
            << before << " accepted before the kills\n";
  EXPECT_EQ(missing, 0u) << "every event arrives at least once";
  EXPECT_EQ(seen.size(), static_cast<size_t>(kEvents)) << "nothing but the numbers sent";
  // Only batches in flight at a kill come twice: the sender's one unACKed batch (100 events)
  // and the receiver's file_roll batch taken but not committed (100 events), per kill.
  EXPECT_LE(duplicates, static_cast<size_t>(kKills) * 200u);
}

}  // namespace
}  // namespace acequia::testing
