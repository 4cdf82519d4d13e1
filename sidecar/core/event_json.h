// One event as a JSON object, the form the http source reads and the http sink (format json)
// and the file_roll sink (serializer json) write: {"headers": {...}, "body": "..."}, with a body
// that is not valid UTF-8 base64-encoded and marked "encoding": "base64". Pure functions;
// thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "sidecar/core/event.h"

namespace acequia::sidecar {

// Strict UTF-8: no overlong forms, surrogates or code points past U+10FFFF.
bool IsValidUtf8(std::string_view text);

nlohmann::ordered_json EventToJson(const Event& event);

}  // namespace acequia::sidecar
