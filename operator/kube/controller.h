// Controller: runs a reconcile function over the keys of a WorkQueue with N workers, the way
// controller-runtime does: an error or Requeue puts the key back rate-limited, RequeueAfter
// puts it back after a delay, success forgets the key's failures. Exports
// controller_runtime_reconcile_total{controller,result}, controller_runtime_reconcile_errors_total
// {controller} and controller_runtime_reconcile_time_seconds{controller}.
// Threading: Start() spawns the workers; the reconciler runs on them concurrently, but never
// twice at once for the same key. Stop() shuts the queue down and joins the workers.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "operator/kube/work_queue.h"

namespace acequia::kube {

struct ReconcileResult {
  bool requeue = false;
  std::chrono::milliseconds requeue_after{0};
};

class Controller {
 public:
  using Reconciler = std::function<Result<ReconcileResult>(const std::string& key)>;

  Controller(std::string name, Reconciler reconciler,
             std::shared_ptr<prometheus::Registry> registry, int workers = 1);
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  WorkQueue& queue() { return *queue_; }
  void Start();
  void Stop();

 private:
  void Work();

  const std::string name_;
  Reconciler reconciler_;
  const int workers_;
  std::shared_ptr<prometheus::Registry> registry_;  // owns the metric families below
  std::unique_ptr<WorkQueue> queue_;
  std::vector<std::thread> threads_;
  prometheus::Family<prometheus::Counter>* total_;
  prometheus::Counter* errors_;
  prometheus::Histogram* time_;
};

}  // namespace acequia::kube
