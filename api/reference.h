// The component reference (docs/reference.md), generated from the catalogue tables that
// validation uses, so the docs cannot drift from the code. Pure; thread-safe.
#pragma once

#include <string>

namespace acequia::api {

std::string ComponentReferenceMarkdown();

}  // namespace acequia::api
