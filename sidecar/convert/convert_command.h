// `acequia-agent convert-flume FILE [--agent NAME] [-o OUT]`: reads a Flume agent's properties
// file, writes the Flow manifest (stdout or OUT) and reports on stderr, with line numbers,
// everything that could not be converted and every error of the Flow validator on the result.
// Exit status: 0 when everything converted into a valid Flow, 1 when something was dropped or
// the Flow is invalid (the manifest is still written), 2 for a usage error or an unreadable file.
// One call per process; not thread-safe (writes to stdout/stderr).
#pragma once

#include <string>
#include <vector>

namespace acequia::sidecar::convert {

// `args` are the arguments after "convert-flume".
int RunConvertFlume(const std::vector<std::string>& args);

}  // namespace acequia::sidecar::convert
