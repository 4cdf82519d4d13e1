// The real kubectl against the acequia-test-apiserver binary: client-side and server-side
// apply, get -o yaml, get -w, patch (strategic, merge, JSON), delete, over HTTP and HTTPS.
// Skipped when kubectl is not installed.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>

#include "tests/operator/api_server_fixture.h"
#include "tests/support/process.h"

namespace acequia::testing {
namespace {

using namespace std::chrono_literals;

constexpr char kKubectl[] = "/usr/bin/kubectl";

struct CommandResult {
  int code;
  std::string output;
};

class KubectlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(kKubectl))
        << kKubectl << " is missing: these tests drive the real kubectl";
  }

  // Starts the server binary (optionally with TLS) and writes a kubeconfig for it.
  void StartServer(bool tls) {
    port_ = FreePort();
    std::vector<std::string> argv = {ACEQUIA_TEST_APISERVER,
                                     "--listen",
                                     "127.0.0.1:" + std::to_string(port_),
                                     "--crds",
                                     CrdDir(),
                                     "--bookmark-interval-ms",
                                     "500"};
    std::string cluster = "{server: \"http://127.0.0.1:" + std::to_string(port_) + "\"}";
    if (tls) {
      ASSERT_TRUE(MakeTestPki(dir_.path()));
      argv.insert(argv.end(),
                  {"--tls-cert", dir_ / "server.crt", "--tls-key", dir_ / "server.key"});
      cluster = "{server: \"https://127.0.0.1:" + std::to_string(port_) +
                "\", certificate-authority: ca.crt}";
    }
    std::filesystem::create_directories(dir_ / "server");
    server_ = std::make_unique<ChildProcess>(argv, dir_ / "server");
    server_->Start();
    ASSERT_TRUE(WaitFor([&] { return server_->Stdout().find("serving") != std::string::npos; }))
        << server_->Stderr();
    WriteFile(
        dir_ / "kubeconfig",
        "apiVersion: v1\nkind: Config\ncurrent-context: test\n"
        "clusters: [{name: test, cluster: " +
            cluster +
            "}]\n"
            "users: [{name: test, user: {token: test-token}}]\n"
            "contexts: [{name: test, context: {cluster: test, user: test, namespace: default}}]\n");
  }

  CommandResult Kubectl(const std::string& args, const std::string& stdin_text = "") {
    std::string command = std::string(kKubectl) + " --kubeconfig " + (dir_ / "kubeconfig") +
                          " --request-timeout=20s " + args;
    if (!stdin_text.empty()) {
      WriteFile(dir_ / "stdin.yaml", stdin_text);
      command += " < " + (dir_ / "stdin.yaml");
    }
    command += " 2>&1";
    CommandResult result{-1, ""};
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) return result;
    std::array<char, 4096> buffer{};
    size_t n;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
      result.output.append(buffer.data(), n);
    }
    int status = ::pclose(pipe);
    result.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
  }

  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> server_;
};

constexpr char kConfigMap[] = R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: demo
  labels: {app: web}
data:
  a: "1"
  b: two
)";

constexpr char kFlow[] = R"(apiVersion: acequia.io/v1alpha1
kind: Flow
metadata:
  name: web-logs
spec:
  replicas: 2
  sources: [{name: web, type: http, port: 8080, channels: [main]}]
  channels: [{name: main, type: memory}]
  sinks: [{name: out, type: logger, channel: main}]
)";

constexpr char kDeployment[] = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: agent
spec:
  replicas: 1
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers:
      - {name: agent, image: "acequia/agent:1"}
      - {name: helper, image: "busybox:1"}
)";

TEST_F(KubectlTest, ClientSideApplyGetPatchDelete) {
  StartServer(false);
  auto created = Kubectl("apply -f -", kConfigMap);
  ASSERT_EQ(created.code, 0) << created.output;
  EXPECT_NE(created.output.find("configmap/demo created"), std::string::npos) << created.output;

  std::string changed = kConfigMap;
  changed.replace(changed.find("b: two"), 6, "b: three");
  auto configured = Kubectl("apply -f -", changed);
  ASSERT_EQ(configured.code, 0) << configured.output;
  EXPECT_NE(configured.output.find("configmap/demo configured"), std::string::npos);

  auto yaml = Kubectl("get configmap demo -o yaml");
  ASSERT_EQ(yaml.code, 0) << yaml.output;
  EXPECT_NE(yaml.output.find("b: three"), std::string::npos) << yaml.output;
  EXPECT_NE(yaml.output.find("kubectl.kubernetes.io/last-applied-configuration"),
            std::string::npos);
  EXPECT_NE(yaml.output.find("uid: "), std::string::npos);

  EXPECT_EQ(Kubectl("patch configmap demo -p '{\"data\":{\"c\":\"3\"}}'").code, 0);
  EXPECT_EQ(
      Kubectl("patch configmap demo --type json -p '[{\"op\":\"remove\",\"path\":\"/data/a\"}]'")
          .code,
      0);
  auto data = Kubectl("get configmap demo -o jsonpath={.data}");
  EXPECT_EQ(data.output, "{\"b\":\"three\",\"c\":\"3\"}") << data.output;

  // A Deployment: client-side apply builds a strategic merge patch over the containers list.
  ASSERT_EQ(Kubectl("apply -f -", kDeployment).code, 0);
  std::string one_container = kDeployment;
  one_container.erase(one_container.find("      - {name: helper"));
  one_container.replace(one_container.find("acequia/agent:1"), 15, "acequia/agent:2");
  auto rolled = Kubectl("apply -f -", one_container);
  ASSERT_EQ(rolled.code, 0) << rolled.output;
  auto images =
      Kubectl("get deployment agent -o jsonpath={.spec.template.spec.containers[*].image}");
  EXPECT_EQ(images.output, "acequia/agent:2") << images.output;
  auto generation = Kubectl("get deployment agent -o jsonpath={.metadata.generation}");
  EXPECT_EQ(generation.output, "2");

  auto deleted = Kubectl("delete configmap demo");
  ASSERT_EQ(deleted.code, 0) << deleted.output;
  EXPECT_NE(deleted.output.find("configmap \"demo\" deleted"), std::string::npos);
  auto gone = Kubectl("get configmap demo");
  EXPECT_NE(gone.code, 0);
  EXPECT_NE(gone.output.find("NotFound"), std::string::npos) << gone.output;
}

TEST_F(KubectlTest, ServerSideApplyWithConflictsAndForce) {
  StartServer(false);
  auto applied = Kubectl("apply --server-side -f -", kFlow);
  ASSERT_EQ(applied.code, 0) << applied.output;
  EXPECT_NE(applied.output.find("flow.acequia.io/web-logs serverside-applied"), std::string::npos);

  ASSERT_EQ(Kubectl("patch flow web-logs --type merge -p '{\"spec\":{\"replicas\":5}}'").code, 0);
  auto conflict = Kubectl("apply --server-side -f -", kFlow);
  EXPECT_NE(conflict.code, 0);
  EXPECT_NE(conflict.output.find("conflict with \"kubectl-patch\": .spec.replicas"),
            std::string::npos)
      << conflict.output;

  auto forced = Kubectl("apply --server-side --force-conflicts -f -", kFlow);
  ASSERT_EQ(forced.code, 0) << forced.output;
  auto yaml = Kubectl("get fl web-logs -o yaml --show-managed-fields");
  EXPECT_NE(yaml.output.find("replicas: 2"), std::string::npos) << yaml.output;
  EXPECT_NE(yaml.output.find("manager: kubectl"), std::string::npos);
  EXPECT_NE(yaml.output.find("operation: Apply"), std::string::npos);
  EXPECT_NE(yaml.output.find("generation: 3"), std::string::npos);

  // Strategic merge patch is refused for custom resources, as on a real server.
  auto smp = Kubectl("patch flow web-logs -p '{\"spec\":{\"replicas\":1}}'");
  EXPECT_NE(smp.code, 0);
  ASSERT_EQ(Kubectl("delete -f -", kFlow).code, 0);
}

TEST_F(KubectlTest, GetWatchSeesAddModifyDelete) {
  StartServer(false);
  std::filesystem::create_directories(dir_ / "watch");
  ChildProcess watch({kKubectl, "--kubeconfig", dir_ / "kubeconfig", "get", "configmaps", "-w",
                      "--output-watch-events", "--request-timeout=30s"},
                     dir_ / "watch");
  watch.Start();
  // kubectl lists, then watches from the list's resourceVersion: changes made after its list
  // must all arrive, however late the watch request itself comes.
  std::this_thread::sleep_for(500ms);
  ASSERT_EQ(Kubectl("apply -f -", kConfigMap).code, 0);
  ASSERT_EQ(Kubectl("label configmap demo tier=cache").code, 0);
  ASSERT_EQ(Kubectl("delete configmap demo").code, 0);
  EXPECT_TRUE(WaitFor([&] { return watch.Stdout().find("DELETED") != std::string::npos; }, 10s))
      << watch.Stdout() << watch.Stderr();
  const std::string out = watch.Stdout();
  EXPECT_NE(out.find("ADDED      demo"), std::string::npos) << out;
  EXPECT_NE(out.find("MODIFIED   demo"), std::string::npos) << out;
  EXPECT_NE(out.find("DELETED    demo"), std::string::npos) << out;
  watch.Signal(SIGTERM);
  watch.Wait(5s);
}

TEST_F(KubectlTest, WorksOverTlsWithTheClusterCa) {
  StartServer(true);
  auto ns = Kubectl("get namespaces -o name");
  ASSERT_EQ(ns.code, 0) << ns.output;
  EXPECT_NE(ns.output.find("namespace/default"), std::string::npos);
  auto applied = Kubectl("apply -f -", kConfigMap);
  EXPECT_EQ(applied.code, 0) << applied.output;
}

}  // namespace
}  // namespace acequia::testing
