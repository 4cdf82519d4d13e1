// acequia-operator: reconciles Flows and ImportJobs. See `acequia-operator --help`.
#include <iostream>
#include <string>
#include <vector>

#include "operator/operator_command.h"

int main(int argc, char** argv) {
  return acequia::operator_cli::RunOperatorCommand(std::vector<std::string>(argv + 1, argv + argc),
                                                   std::cout, std::cerr);
}
