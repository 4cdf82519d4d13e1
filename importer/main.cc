// acequia-import: the Sqoop runtime. See importer/import_command.h and docs/import.md.
#include <iostream>
#include <string>
#include <vector>

#include "importer/import_command.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return acequia::importer::RunImportCommand(args, std::cin, std::cout, std::cerr);
}
