// The acequia-import command line: plan, run [--split N], commit, list-tables, eval. Each phase
// prints a one-line JSON result on stdout and writes it to the termination log (Kubernetes'
// termination message); errors go to stderr (and the termination log) with exit code 1, usage
// errors with exit code 2. Credentials never come from argv (see importer/credentials.h).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace acequia::importer {

// `args` excludes the program name. Reads a plan from `in` when --plan is "-" or absent.
int RunImportCommand(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                     std::ostream& err);

}  // namespace acequia::importer
