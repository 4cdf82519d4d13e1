// Compiles a regular-expression property of an interceptor with RE2 (linear-time matching, no
// backreferences or lookaround: the syntax is RE2's, a subset of Java's). Factories call it so an
// invalid pattern is rejected when the flow is loaded, naming the property's exact field path.
// Threading: a compiled RE2 is immutable and may be shared by any number of threads.
#pragma once

#include <re2/re2.h>

#include <memory>
#include <string_view>

#include "api/flow.h"
#include "common/status.h"

namespace acequia::sidecar {

// InvalidArgument "<config.path>.<property>: invalid regular expression: <why>" on failure.
Result<std::unique_ptr<const RE2>> CompileRegexProperty(const api::ComponentConfig& config,
                                                        std::string_view property);

}  // namespace acequia::sidecar
