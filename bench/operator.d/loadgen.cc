// acequia-operator-loadgen: the load side of bench/operator. Against a Kubernetes API server
// (the test server in the benchmark) it either
//   --mode floor:    writes N Flows and exactly the children the operator would make (rendered
//                    by the same code) plus their status, from 8 threads with no rate limit —
//                    the fastest those writes can land, the peer the operator is measured against;
//   --mode operator: creates N Flows from 8 threads and plays the Deployment controller and
//                    kubelet (every agent Deployment the operator creates gets a ready status),
//                    until every Flow reports Ready=True.
// It prints one line of JSON: {"mode", "flows", "seconds", "ready"}. Exit 1 on timeout.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/flow.h"
#include "operator/kube/informer.h"
#include "operator/kube/rest_client.h"
#include "operator/kube/yaml_json.h"
#include "operator/render/flow_render.h"

namespace {

using acequia::kube::Json;
namespace res = acequia::kube::resources;
using Clock = std::chrono::steady_clock;

Json FlowManifest(const std::string& ns, int i) {
  const std::string port = std::to_string(7000 + i % 1000);
  auto json = acequia::kube::ParseYamlOrJson(
      "apiVersion: acequia.io/v1alpha1\nkind: Flow\nmetadata: {name: flow-" + std::to_string(i) +
      ", namespace: " + ns +
      "}\nspec:\n  sources: [{name: in, type: netcat, port: " + port +
      ", channels: [c], interceptors: [{type: timestamp}]}]\n"
      "  channels: [{name: c, type: memory, capacity: 10000}]\n"
      "  sinks: [{name: out, type: logger, channel: c}]\n");
  return *json;
}

template <typename F>
void Parallel(int n, int threads, F&& work) {
  std::atomic<int> next{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = next++; i < n; i = next++) work(i);
    });
  }
  for (auto& t : pool) t.join();
}

bool Ready(const Json& flow) {
  for (const auto& c : flow.value("status", Json::object()).value("conditions", Json::array())) {
    if (c.value("type", "") == "Ready") {
      return c.value("status", "") == "True" &&
             c.value("observedGeneration", 0) == flow["metadata"].value("generation", 0);
    }
  }
  return false;
}

int Floor(acequia::kube::KubeClient& client, const std::string& ns, int n) {
  std::atomic<int> failures{0};
  acequia::render::OperatorSettings settings;
  Parallel(n, 8, [&](int i) {
    auto created = client.Create(res::kFlows, FlowManifest(ns, i));
    if (!created.ok()) {
      if (failures++ == 0) std::cerr << created.status().message() << "\n";
      return;
    }
    auto parsed = acequia::api::ParseFlow(acequia::kube::JsonToYaml(*created));
    auto objects = acequia::render::RenderFlow(*created, *parsed.flow, settings);
    if (!objects.ok()) {
      ++failures;
      return;
    }
    for (const auto& object : objects->Objects()) {
      const std::string kind = object.value("kind", "");
      const auto& type = kind == "ConfigMap" ? res::kConfigMaps
                         : kind == "Service" ? res::kServices
                                             : res::kDeployments;
      acequia::kube::ApplyOptions options;
      options.force = true;
      if (!client.Apply(type, object, options).ok()) ++failures;
    }
    Json status = {{"status",
                    {{"observedGeneration", 1},
                     {"configHash", objects->config_hash},
                     {"conditions",
                      Json::array({{{"type", "Ready"},
                                    {"status", "True"},
                                    {"reason", "AgentsReady"},
                                    {"message", "1/1 agents ready"},
                                    {"observedGeneration", 1},
                                    {"lastTransitionTime", "2026-01-01T00:00:00Z"}}})}}}};
    if (!client.MergePatch(res::kFlows, ns, "flow-" + std::to_string(i), status, true).ok())
      ++failures;
  });
  return failures;
}

int WithOperator(acequia::kube::KubeClient& client, const std::string& ns, int n,
                 std::chrono::seconds timeout, int* ready_out) {
  // The kubelet and Deployment controller: every agent Deployment becomes ready.
  acequia::kube::InformerOptions options;
  options.ns = ns;
  acequia::kube::Informer deployments(client, res::kDeployments, options);
  std::mutex mu;
  std::vector<Json> pending;
  auto on_change = [&](const Json& d) {
    const Json status = d.value("status", Json::object());
    if (status.value("observedGeneration", 0) == d["metadata"].value("generation", 0) &&
        status.value("readyReplicas", 0) == d["spec"].value("replicas", 1)) {
      return;
    }
    std::lock_guard<std::mutex> lock(mu);
    pending.push_back(d);
  };
  deployments.AddHandlers({on_change, [&](const Json&, const Json& d) { on_change(d); }, nullptr});
  deployments.Start();
  std::atomic<bool> done{false};
  std::thread kubelet([&] {
    while (!done) {
      std::vector<Json> batch;
      {
        std::lock_guard<std::mutex> lock(mu);
        batch.swap(pending);
      }
      Parallel(static_cast<int>(batch.size()), 4, [&](int i) {
        const Json& d = batch[i];
        const int64_t replicas = d["spec"].value("replicas", int64_t{1});
        Json status = {{"status",
                        {{"observedGeneration", d["metadata"].value("generation", 1)},
                         {"replicas", replicas},
                         {"updatedReplicas", replicas},
                         {"readyReplicas", replicas},
                         {"availableReplicas", replicas}}}};
        (void)client.MergePatch(res::kDeployments, ns, d["metadata"]["name"], status, true);
      });
      if (batch.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });

  std::atomic<int> failures{0};
  Parallel(n, 8, [&](int i) {
    auto created = client.Create(res::kFlows, FlowManifest(ns, i));
    if (!created.ok() && failures++ == 0) std::cerr << created.status().message() << "\n";
  });
  const auto deadline = Clock::now() + timeout;
  int ready = 0;
  while (Clock::now() < deadline) {
    auto list = client.List(res::kFlows, ns);
    if (list.ok()) {
      ready = 0;
      for (const auto& flow : (*list)["items"]) ready += Ready(flow) ? 1 : 0;
      if (ready == n) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  done = true;
  kubelet.join();
  deployments.Stop();
  *ready_out = ready;
  return failures;
}

}  // namespace

int main(int argc, char** argv) {
  std::string server, mode = "operator", ns = "bench";
  int flows = 1000;
  int timeout = 120;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--server") server = value;
    else if (flag == "--mode") mode = value;
    else if (flag == "--namespace") ns = value;
    else if (flag == "--flows") flows = std::stoi(value);
    else if (flag == "--timeout") timeout = std::stoi(value);
    else {
      std::cerr << "unknown flag " << flag << "\n";
      return 2;
    }
  }
  if (server.empty() || (mode != "floor" && mode != "operator")) {
    std::cerr << "usage: acequia-operator-loadgen --server URL [--mode floor|operator] "
                 "[--flows N] [--namespace NS] [--timeout SECONDS]\n";
    return 2;
  }
  acequia::kube::ClusterConfig config;
  config.server = server;
  acequia::kube::RestClientOptions options;
  options.qps = 0;  // the load generator is not what is measured
  auto client = acequia::kube::RestKubeClient::Create(config, options);
  if (!client.ok()) {
    std::cerr << client.status().message() << "\n";
    return 2;
  }
  auto made = (*client)->Create(
      res::kNamespaces, Json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
  if (!made.ok() && !acequia::kube::IsAlreadyExists(made.status())) {
    std::cerr << "creating namespace " << ns << ": " << made.status().message() << "\n";
    return 2;
  }
  const auto start = Clock::now();
  int ready = flows;
  int failures = mode == "floor"
                     ? Floor(**client, ns, flows)
                     : WithOperator(**client, ns, flows, std::chrono::seconds(timeout), &ready);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("{\"mode\": \"%s\", \"flows\": %d, \"seconds\": %.3f, \"ready\": %d, "
              "\"failures\": %d}\n",
              mode.c_str(), flows, seconds, ready, failures);
  return failures == 0 && ready == flows ? 0 : 1;
}
