// acequia-operator's command line: `run` (the default) reconciles Flows and ImportJobs against
// the cluster; `render -f FILE` prints the objects it would apply for the manifests in FILE (a
// dry run, no cluster needed); `version`. Flags follow controller-runtime's names so the chart
// and users find what they expect. Main-thread only.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace acequia::operator_cli {

// Runs the command; returns the process exit code (0 ok, 1 failure, 2 usage error).
int RunOperatorCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace acequia::operator_cli
