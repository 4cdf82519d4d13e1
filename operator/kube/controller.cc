#include "operator/kube/controller.h"

#include "common/logging.h"

namespace acequia::kube {

Controller::Controller(std::string name, Reconciler reconciler,
                       std::shared_ptr<prometheus::Registry> registry, int workers)
    : name_(std::move(name)),
      reconciler_(std::move(reconciler)),
      workers_(std::max(1, workers)),
      registry_(registry ? std::move(registry) : std::make_shared<prometheus::Registry>()) {
  queue_ = std::make_unique<WorkQueue>(name_, registry_);
  total_ = &prometheus::BuildCounter()
                .Name("controller_runtime_reconcile_total")
                .Help("Total number of reconciliations per controller")
                .Register(*registry_);
  for (const char* result : {"success", "error", "requeue", "requeue_after"}) {
    total_->Add({{"controller", name_}, {"result", result}});
  }
  errors_ = &prometheus::BuildCounter()
                 .Name("controller_runtime_reconcile_errors_total")
                 .Help("Total number of reconciliation errors per controller")
                 .Register(*registry_)
                 .Add({{"controller", name_}});
  time_ = &prometheus::BuildHistogram()
               .Name("controller_runtime_reconcile_time_seconds")
               .Help("Length of time per reconciliation per controller")
               .Register(*registry_)
               .Add({{"controller", name_}},
                    prometheus::Histogram::BucketBoundaries{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                            0.5, 1, 2.5, 5, 10, 15, 30, 60});
}

Controller::~Controller() { Stop(); }

void Controller::Start() {
  if (!threads_.empty()) return;
  for (int i = 0; i < workers_; ++i) threads_.emplace_back([this] { Work(); });
}

void Controller::Stop() {
  queue_->ShutDown();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void Controller::Work() {
  while (auto key = queue_->Get()) {
    const auto start = std::chrono::steady_clock::now();
    Result<ReconcileResult> result = Status::Internal("reconciler threw");
    try {
      result = reconciler_(*key);
    } catch (const std::exception& e) {
      result = Status::Internal(std::string("reconciler threw: ") + e.what());
    }
    time_->Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (!result.ok()) {
      LogMessage(LogLevel::kWarn, "controller/" + name_)
          << "reconcile " << *key << ": " << result.status().ToString();
      errors_->Increment();
      total_->Add({{"controller", name_}, {"result", "error"}}).Increment();
      queue_->AddRateLimited(*key);
    } else if (result->requeue_after.count() > 0) {
      total_->Add({{"controller", name_}, {"result", "requeue_after"}}).Increment();
      queue_->Forget(*key);
      queue_->AddAfter(*key, result->requeue_after);
    } else if (result->requeue) {
      total_->Add({{"controller", name_}, {"result", "requeue"}}).Increment();
      queue_->AddRateLimited(*key);
    } else {
      total_->Add({{"controller", name_}, {"result", "success"}}).Increment();
      queue_->Forget(*key);
    }
    queue_->Done(*key);
  }
}

}  // namespace acequia::kube
